/**
 * Sends allocations to stations in a safe order (docs/control.md, "Sending limits"): an increase within the dead band is
 * not sent; decreases, however small, go out at once (over SENDS_PER_TURN in one turn: in the next turns, before
 * any increase); an increase goes out as far as the room left with every
 * port counted at what it may draw now (`holdA`: its limit in force or in flight, and for `carResponseMs` after
 * a decrease the limit before it, core/ramp.ts), so the sum never overshoots while cars respond, and a
 * decrease elsewhere on the site holds back only the increases it must make room for.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { isDue } from '../core/freshness.ts';
import { backoffMs } from '../backoff.ts';
import type { IncreaseRequest } from '../core/ramp.ts';
import type { PortSnapshot, SetpointResult, StationGateway } from '../contracts/station-gateway.ts';

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

/**
 * At most this many increases leave in one turn of the event loop (one `update`); the rest follow in the next
 * turns, as many each. Each send is a profile, its OCPP frame and a socket write on the event loop: a raise of
 * every port of a 2,000-port site went out in one turn.
 */
export const INCREASES_PER_TURN = 50;
/**
 * At most this many limits of any kind leave in one turn. Decreases go first and are never held back by
 * increases: those beyond this follow in the next turns, before any increase. At 1,000 stations a run that
 * lowered most ports sent them in one turn of 30-40 ms (most of it the socket writes), during which nothing
 * else was served; 200 take about 5 ms. Each waiting decrease counts at the limit before it from the start,
 * as one on its way does (holdA), so what the allocation counts on is the same.
 */
export const SENDS_PER_TURN = 200;
/** The wait for the next turn: Node's shortest timer (the event loop serves what is due meanwhile). */
const TURN_MS = 1;

interface InFlight {
  readonly value: number;
  readonly decrease: boolean;
  /** For a decrease: what the port could draw when it was sent (held for carResponseMs once accepted). */
  readonly beforeA: number;
}

/** A port whose car may still draw the limit it had before a decrease, until the timer fires. */
interface Settling {
  readonly heldA: number;
  readonly timer: unknown;
}

/**
 * Given the increases the dispatcher would send (each port to its target), the value each may go to now
 * (core/ramp.ts raiseWithin over the allocation's circuits).
 */
export type IncreaseLimiter = (requests: readonly IncreaseRequest[]) => ReadonlyMap<string, number>;

/** Port snapshots by id, all read at one instant (a control run's start); a Map is one. */
export interface PortsById {
  get(portId: string): PortSnapshot | undefined;
  values(): Iterable<PortSnapshot>;
}

/**
 * `ports` by id without a map per run: the gateway lists its ports in the site's order, so the site's port
 * index finds each (checked per lookup); a list in another order (a port added by a reload) is looked up in a
 * map built once, at the first miss.
 */
export function portsById(portIndex: ReadonlyMap<string, number>, ports: readonly PortSnapshot[]): PortsById {
  let byId: Map<string, PortSnapshot> | null = null;
  return {
    get(portId) {
      const idx = portIndex.get(portId);
      const p = idx === undefined ? undefined : ports[idx];
      if (p?.portId === portId) return p;
      if (byId === null) {
        byId = new Map();
        for (const q of ports) byId.set(q.portId, q);
      }
      return byId.get(portId);
    },
    values: () => ports,
  };
}

export class Dispatcher {
  /** The limit each port's station has accepted (what is in force). */
  private readonly inForce = new Map<string, number>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Decreases the station did not accept: retried on every update until it does. */
  private readonly failedDecreases = new Map<string, FailedDecrease>();
  /**
   * Ports known to run under their station's fail-safe default (their session started or ended since this
   * dispatcher began). Any other port without an accepted setpoint is unknown: after a restart its station
   * may still hold a TxProfile of the previous process.
   */
  private readonly atDefault = new Set<string>();
  /**
   * Ports whose car may still draw the limit before an accepted decrease, for carResponseMs after it. A timer,
   * not a wall-clock time: a wall clock stepped forward must not let increases go before the cars followed
   * the decreases, nor one stepped back hold them for the length of the step (docs/operations.md, "Fault
   * injection").
   */
  private readonly settling = new Map<string, Settling>();
  /**
   * Per port with a session, the limit its station may run under as `update` last saw it: a drop that is not
   * one of the dispatcher's own decreases (the station took a lower fail-safe default while the session runs
   * under it, a TxProfile expired) is held like a decrease until the car could follow.
   */
  private readonly lastSeen = new Map<string, { readonly sessionId: number; readonly limitA: number }>();
  /** Increases beyond this turn's INCREASES_PER_TURN (port to value, already in flight), oldest first. */
  private readonly waiting = new Map<string, number>();
  /** Decreases beyond this turn's SENDS_PER_TURN (already in flight), oldest first: they go before `waiting`. */
  private readonly decreasesWaiting = new Map<string, { readonly value: number; readonly beforeA: number }>();
  private increasesLeft = INCREASES_PER_TURN;
  private sendsLeft = SENDS_PER_TURN;
  private turnTimer: unknown = null;
  private listeners: ((r: DispatchRecord) => void)[] = [];
  private settledListeners: ((portId: string) => void)[] = [];

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

