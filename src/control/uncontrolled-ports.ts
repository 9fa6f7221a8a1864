/**
 * Ports whose station does not take Fusebox's limits (docs/control.md "Uncontrolled ports"): it refused a
 * charging profile (Rejected, a CALLERROR such as NotImplemented, no answer in time) or said at its set-up
 * that it has no smart charging. Such a port draws what its car and the port allow whatever Fusebox sends,
 * so the control loop counts it at that (uncontrolledLoadA) and gives the others what is left. A profile is
 * tried again with a backoff that doubles up to `maxMs`; the first one accepted returns the port to normal
 * control. Pure: time is an argument.
 */
import { isFresh } from '../core/freshness.ts';
import type { PortSnapshot, SetpointEvent } from '../contracts/station-gateway.ts';
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';
import { backoffMs } from '../backoff.ts';

/** Why a port is uncontrolled, in the API's and the metrics' words. */
export type UncontrolledReason = 'rejected' | 'not-implemented' | 'timeout' | 'no-smart-charging';

/** What the control loop may do about an uncontrolled port the others cannot make room for (site file). */
export type UncontrolledAction = 'none' | 'unavailable' | 'stop';

export interface UncontrolledPort {
  readonly reason: UncontrolledReason;
  /** In words: the station's answer ("station answered Rejected", "CALLERROR NotImplemented: …"). */
  readonly detail: string;
  /** Since when it is uncontrolled (UTC epoch ms). */
  readonly sinceMs: number;
  /** Refusals in a row. */
  readonly failures: number;
  /** When the next profile may be tried (Infinity while one is in flight). */
  readonly retryAtMs: number;
}

export interface UncontrolledBackoff {
  /** Wait after the first refusal before trying again, in ms; it doubles after each further one. */
  readonly firstMs: number;
  /** The longest wait between tries, in ms. */
  readonly maxMs: number;
}

export const DEFAULT_UNCONTROLLED_BACKOFF: UncontrolledBackoff = { firstMs: 1000, maxMs: 5 * 60_000 };

/** The refusal of a setpoint event, or null when the event is not one (accepted, offline, no session). */
export function refusalOf(e: SetpointEvent): { reason: UncontrolledReason; detail: string } | null {
  if (e.result === 'timeout') return { reason: 'timeout', detail: e.reason ?? 'no answer in time' };
  if (e.result !== 'rejected') return null;
  const answer = e.stationAnswer ?? 'Rejected';
  // OCPP-J CALLERROR codes of a station that lacks the feature (1.6 §4.2.3, 2.0.1 Part 4 §4.3).
  const notImplemented = answer === 'NotImplemented' || answer === 'NotSupported';
  return {
    reason: notImplemented ? 'not-implemented' : 'rejected',
    detail: e.reason ?? `station answered ${answer}`,
  };
}

/**
 * What an uncontrolled port counts at per conductor, in A: its maximum, or what it is measured drawing
 * when that is more (a station that ignores its configured maximum too).
 */
export function uncontrolledLoadA(
  p: PortSnapshot,
  portMaxA: number,
  meterMaxAgeMs: number,
  nowMs: number,
): number {
  const m = p.lastMeter;
  const fresh = m !== undefined && isFresh(m.atMs, nowMs, meterMaxAgeMs, CLOCK_AHEAD_MS);
  const measured = fresh
    ? Math.max(0, ...m.currentA.map((a) => (a !== undefined && Number.isFinite(a) ? a : 0)))
    : 0;
  return Math.max(portMaxA, measured);
}

export class UncontrolledPorts {
  private ports = new Map<string, UncontrolledPort>();
  /**
   * Ports of a station that says it has no smart charging but took a profile since it connected: the
   * answer wins over what it said.
   */
  private provenControllable = new Set<string>();

  constructor(private readonly backoff: UncontrolledBackoff = DEFAULT_UNCONTROLLED_BACKOFF) {}

  /** A copy to change, this one left as it is (the control state keeps it immutable, plan-run.ts). */
  clone(): UncontrolledPorts {
    const c = new UncontrolledPorts(this.backoff);
    c.ports = new Map(this.ports);
    c.provenControllable = new Set(this.provenControllable);
    return c;
  }

  get(portId: string): UncontrolledPort | undefined {
    return this.ports.get(portId);
  }

  /** Every uncontrolled port, by id. */
  all(): ReadonlyMap<string, UncontrolledPort> {
    return this.ports;
  }

  /** A profile was refused: the port is uncontrolled; the next try waits longer. True when newly so. */
  refused(portId: string, reason: UncontrolledReason, detail: string, nowMs: number): boolean {
    const prev = this.ports.get(portId);
    const failures = (prev?.failures ?? 0) + 1;
    const waitMs = backoffMs(this.backoff.firstMs, this.backoff.maxMs, failures);
    this.ports.set(portId, {
      reason,
      detail,
      sinceMs: prev?.sinceMs ?? nowMs,
      failures,
      retryAtMs: nowMs + waitMs,
    });
    return prev === undefined;
  }

  /** A profile was accepted: the port is under control again. True when it was uncontrolled. */
  accepted(portId: string, smartCharging: boolean | undefined): boolean {
    if (smartCharging === false) this.provenControllable.add(portId);
    return this.ports.delete(portId);
  }

  /**
   * The station said it has no smart charging: uncontrolled from now, a first try due at once (unless a
   * profile was accepted since it connected). True when newly so.
   */
  noSmartCharging(portId: string, nowMs: number): boolean {
    if (this.ports.has(portId) || this.provenControllable.has(portId)) return false;
    this.ports.set(portId, {
      reason: 'no-smart-charging',
      detail: 'the station says it has no smart charging',
      sinceMs: nowMs,
      failures: 0,
      retryAtMs: nowMs,
    });
    return true;
  }

  /** The station (re)connected: what it says of smart charging is read again. */
  stationConnected(portIds: readonly string[]): void {
    for (const id of portIds) this.provenControllable.delete(id);
  }

  /** A new session: try a profile at once (a car now draws), keeping the count of refusals. */
  sessionStarted(portId: string, nowMs: number): void {
    const u = this.ports.get(portId);
    if (u) this.ports.set(portId, { ...u, retryAtMs: nowMs });
  }

  /** True when a profile may be tried on the port now. */
  due(portId: string, nowMs: number): boolean {
    const u = this.ports.get(portId);
    return u !== undefined && nowMs >= u.retryAtMs;
  }

  /** A try was sent: none other until it is answered. */
  trying(portId: string): void {
    const u = this.ports.get(portId);
    if (u) this.ports.set(portId, { ...u, retryAtMs: Infinity });
  }

  /**
   * A try got no verdict (the station went away, the session ended): try again after the current wait,
   * without counting a refusal.
   */
  untried(portId: string, nowMs: number): void {
    const u = this.ports.get(portId);
    if (!u || u.retryAtMs !== Infinity) return;
    const waitMs = backoffMs(this.backoff.firstMs, this.backoff.maxMs, u.failures);
    this.ports.set(portId, { ...u, retryAtMs: nowMs + waitMs });
  }

  /** The soonest try due, for the backstop timer; null when none. */
  nextRetryMs(): number | null {
    let next = Infinity;
    for (const u of this.ports.values()) next = Math.min(next, u.retryAtMs);
    return Number.isFinite(next) ? next : null;
  }
}
