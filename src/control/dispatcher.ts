/**
 * Sends allocations to stations in a safe order (docs/control.md, "Sending limits"): an increase within the dead band is
 * not sent; decreases, however small, go out at once; increases wait until no decrease is unconfirmed and
 * cars have had `carResponseMs` to follow the last confirmed one, so the sum never overshoots while cars
 * respond.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { isDue } from '../core/freshness.ts';
import type { SetpointResult, StationGateway } from '../ocpp/station-gateway.ts';

export interface DispatcherOptions {
  readonly deadBandA: number;
  readonly carResponseMs: number;
  readonly setpointExpiryMs: number;
}

/** One setpoint sent and its outcome, for metrics and the reaction benchmark. */
export interface DispatchRecord {
  readonly portId: string;
  readonly currentA: number;
  readonly decrease: boolean;
  readonly sentAtMs: number;
  readonly result: SetpointResult;
  readonly answeredAtMs: number;
}

/** A decrease a station did not accept, and when to try it again (backoff 1 s doubling up to 30 s). */
interface FailedDecrease {
  readonly value: number;
  readonly failures: number;
  readonly retryAtMs: number;
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

interface InFlight {
  readonly value: number;
  readonly decrease: boolean;
}

export class Dispatcher {
  /** The limit each port's station has accepted (what is in force). */
  private readonly inForce = new Map<string, number>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly pendingIncreases = new Map<string, number>();
  /** Decreases the station did not accept: retried on every update until it does. */
  private readonly failedDecreases = new Map<string, FailedDecrease>();
  /**
   * Ports known to run under their station's fail-safe default (their session started or ended since this
   * dispatcher began). Any other port without an accepted setpoint is unknown: after a restart its station
   * may still hold a TxProfile of the previous process.
   */
  private readonly atDefault = new Set<string>();
  /**
   * Runs carResponseMs from the last confirmed decrease; increases wait for it. A timer, not a wall-clock
   * time: a wall clock stepped forward must not let increases go before the cars followed the decreases,
   * nor one stepped back hold them for the length of the step (docs/operations.md, "Fault injection").
   */
  private settleTimer: unknown = null;
  private listeners: ((r: DispatchRecord) => void)[] = [];

  constructor(
    private readonly gateway: StationGateway,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: DispatcherOptions,
  ) {}

  /** Calls `fn` for every answered setpoint. */
  onRecord(fn: (r: DispatchRecord) => void): void {
    this.listeners.push(fn);
  }

  /** The limit a port is under as far as the dispatcher knows (accepted, or the station's default). */
  inForceA(portId: string): number | undefined {
    return this.inForce.get(portId);
  }

  /** Number of decreases sent and not yet answered. */
  get decreasesInFlight(): number {
    let n = 0;
    for (const f of this.inFlight.values()) if (f.decrease) n++;
    return n;
  }

  /** True while a decrease to this port has not been accepted: it still counts at its higher limit. */
  hasFailedDecrease(portId: string): boolean {
    return this.failedDecreases.has(portId);
  }

  /** A port's session ended or started: what was in force there is no longer known. */
  forget(portId: string): void {
    this.inForce.delete(portId);
    this.pendingIncreases.delete(portId);
    this.failedDecreases.delete(portId);
    this.atDefault.add(portId);
  }

  /** Brings every listed port towards its target: decreases now, increases when safe. */
  update(targets: ReadonlyMap<string, number>): void {
    const now = this.clock.nowMs();
    for (const [portId, failed] of this.failedDecreases) {
      // An offline station cannot take it (and its port counts at its last limit meanwhile): retry when back.
      if (this.inFlight.has(portId) || targets.has(portId) || !this.gateway.port(portId)?.connected) continue;
      if (!isDue(failed.retryAtMs, now, RETRY_MAX_MS)) continue; // a wall-clock step back: due now
      this.send(portId, failed.value, true);
    }
    for (const [portId, target] of targets) {
      const current = this.currentA(portId);
      if (current === undefined) {
        // What is in force is unknown: re-assert it at once, never above the fail-safe default (safe with
        // every port at it), and raise it later like any increase, once the decreases are confirmed.
        const first = Math.min(target, this.gateway.port(portId)?.failSafeA ?? 0);
        this.send(portId, first, true);
        if (this.worthSending(first, target)) this.pendingIncreases.set(portId, target);
        else this.pendingIncreases.delete(portId);
        continue;
      }
      if (!this.worthSending(current, target)) {
        this.pendingIncreases.delete(portId);
        continue;
      }
      if (target < current) {
        this.pendingIncreases.delete(portId);
        this.send(portId, target, true);
      } else {
        this.pendingIncreases.set(portId, target);
      }
    }
    this.flushIncreases();
  }