  /** Calls `fn` when a port's car has had carResponseMs to follow a decrease (room may have opened). */
  onSettled(fn: (portId: string) => void): void {
    this.settledListeners.push(fn);
  }

  /**
   * The most the port's car may draw now, in A: what its station may be running under (the gateway's
   * effective limit: the higher of old and new while a change is unconfirmed), and the limit before a
   * decrease while it is in flight and, once accepted, for carResponseMs after it.
   */
  holdA(portId: string, snapshot?: PortSnapshot): number {
    const flight = this.inFlight.get(portId);
    const known = Math.max(
      snapshot?.effectiveLimitA ?? this.gateway.effectiveLimitA(portId),
      // A decrease on its way counts at the limit before it: the gateway's effective limit may fall meanwhile
      // (the station took a lower fail-safe default) while the car still draws what it drew.
      flight === undefined ? 0 : flight.decrease ? Math.max(flight.value, flight.beforeA) : flight.value,
      this.currentA(portId, snapshot) ?? 0,
    );
    return Math.max(known, this.settling.get(portId)?.heldA ?? 0);
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
    this.failedDecreases.delete(portId);
    this.atDefault.add(portId);
  }

  /**
   * Brings every listed port towards its target: decreases now, increases as far as `limitIncreases` allows
   * (the rest waits for a later call). Returns the number of ports left short of their target.
   * `snapshots`: the gateway's ports as the caller read them at this instant (a control run), so that 2,000
   * ports do not each build their snapshot again; a port missing there is asked of the gateway.
   */
  update(
    targets: ReadonlyMap<string, number>,
    limitIncreases: IncreaseLimiter,
    snapshots?: PortsById,
  ): number {
    const now = this.clock.nowMs();
    if (this.turnTimer === null) {
      // A new turn, nothing left waiting.
      this.increasesLeft = INCREASES_PER_TURN;
      this.sendsLeft = SENDS_PER_TURN;
    }
    this.holdDrops(snapshots?.values() ?? this.gateway.ports());
    for (const [portId, failed] of this.failedDecreases) {
      // An offline station cannot take it (and its port counts at its last limit meanwhile): retry when back.
      if (this.inFlight.has(portId) || targets.has(portId) || !this.gateway.port(portId)?.connected) continue;
      if (!isDue(failed.retryAtMs, now, RETRY_MAX_MS)) continue; // a wall-clock step back: due now
      this.send(portId, failed.value, true);
    }
    const increases: { portId: string; fromA: number; toA: number }[] = [];
    let short = 0;
    for (const [portId, target] of targets) {
      const snapshot = snapshots?.get(portId);
      const current = this.currentA(portId, snapshot);
      if (current === undefined) {
        // What is in force is unknown: re-assert it at once, never above the fail-safe default (safe with
        // every port at it), and raise it in a later call like any increase.
        const first = Math.min(target, (snapshot ?? this.gateway.port(portId))?.failSafeA ?? 0);
        this.send(portId, first, true);
        if (this.worthSending(first, target)) short++;
        continue;
      }
      if (!this.worthSending(current, target)) continue;
      if (target < current) this.send(portId, target, true);
      else increases.push({ portId, fromA: current, toA: target });
    }
    if (increases.length === 0) return short;
    const allowed = limitIncreases(increases.map(({ portId, toA }) => ({ portId, toA })));
    for (const { portId, fromA, toA } of increases) {
      const value = Math.min(toA, allowed.get(portId) ?? fromA);
      if (value < toA) short++;
      if (value > fromA && this.worthSending(fromA, value)) this.send(portId, value, false);
    }
    return short;
  }

