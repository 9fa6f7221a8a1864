/**
 * What Fusebox does not know right after it starts (docs/control.md, "After a restart"): a station may still hold a
 * TxProfile the previous process sent (until it expires), and a car may have started under a station's
 * fail-safe default while nobody listened. Until each port's state is confirmed the port counts as a fixed
 * load at the most it may draw, and new sessions are admitted only into what remains. The grace period (the
 * profile lifetime, by when every profile of the previous process has expired) ends this for ports of
 * stations that are connected; a station not seen since the start keeps its ports at their default, since a
 * car may be charging there under it for as long as the station stays away.
 */
import type { PortSnapshot } from '../contracts/station-gateway.ts';

/** A session setpoint the previous process sent, as the store keeps it (the `setpoints` table). */
export interface PriorSetpoint {
  readonly portId: string;
  readonly sessionId?: number | undefined;
  readonly currentA: number;
  readonly sentMs: number;
  readonly outcome: 'accepted' | 'rejected' | 'timeout' | 'error';
}

/** Why a port is still unknown, for the log and the tests. */
export type UnknownReason = 'station-offline' | 'setpoint-unconfirmed' | 'status-unknown';

export class RestartGuard {
  private confirmed = new Set<string>();
  private priors = new Map<string, PriorSetpoint[]>();
  readonly graceEndsAtMs: number;

  constructor(
    readonly startedAtMs: number,
    readonly graceMs: number,
    /** Lifetime of a TxProfile: a prior setpoint may be in force until it was sent + this. */
    private readonly expiryMs: number,
    priorSetpoints: readonly PriorSetpoint[] = [],
  ) {
    this.graceEndsAtMs = startedAtMs + graceMs;
    for (const s of priorSetpoints) {
      const list = this.priors.get(s.portId) ?? [];
      list.push(s);
      this.priors.set(s.portId, list);
    }
    for (const list of this.priors.values()) list.sort((a, b) => a.sentMs - b.sentMs);
  }

  /** A copy to change, this one left as it is (the control state keeps it immutable, plan-run.ts). */
  clone(): RestartGuard {
    const c = new RestartGuard(this.startedAtMs, this.graceMs, this.expiryMs);
    c.priors = new Map(this.priors);
    c.confirmed = new Set(this.confirmed);
    return c;
  }

  /** True once the port's state is confirmed (`confirm` would be no news). */
  isConfirmed(portId: string): boolean {
    return this.confirmed.has(portId);
  }

  /** True before the grace period ends. */
  active(nowMs: number): boolean {
    return nowMs < this.graceEndsAtMs;
  }

  /** The station told Fusebox something that settles what the port runs under (see `pending`); true if news. */
  confirm(portId: string): boolean {
    if (this.confirmed.has(portId)) return false;
    this.confirmed.add(portId);
    return true;
  }

  /**
   * Why the port's state is not known yet, or null once it is: its station has not reconnected; it has a
   * session whose re-asserted setpoint was not accepted yet; it has none but its status was not reported.
   * A session that started or stopped since the start, or an accepted setpoint, confirm a port (`confirm`).
   * After the grace period only the first stays (loadA then drops the expired profiles of the past).
   */
  pending(p: PortSnapshot, nowMs: number): UnknownReason | null {
    if (this.confirmed.has(p.portId)) return null;
    if (!p.connected) return 'station-offline';
    if (!this.active(nowMs)) return null;
    if (p.sessionId !== undefined) return 'setpoint-unconfirmed';
    // No session as far as Fusebox knows and the station reported the port: nothing draws there.
    if (p.status !== 'unknown') {
      this.confirmed.add(p.portId);
      return null;
    }
    return 'status-unknown';
  }

  /**
   * The most an unknown port may draw per conductor, in A: the higher of its fail-safe default (a car may
   * have started under it) and, for the session it has, any setpoint of the previous process that may still
   * be in force (the last accepted one and any sent after it that was not refused) and `limitA` (what the
   * gateway counts it at).
   */
  loadA(p: PortSnapshot, limitA: number, nowMs: number): number {
    let a = p.failSafeA;
    if (p.sessionId === undefined) return a;
    a = Math.max(a, limitA);
    const list = (this.priors.get(p.portId) ?? []).filter((s) => s.sessionId === p.sessionId);
    let from = 0;
    // An accepted profile replaces every earlier one (same profile id; calls to a station are sequential).
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.outcome === 'accepted') {
        from = i;
        break;
      }
    }
    for (const s of list.slice(from)) {
      if (s.outcome === 'rejected' || s.sentMs + this.expiryMs <= nowMs) continue;
      a = Math.max(a, s.currentA);
    }
    return a;
  }
}
