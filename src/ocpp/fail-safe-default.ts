/**
 * One port's fail-safe TxDefaultProfile: the limit Fusebox wants the station to hold (its target, which the
 * control loop recomputes when the limits change) and the one it may actually hold. A change is in doubt
 * until the station accepts it: while in flight or timed out, the port may run under the old default or the
 * new one, so it counts at the higher of them; a refusal leaves the old one. Before any answer since the
 * start the station is taken to hold the default computed from the site file at the start. Pure.
 */

export type DefaultProfileState = 'unsent' | 'pending' | 'accepted' | 'rejected' | 'timeout';

/**
 * Bumped whenever some port's held default may have come above its target: a target lowered, a default
 * cleared. Nothing else raises what a port may hold above its target (only targets are sent), so a check
 * that found no port above its target stays true until this changes (smart-charging.ts
 * noDefaultAboveTarget, which would otherwise scan every port for every port whose default rises).
 */
let aboveEpoch = 0;

/** See aboveEpoch. Shared by every FailSafeDefault of the process: one more bump only costs a re-check. */
export function defaultsAboveEpoch(): number {
  return aboveEpoch;
}

export class FailSafeDefault {
  private state: DefaultProfileState = 'unsent';
  private target: number;
  /** The last default the station accepted since the start. */
  private acceptedA: number | undefined;
  /** Defaults sent and not answered, or answered with a time-out: the station may hold any of them. */
  private readonly unconfirmed = new Map<number, number>();
  private lastSentA: number | undefined;
  private nextSeq = 1;

  constructor(
    /** The default computed from the site file at the start. */
    readonly startA: number,
  ) {
    this.target = startA;
  }

  /** Accepted since the start (or since the first send, see setState), unless cleared since. */
  get profileState(): DefaultProfileState {
    return this.state;
  }

  /** The default that fits the limits now, in A. */
  get targetA(): number {
    return this.target;
  }

  /** A new target; true when it changed. */
  setTarget(currentA: number): boolean {
    if (currentA === this.target) return false;
    if (currentA < this.target) aboveEpoch++;
    this.target = currentA;
    return true;
  }

  /** The highest default the station may hold, in A. */
  heldA(): number {
    let a = this.acceptedA ?? this.startA;
    for (const v of this.unconfirmed.values()) a = Math.max(a, v);
    return a;
  }

  /** True when the station accepted the target and nothing else is in doubt. */
  inPlace(): boolean {
    return this.state === 'accepted' && this.unconfirmed.size === 0 && this.acceptedA === this.target;
  }

  /**
   * True when the target is to be sent: it is not in place, and the station did not refuse this very target
   * (a refused or cleared default is sent again when the target changes, or at the next boot or connection).
   */
  due(): boolean {
    if (this.inPlace()) return false;
    return this.state !== 'rejected' || this.lastSentA !== this.target;
  }

  /** A default about to be sent; returns its sequence number for `resolve`. */
  sent(currentA: number): number {
    const seq = this.nextSeq++;
    this.lastSentA = currentA;
    this.unconfirmed.set(seq, currentA);
    if (this.state !== 'accepted') this.state = 'pending';
    return seq;
  }

  /** The station's answer to the default `seq` (or none: 'timeout', 'error'). */
  resolve(seq: number, outcome: 'accepted' | 'rejected' | 'timeout' | 'error'): void {
    const currentA = this.unconfirmed.get(seq);
    if (currentA === undefined) return;
    if (outcome === 'accepted') {
      // Calls to a station are sequential and a profile replaces the one with the same id: everything sent
      // before this one is superseded.
      for (const s of [...this.unconfirmed.keys()]) if (s <= seq) this.unconfirmed.delete(s);
      this.acceptedA = currentA;
      this.state = 'accepted';
      return;
    }
    if (outcome === 'rejected') {
      // Refused: the station keeps what it held.
      this.unconfirmed.delete(seq);
      if (this.state !== 'accepted') this.state = 'rejected';
      return;
    }
    // 'timeout' and 'error': the station may or may not hold it; it stays counted until one is accepted.
    if (this.state !== 'accepted') this.state = 'timeout';
  }

  /** The station no longer holds a default of Fusebox's (an operator cleared it). */
  cleared(): void {
    aboveEpoch++;
    this.acceptedA = undefined;
    this.unconfirmed.clear();
    this.state = 'rejected';
  }
}