  // Uncontrolled ports (uncontrolled-ports.ts): the control loop counts them at what they can draw and owns
  // their retries, with its own backoff; the dispatcher only sends what it is told to.

  /** The control loop took this port over: drop its own retry. */
  release(portId: string): void {
    this.failedDecreases.delete(portId);
  }

  /**
   * Sends `value` to the port now, whatever the dispatcher believes is in force there: a try whether its
   * station takes a profile again. Sent as a decrease (the port counts higher meanwhile), so once accepted
   * other ports' increases wait for its car to follow.
   */
  probe(portId: string, value: number, countedA = 0): void {
    // The port was counted at countedA (uncontrolled: its maximum or its measured draw), and its car may still
    // draw that when the probe is accepted: it is held there until the car had time to follow, as after any
    // decrease, so that no increase elsewhere counts on room the car has not given back yet.
    this.send(portId, value, true, countedA);
  }

  /** Stops the settle timers (shutdown). */
  stop(): void {
    for (const s of this.settling.values()) this.clock.clearTimeout(s.timer);
    this.settling.clear();
    if (this.turnTimer !== null) this.clock.clearTimeout(this.turnTimer);
    this.turnTimer = null;
    this.waiting.clear();
    this.decreasesWaiting.clear();
  }

  /** The value a port is heading to: in flight, else in force, else its default if known; else unknown. */
  private currentA(portId: string, snapshot?: PortSnapshot): number | undefined {
    const known = this.inFlight.get(portId)?.value ?? this.inForce.get(portId);
    if (known !== undefined || !this.atDefault.has(portId)) return known;
    return (snapshot ?? this.gateway.port(portId))?.failSafeA;
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

  /**
   * Puts the value in flight (it counts from now: holdA) and sends it, or, over this turn's budget (an increase:
   * INCREASES_PER_TURN; any send: SENDS_PER_TURN), queues it for a later turn, a decrease before every
   * increase. A queued value the port gets another value for is dropped (the newer value is the one in
   * flight); a newer decrease keeps a waiting decrease's place.
   */
  private send(portId: string, value: number, decrease: boolean, countedA = 0): void {
    const beforeA = decrease ? Math.max(this.holdA(portId), countedA) : 0;
    this.inFlight.set(portId, { value, decrease, beforeA });
    this.waiting.delete(portId); // a value still waiting is superseded by this one
    if (decrease && this.decreasesWaiting.has(portId)) {
      // A decrease still waiting: the newer value takes its place in the queue. Sent to the back, a port that
      // every run lowers a little more (cars arriving one after another) could wait for its turn for ever.
      this.decreasesWaiting.set(portId, { value, beforeA });
      return;
    }
    this.decreasesWaiting.delete(portId);
    const free = this.sendsLeft > 0 && this.decreasesWaiting.size === 0;
    if (decrease ? free : free && this.increasesLeft > 0 && this.waiting.size === 0) {
      this.sendsLeft--;
      if (!decrease) this.increasesLeft--;
      this.deliver(portId, value, decrease, beforeA);
      return;
    }
    if (decrease) this.decreasesWaiting.set(portId, { value, beforeA });
    else this.waiting.set(portId, value);
    this.turnTimer ??= this.clock.setTimeout(() => this.nextTurn(), TURN_MS);
  }

  /**
   * The next turn: up to SENDS_PER_TURN waiting decreases go out, oldest first; once none waits, up to
   * INCREASES_PER_TURN waiting increases (within the same budget).
   */
  private nextTurn(): void {
    this.turnTimer = null;
    this.increasesLeft = INCREASES_PER_TURN;
    this.sendsLeft = SENDS_PER_TURN;
    for (const [portId, d] of this.decreasesWaiting) {
      if (this.sendsLeft === 0) break;
      this.decreasesWaiting.delete(portId);
      // Answered meanwhile (an earlier send of the same value): what it asks is in force already.
      if (this.inFlight.get(portId)?.value !== d.value) continue;
      this.sendsLeft--;
      this.deliver(portId, d.value, true, d.beforeA);
    }
    for (const [portId, value] of this.waiting) {
      if (this.decreasesWaiting.size > 0 || this.increasesLeft === 0 || this.sendsLeft === 0) break;
      this.waiting.delete(portId);
      if (this.inFlight.get(portId)?.value !== value) continue;
      this.increasesLeft--;
      this.sendsLeft--;
      this.deliver(portId, value, false, 0);
    }
    if (this.waiting.size > 0 || this.decreasesWaiting.size > 0)
      this.turnTimer = this.clock.setTimeout(() => this.nextTurn(), TURN_MS);
  }

  private deliver(portId: string, value: number, decrease: boolean, beforeA: number): void {
    const sentAtMs = this.clock.nowMs();
    this.gateway
      .applySetpoint(portId, value, { expiresAfterMs: this.opts.setpointExpiryMs })
      .catch((err: unknown) => {
        this.logger.error({ err, portId }, 'setpoint failed');
        return 'offline' as const;
      })
      .then((result) => this.answered(portId, value, decrease, beforeA, sentAtMs, result))
      .catch((err: unknown) => this.logger.error({ err, portId }, 'setpoint bookkeeping failed'));
  }

  private answered(
    portId: string,
    value: number,
    decrease: boolean,
    beforeA: number,
    sentAtMs: number,
    result: SetpointResult,
  ): void {
    const answeredAtMs = this.clock.nowMs();
    if (this.inFlight.get(portId)?.value === value) this.inFlight.delete(portId);
    if (result === 'accepted') {
      this.inForce.set(portId, value);
      this.failedDecreases.delete(portId);
      if (decrease) this.settle(portId, beforeA);
      // Its station runs under this now: the drop to it is held above, not taken for someone else's.
      const last = this.lastSeen.get(portId);
      if (last) this.lastSeen.set(portId, { sessionId: last.sessionId, limitA: value });
    } else {
      // The station keeps what it had; the gateway counts the higher of old and new (effectiveLimitA).
      this.logger.warn({ portId, currentA: value, result }, 'setpoint not accepted');
      // The port keeps counting at its higher limit (holdA); the control loop re-allocates around it.
      if (decrease) {
        if (result === 'rejected' || result === 'timeout') {
          const failures = (this.failedDecreases.get(portId)?.failures ?? 0) + 1;
          const retryAtMs = answeredAtMs + backoffMs(RETRY_FIRST_MS, RETRY_MAX_MS, failures);
          this.failedDecreases.set(portId, { value, failures, retryAtMs });
        }
        // No transaction: nothing draws under that limit, there is nothing to retry.
        if (result === 'no-session' || result === 'unknown-port') this.failedDecreases.delete(portId);
      }
    }
    const record: DispatchRecord = { portId, currentA: value, decrease, sentAtMs, result, answeredAtMs };
    for (const fn of this.listeners) fn(record);
  }

  /** Holds each port whose limit fell since the last update without a decrease of its own (lastSeen). */
  private holdDrops(ports: Iterable<PortSnapshot>): void {
    for (const p of ports) {
      if (p.sessionId === undefined) {
        this.lastSeen.delete(p.portId);
        continue;
      }
      const last = this.lastSeen.get(p.portId);
      if (last?.sessionId === p.sessionId && last.limitA === p.effectiveLimitA) continue;
      // Its own decreases are held from their acceptance (answered), at the limit before them.
      if (last?.sessionId === p.sessionId && p.effectiveLimitA < last.limitA)
        if ((this.settling.get(p.portId)?.heldA ?? 0) < last.limitA) this.settle(p.portId, last.limitA);
      this.lastSeen.set(p.portId, { sessionId: p.sessionId, limitA: p.effectiveLimitA });
    }
  }

  /** The port's car may draw `beforeA` for carResponseMs more (a later decrease restarts the wait). */
  private settle(portId: string, beforeA: number): void {
    const prev = this.settling.get(portId);
    if (prev) this.clock.clearTimeout(prev.timer);
    const heldA = Math.max(beforeA, prev?.heldA ?? 0);
    const timer = this.clock.setTimeout(() => {
      this.settling.delete(portId);
      for (const fn of this.settledListeners) fn(portId);
    }, this.opts.carResponseMs);
    this.settling.set(portId, { heldA, timer });
  }
}
