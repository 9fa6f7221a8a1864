/**
 * Per port, what limit a station may be running under (DESIGN.md §5 fail-safe): the fail-safe default once
 * the station accepted it, the port maximum before; a TxProfile once accepted and until it expires; and,
 * while a change is unconfirmed or timed out, the higher of old and new. Pure: time is an argument.
 */

export type DefaultProfileState = 'unsent' | 'pending' | 'accepted' | 'rejected' | 'timeout';

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
  private defaultState: DefaultProfileState = 'unsent';
  private confirmed: TxLimit | undefined;
  private readonly unconfirmed = new Map<number, TxLimit>();
  private nextSeq = 1;
  private sessionId: number | undefined;
  desired: DesiredSetpoint | undefined;

  constructor(
    readonly failSafeA: number,
    /** What the port may draw with no profile at all (its configured maximum). */
    readonly portMaxA: number,
    /** A limit this close to its expiry may already have lapsed on a station whose clock runs ahead. */
    private readonly expiryMarginMs: number,
  ) {}

  get defaultProfile(): DefaultProfileState {
    return this.defaultState;
  }

  setDefaultState(state: DefaultProfileState): void {
    // A default that was accepted once stays on the station even if a later resend times out.
    if (this.defaultState === 'accepted' && state !== 'accepted' && state !== 'rejected') return;
    this.defaultState = state;
  }

  /** The limit a station runs under with no TxProfile in force. */
  baseLimitA(): number {
    return this.defaultState === 'accepted' ? this.failSafeA : Math.max(this.failSafeA, this.portMaxA);
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
    let limit = 0;
    let baseMayApply = true;
    const consider = (tx: TxLimit): void => {
      if (nowMs >= tx.expiresAtMs) return;
      limit = Math.max(limit, tx.currentA);
    };
    if (this.confirmed && nowMs < this.confirmed.expiresAtMs - this.expiryMarginMs) baseMayApply = false;
    if (this.confirmed) consider(this.confirmed);
    for (const tx of this.unconfirmed.values()) consider(tx);
    if (baseMayApply) limit = Math.max(limit, base);
    return limit;
  }

  /** True when a TxProfile is in flight or its answer never came. */
  hasUnconfirmed(): boolean {
    return this.unconfirmed.size > 0;
  }
}
