/**
 * Per port, what limit a station may be running under (docs/control.md, "Fail-safe"): the fail-safe default once
 * the station accepted it (the one it may hold, fail-safe-default.ts), the port maximum before; a TxProfile
 * once accepted and until it expires; and, while a change is unconfirmed or timed out, the higher of old and
 * new. Pure: time is an argument.
 */
import type { DefaultProfileState } from './fail-safe-default.ts';
import { FailSafeDefault } from './fail-safe-default.ts';

export type { DefaultProfileState } from './fail-safe-default.ts';

/** A TxProfile this close to expiry may already have lapsed on the station (clock skew), in ms. */
export const EXPIRY_MARGIN_MS = 10_000;

interface TxLimit {
  readonly seq: number;
  readonly currentA: number;
  readonly expiresAtMs: number;
}

/** The desired limit of a session, kept for renewal. */
export interface DesiredSetpoint {
  readonly sessionId: number;
  readonly currentA: number;
  readonly expiresAfterMs: number;
  readonly expiresAtMs: number;
  readonly renewAtMs: number;
}

export class SetpointTracker {
  /** The fail-safe TxDefaultProfile: wanted and held. */
  readonly defaults: FailSafeDefault;
  private confirmed: TxLimit | undefined;
  private readonly unconfirmed = new Map<number, TxLimit>();
  private nextSeq = 1;
  private sessionId: number | undefined;
  desired: DesiredSetpoint | undefined;

  constructor(
    /** The fail-safe default computed at the start. */
    failSafeA: number,
    /** What the port may draw with no profile at all (its configured maximum). */
    readonly portMaxA: number,
    /** A limit this close to its expiry may already have lapsed on a station whose clock runs ahead. */
    private readonly expiryMarginMs: number,
  ) {
    this.defaults = new FailSafeDefault(failSafeA);
  }

  /** The fail-safe default the station may hold (the higher of old and new while a change is in doubt). */
  get failSafeA(): number {
    return this.defaults.heldA();
  }

  get defaultProfile(): DefaultProfileState {
    return this.defaults.profileState;
  }

  /**
   * The outcome of sending the current target default at once (tests): 'accepted' puts it in place,
   * 'rejected' means the station holds none of Fusebox's; 'pending' and 'timeout' leave it in doubt.
   */
  setDefaultState(state: DefaultProfileState): void {
    if (state === 'unsent') return;
    if (state === 'rejected') {
      this.defaults.cleared();
      return;
    }
    const seq = this.defaults.sent(this.defaults.targetA);
    if (state !== 'pending') this.defaults.resolve(seq, state);
  }

  /** The limit a station runs under with no TxProfile in force. */
  baseLimitA(): number {
    const held = this.defaults.heldA();
    return this.defaults.profileState === 'accepted' ? held : Math.max(held, this.portMaxA);
  }

  /** A session started or ended (undefined): TxProfiles belong to one transaction and die with it. */
  setSession(sessionId: number | undefined): void {
    if (sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.confirmed = undefined;
    this.unconfirmed.clear();
    this.desired = undefined;
  }

  get session(): number | undefined {
    return this.sessionId;
  }

  /** Record a TxProfile about to be sent; returns its sequence number for `resolve`. */
  sent(currentA: number, expiresAtMs: number): number {
    const seq = this.nextSeq++;
    this.unconfirmed.set(seq, { seq, currentA, expiresAtMs });
    return seq;
  }

  /** The station answered (or did not) for the TxProfile `seq`. */
  resolve(seq: number, outcome: 'accepted' | 'rejected' | 'timeout' | 'error'): void {
    const limit = this.unconfirmed.get(seq);
    if (!limit) return;
    if (outcome === 'accepted') {
      // Calls to a station are sequential and a profile replaces the one with the same id: everything sent
      // before this one is superseded.
      for (const s of [...this.unconfirmed.keys()]) if (s <= seq) this.unconfirmed.delete(s);
      if (!this.confirmed || this.confirmed.seq < seq) this.confirmed = limit;
    } else if (outcome === 'rejected') {
      this.unconfirmed.delete(seq);
    }
    // 'timeout' and 'error': the station may or may not have applied it; it stays counted until expiry.
  }

  /** The highest limit the port may be drawing under at `nowMs`, in A. */
  effectiveLimitA(nowMs: number): number {
    const base = this.baseLimitA();
    if (this.sessionId === undefined) return base;
    // Called for every port in every control run (2,000 ports, several runs a second): plain loops, no
    // closure or array per call.
    let limit = 0;
    let baseMayApply = true;
    const confirmed = this.confirmed;
    if (confirmed) {
      if (nowMs < confirmed.expiresAtMs - this.expiryMarginMs) baseMayApply = false;
      if (nowMs < confirmed.expiresAtMs && confirmed.currentA > limit) limit = confirmed.currentA;
    }
    for (const tx of this.unconfirmed.values())
      if (nowMs < tx.expiresAtMs && tx.currentA > limit) limit = tx.currentA;
    if (baseMayApply && base > limit) limit = base;
    return limit;
  }

  /** True when a TxProfile is in flight or its answer never came. */
  hasUnconfirmed(): boolean {
    return this.unconfirmed.size > 0;
  }
}