  // Uncontrolled ports (uncontrolled-ports.ts): the control loop counts them at what they can draw and owns
  // their retries, with its own backoff; the dispatcher only sends what it is told to.

  /** The control loop took this port over: drop its own retry and any pending increase. */
  release(portId: string): void {
    this.failedDecreases.delete(portId);
    this.pendingIncreases.delete(portId);
  }

  /**
   * Sends `value` to the port now, whatever the dispatcher believes is in force there: a try whether its
   * station takes a profile again. Sent as a decrease (the port counts higher meanwhile), so once accepted
   * other ports' increases wait for its car to follow.
   */
  probe(portId: string, value: number): void {
    this.pendingIncreases.delete(portId);
    this.send(portId, value, true);
  }

  /** Stops the pending settle timer (shutdown). */
  stop(): void {
    if (this.settleTimer !== null) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  /** The value a port is heading to: in flight, else in force, else its default if known; else unknown. */
  private currentA(portId: string): number | undefined {
    const known = this.inFlight.get(portId)?.value ?? this.inForce.get(portId);
    if (known !== undefined || !this.atDefault.has(portId)) return known;
    return this.gateway.port(portId)?.failSafeA;
  }

  /**
   * Any decrease (the allocation counts every port at its target: many ports left a little above theirs
   * would add up past a limit); an increase outside the dead band, or from paused (0) to running.
   */
  private worthSending(current: number, target: number): boolean {
    if (target < current - 1e-9) return true;
    if (current === 0 && target > 0) return true;
    return target - current >= this.opts.deadBandA;
  }

  private flushIncreases(): void {
    if (this.pendingIncreases.size === 0 || this.decreasesInFlight > 0 || this.settleTimer !== null) return;
    const increases = [...this.pendingIncreases];
    this.pendingIncreases.clear();
    for (const [portId, value] of increases) this.send(portId, value, false);
  }

  private send(portId: string, value: number, decrease: boolean): void {
    const sentAtMs = this.clock.nowMs();
    this.inFlight.set(portId, { value, decrease });
    this.gateway
      .applySetpoint(portId, value, { expiresAfterMs: this.opts.setpointExpiryMs })
      .catch((err: unknown) => {
        this.logger.error({ err, portId }, 'setpoint failed');
        return 'offline' as const;
      })
      .then((result) => this.answered(portId, value, decrease, sentAtMs, result))
      .catch((err: unknown) => this.logger.error({ err, portId }, 'setpoint bookkeeping failed'));
  }

  private answered(
    portId: string,
    value: number,
    decrease: boolean,
    sentAtMs: number,
    result: SetpointResult,
  ): void {
    const answeredAtMs = this.clock.nowMs();
    if (this.inFlight.get(portId)?.value === value) this.inFlight.delete(portId);
    if (result === 'accepted') {
      this.inForce.set(portId, value);
      this.failedDecreases.delete(portId);
      if (decrease) {
        if (this.settleTimer !== null) this.clock.clearTimeout(this.settleTimer);
        this.settleTimer = this.clock.setTimeout(() => {
          this.settleTimer = null;
          this.flushIncreases();
        }, this.opts.carResponseMs);
      }
    } else {
      // The station keeps what it had; the gateway counts the higher of old and new (effectiveLimitA).
      this.logger.warn({ portId, currentA: value, result }, 'setpoint not accepted');
      // Pending increases assumed this decrease: drop them; the next run re-allocates around this port.
      if (decrease) {
        this.pendingIncreases.clear();
        if (result === 'rejected' || result === 'timeout') {
          const failures = (this.failedDecreases.get(portId)?.failures ?? 0) + 1;
          const backoffMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1));
          this.failedDecreases.set(portId, { value, failures, retryAtMs: answeredAtMs + backoffMs });
        }
        // No transaction: nothing draws under that limit, there is nothing to retry.
        if (result === 'no-session' || result === 'unknown-port') this.failedDecreases.delete(portId);
      }
    }
    const record: DispatchRecord = { portId, currentA: value, decrease, sentAtMs, result, answeredAtMs };
    for (const fn of this.listeners) fn(record);
    this.flushIncreases();
  }
}
