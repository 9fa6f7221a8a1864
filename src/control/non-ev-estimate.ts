/**
 * The non-EV load of a DLM circuit (docs/control.md: metered load − EV load below it), robust to the lag of
 * stations' meter values. A port's meter values come every 10 s or so and cars follow a new limit only
 * after a few seconds, so "metered − last measured EV draw" swings whenever the controller itself changes
 * a limit: after a decrease the meter drops before the port's value does (the non-EV load looks smaller:
 * unsafe), after an increase or a new session it rises first (it looks larger: the allocation collapses).
 * Acting on those swings makes the loop oscillate with overloads.
 *
 * So each port's draw is bounded instead of guessed: a meter value taken at least carResponseMs after the
 * port's last limit change is its draw; otherwise the draw lies between min(measured, lowest limit in
 * force over the last carResponseMs) and the highest limit in force over that window (cars follow within
 * carResponseMs, IEC 61851-1). The metered total then bounds the non-EV load from both sides, and the
 * estimate keeps its previous value while it stays within those bounds, moving to the nearest bound
 * otherwise (the high bound when there is no previous value). Steady state gives the plain difference;
 * the controller's own changes do not move it; a real change of the non-EV load does, at once by what
 * the bounds prove and fully once the ports' values catch up. A circuit metered over the limit its ports
 * were held to (heldTo) proves the estimate short whatever the bounds say, and raises it by half its excess
 * a second (overloadShortfall).
 */
import { CowMap } from './cow-map.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import { addPortLoad, conductorsInto } from '../core/port-load.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { LimitInForce } from './overload-rule.ts';
import {
  heldTo,
  LIMIT_FALL_SLACK_MS,
  OVERLOAD_STEP_MAX_MS,
  OVERLOAD_TIME_CONSTANT_MS,
  overloadShortfall,
} from './overload-rule.ts';

interface Change {
  readonly atMs: number;
  readonly limitA: number;
}

/** The lowest and highest limit a port had over a window, and when its limit last changed (LimitHistory). */
export interface LimitRange {
  lowA: number;
  highA: number;
  changedAtMs: number;
}

/** Per port, the limits the station put in force and when: what its car may be following. */
export class LimitHistory {
  private log = CowMap.empty<string, Change[]>();
  /**
   * The ports whose list this history alone holds (made or copied since the last clone): the others' lists
   * are shared with a clone or its original and copied before a change (copy on write).
   */
  private owned = new Set<string>();

  /**
   * A copy to change, this one left as it is (the control state keeps its history immutable, plan-run.ts).
   * Copy on write (cow-map.ts): the copy shares the ports' lists and copies one only when it changes it
   * (record, prune), so a control run copies what changed, not the history of 2,000 ports.
   */
  clone(): LimitHistory {
    const c = new LimitHistory();
    c.log = this.log.clone();
    this.owned = new Set(); // shared from now on, with the copy
    return c;
  }

  /** The port's list, this history's own to change. */
  private own(portId: string): Change[] {
    const changes = this.log.get(portId);
    if (changes && this.owned.has(portId)) return changes;
    const mine = changes ? changes.slice() : [];
    this.log.set(portId, mine);
    this.owned.add(portId);
    return mine;
  }

  /** The port's limit in force changed to `limitA` at `atMs` (a setpoint accepted, a session's default). */
  record(portId: string, atMs: number, limitA: number): void {
    this.own(portId).push({ atMs, limitA });
  }

  /** Nothing is known of the port's limit any more (its session ended). */
  forget(portId: string): void {
    this.log.delete(portId);
    this.owned.delete(portId);
  }

  has(portId: string): boolean {
    return this.log.has(portId);
  }

  /**
   * Lowest and highest limit in force at any time in [fromMs, toMs], and when it last changed; null when
   * nothing is known.
   */
  range(portId: string, fromMs: number, toMs: number): LimitRange | null {
    const out = { lowA: 0, highA: 0, changedAtMs: 0 };
    return this.rangeInto(portId, fromMs, toMs, out) ? out : null;
  }

  /**
   * `range` written into `out` (false, `out` left as it was, when nothing is known): for the callers that ask
   * for every port in every control run and need no object per port.
   */
  rangeInto(portId: string, fromMs: number, toMs: number, out: LimitRange): boolean {
    const changes = this.log.get(portId);
    if (!changes || changes.length === 0) return false;
    let lowA = Infinity;
    let highA = -Infinity;
    // The change in force at fromMs (the last one at or before it), and every later one up to toMs. Searched
    // from the end: the windows asked for are recent, and this runs for every port in every control run.
    let start = 0;
    for (let i = changes.length - 1; i >= 0; i--)
      if (changes[i]!.atMs <= fromMs) {
        start = i;
        break;
      }
    for (let i = start; i < changes.length && changes[i]!.atMs <= toMs; i++) {
      lowA = Math.min(lowA, changes[i]!.limitA);
      highA = Math.max(highA, changes[i]!.limitA);
    }
    if (lowA === Infinity) return false;
    out.lowA = lowA;
    out.highA = highA;
    out.changedAtMs = changes[changes.length - 1]!.atMs;
    return true;
  }

  /** Drops what no window starting at or after `beforeMs` needs. */
  prune(beforeMs: number): void {
    const drop: [string, number][] = [];
    this.log.forEach((changes, portId) => {
      let keepFrom = 0;
      for (let i = 0; i < changes.length; i++) if (changes[i]!.atMs <= beforeMs) keepFrom = i;
      if (keepFrom > 0) drop.push([portId, keepFrom]);
    });
    for (const [portId, keepFrom] of drop) this.own(portId).splice(0, keepFrom);
  }
}

/** A car drawing this much less than the limit it had settled under is limiting itself, in A. */
export const SELF_LIMIT_MARGIN_A = 2;
/**
 * What a self-limiting car may draw above what it was seen to draw, in A (meter noise). Counting a car lower
 * than it draws makes the non-EV load look larger: the safe side, so no more than noise is added; a car that
 * could not charge on a conductor (a single-phase car) counts 0 A there.
 */
export const DRAW_NOISE_A = 0.5;

/** What a port's meter values told of its car in this session. */
export interface CarSeen {
  /** The conductors it was last seen drawing on (a single-phase car on a three-phase port uses one). */
  readonly inUse?: readonly boolean[] | undefined;
  /**
   * The most it drew when last proven to limit itself (a 16 A on-board charger on a 32 A port, a full
   * battery at 0 A): a value clearly below the lowest limit it had had time to follow, that limit at or above
   * its minimum current (below it a car draws nothing because of the limit). Dropped when it draws more.
   */
  readonly ownMaxA?: number | undefined;
}

/**
 * The work space of what runs for every port in every control run (CarObservations.observe, evLoadForMeters),
 * reused from run to run: a run is synchronous, and each use is read before the next port's overwrites it.
 */
const scratch: { readonly range: LimitRange; readonly bounded: Float64Array; readonly high: Float64Array } = {
  range: { lowA: 0, highA: 0, changedAtMs: 0 },
  bounded: new Float64Array(3),
  high: new Float64Array(3),
};

/**
 * Per port and session, what its car was seen doing (CarSeen): a car paused and resumed, or one whose value
 * predates its last limit change, still draws on those conductors alone and no more than it could.
 */
export class CarObservations {
  private seen = CowMap.empty<string, { readonly sessionId: number | undefined; readonly car: CarSeen }>();

  /** A copy to change, this one left as it is (plan-run.ts). */
  clone(): CarObservations {
    // The entries are never changed (observe replaces them, and only when they change): copy on write.
    const c = new CarObservations();
    c.seen = this.seen.clone();
    return c;
  }

  /** Notes what the port's latest value shows, against the limits it was under; returns what is known. */
  observe(
    port: { readonly portId: string; readonly sessionId: number | undefined; readonly minCurrentA: number },
    m:
      | {
          readonly conductorA: readonly number[];
          readonly atMs: number;
          readonly inUse?: readonly boolean[] | undefined;
        }
      | undefined,
    history: LimitHistory,
    carResponseMs: number,
  ): CarSeen | undefined {
    const entry = this.seen.get(port.portId);
    let car = entry && entry.sessionId === port.sessionId ? entry.car : undefined;
    if (m) {
      let drawn = 0;
      let reported = false;
      for (let k = 0; k < m.conductorA.length; k++) {
        const a = m.conductorA[k]!;
        if (Number.isFinite(a)) {
          reported = true;
          if (a > drawn) drawn = a;
        }
      }
      const settled = history.rangeInto(port.portId, m.atMs - carResponseMs, m.atMs, scratch.range)
        ? scratch.range
        : null;
      let ownMaxA = car?.ownMaxA;
      if (
        reported &&
        settled &&
        settled.lowA >= port.minCurrentA &&
        drawn < settled.lowA - SELF_LIMIT_MARGIN_A
      )
        ownMaxA = drawn;
      else if (ownMaxA !== undefined && drawn > ownMaxA + SELF_LIMIT_MARGIN_A) ownMaxA = undefined;
      const inUse = m.inUse ?? car?.inUse;
      if (inUse !== car?.inUse || ownMaxA !== car?.ownMaxA) car = { inUse, ownMaxA };
    }
    // Set only what changed: the copies of the control state copy what changed (cow-map.ts).
    if (car) {
      if (entry?.car !== car || entry.sessionId !== port.sessionId)
        this.seen.set(port.portId, { sessionId: port.sessionId, car });
    } else if (entry) this.seen.delete(port.portId);
    return car;
  }

  /** Forgets every port not in `portIds` (their sessions ended). */
  retain(portIds: ReadonlySet<string>): void {
    const gone: string[] = [];
    this.seen.forEach((_, id) => {
      if (!portIds.has(id)) gone.push(id);
    });
    for (const id of gone) this.seen.delete(id);
  }
}

/** One port with a car below some meter, as the estimate sees it. */
export interface EstimatePort {
  readonly portId: string;
  readonly minCurrentA: number;
  /** Fresh meter value: per conductor A (NaN where the station reported none), and when it was taken. */
  readonly measured?: { readonly conductorA: readonly number[]; readonly atMs: number } | undefined;
  /** What the port may be drawing under now, when its history is unknown (the gateway's effectiveLimitA). */
  readonly effectiveLimitA: number;
  /** What its meter values told of its car in this session (CarObservations); undefined: nothing. */
  readonly car?: CarSeen | undefined;
}

/**
 * Per conductor, the most a port whose meter value predates its last limit change may be drawing now: its
 * limit, except where its car was seen (CarSeen) not drawing on that conductor (0 A) or limiting itself
 * (what it drew then plus DRAW_NOISE_A). Counting such cars at their full limit on
 * every conductor makes the non-EV load look smaller than it is by the sum of those gaps, for as long as
 * the values lag the controller's changes: a building step then stayed hidden for one or two meter-value
 * intervals (found by `npm run bench -- soak`). A car that starts to draw more than it was seen to makes
 * the non-EV load look larger until its next value: the safe side. Written into `out` (three conductors).
 */
function highConductorsA(p: EstimatePort, highA: number, out: Float64Array): Float64Array {
  const car = p.car;
  const own = car?.ownMaxA === undefined ? highA : Math.min(highA, car.ownMaxA + DRAW_NOISE_A);
  const inUse = car?.inUse;
  for (let k = 0; k < 3; k++) out[k] = inUse !== undefined && inUse[k] === false ? 0 : own;
  return out;
}

/** A measured current bounded by `maxA`; a non-finite one counts as none (all metered load is non-EV). */
const atMost = (a: number, maxA: number): number => (Number.isFinite(a) ? Math.min(a, maxA) : 0);

/**
 * Every conductor's current `atMost` maxA, written into `out` as core addPortLoad reads it (conductorsInto:
 * three slots, NaN past the port's conductors); a plain loop into a reused array: this runs for every port
 * with a car in every run.
 */
function boundedBy(conductorA: readonly number[], maxA: number, out: Float64Array): Float64Array {
  conductorsInto(conductorA, out);
  for (let k = 0; k < conductorA.length && k < out.length; k++) out[k] = atMost(out[k]!, maxA);
  return out;
}

/** Per-phase and kW values of one circuit: L1, L2, L3 in A, kW. */
export type DimValues = Float64Array;

/** The non-EV estimate of one metered circuit, kept from run to run (ControlState.nonEv). */
export interface NonEvEstimate {
  /** Per dimension (L1, L2, L3 in A, kW); NaN where the reading had none. */
  readonly values: DimValues;
  /** When the meter reading it was made from was taken. */
  readonly readAtMs: number;
  /**
   * The circuit's limits in force as the control runs found them, oldest first (recordLimitsInForce), as far
   * back as the overload rule looks; none before a run has recorded them.
   */
  readonly limits?: readonly LimitInForce[] | undefined;
}

/**
 * EV load per circuit (circuits × DIM_COUNT, as core loadOnCircuits) to subtract from each fresh load
 * meter so that metered − EV = the estimated non-EV load. `previous` holds the last estimate per circuit
 * id and is updated in place; circuits without a fresh reading lose theirs.
 *
 * A metered load over the limit the circuit's ports were held to (heldTo) raises the estimate further
 * (overloadShortfall), however wide the ports' bounds are; never above the high bound.
 */
export function evLoadForMeters(
  cs: CompiledSite,
  ports: readonly EstimatePort[],
  history: LimitHistory,
  readings: ReadonlyMap<string, MeterReading | null>,
  previous: Map<string, NonEvEstimate>,
  carResponseMs: number,
): Float64Array {
  let readAtMs = -Infinity;
  for (const r of readings.values()) if (r) readAtMs = Math.max(readAtMs, r.atMs);
  // Each port's low and high bound added to the circuits' sums at once (core addPortLoad), in port order as
  // loadOnCircuits over the lists of them would: no list, array or object per port.
  const evLow = new Float64Array(cs.circuits.length * DIM_COUNT);
  const evHigh = new Float64Array(cs.circuits.length * DIM_COUNT);
  const range = scratch.range;
  const known = Number.isFinite(readAtMs);
  for (const p of ports) {
    const m = p.measured;
    const r = known && history.rangeInto(p.portId, readAtMs - carResponseMs, readAtMs, range) ? range : null;
    if (m && r && m.atMs >= r.changedAtMs + carResponseMs) {
      // A car draws no more than its limit: a reading above it (a wrong meter) must not be taken for EV load,
      // which would lower the non-EV estimate and so raise the capacity shared.
      const conductorA = boundedBy(m.conductorA, r.highA, scratch.bounded);
      addPortLoad(cs, evLow, p.portId, conductorA);
      addPortLoad(cs, evHigh, p.portId, conductorA);
      continue;
    }
    const highA = r ? r.highA : p.effectiveLimitA;
    addPortLoad(cs, evHigh, p.portId, highConductorsA(p, highA, scratch.high));
    // Below the minimum a car draws nothing (IEC 61851-1); an unknown history proves no draw at all.
    const lowA = r && r.lowA >= p.minCurrentA ? r.lowA : 0;
    if (m && lowA > 0) addPortLoad(cs, evLow, p.portId, boundedBy(m.conductorA, lowA, scratch.bounded));
  }
  const out = evLow.slice();
  cs.circuits.forEach((c, ci) => {
    const r = c.meterId === undefined ? null : (readings.get(c.meterId) ?? null);
    if (!r) {
      previous.delete(c.id);
      return;
    }
    const o = ci * DIM_COUNT;
    const total = [r.currentA[0], r.currentA[1], r.currentA[2], r.powerKw];
    const est = previous.get(c.id);
    const prev = est?.values;
    // The overload rule counts the time since the last reading (the runs until the next one see the same load).
    const sinceMs = est === undefined ? 0 : Math.min(r.atMs - est.readAtMs, OVERLOAD_STEP_MAX_MS);
    const held = heldTo(c, est?.limits, r.atMs - carResponseMs - LIMIT_FALL_SLACK_MS, r.atMs);
    const next = new Float64Array(DIM_COUNT);
    for (let d = 0; d < DIM_COUNT; d++) {
      const t = total[d];
      if (t === null || t === undefined || !Number.isFinite(t)) {
        next[d] = NaN;
        continue;
      }
      const nonEvLow = t - evHigh[o + d]!;
      const nonEvHigh = t - evLow[o + d]!;
      const p = prev?.[d];
      next[d] = p === undefined || Number.isNaN(p) ? nonEvHigh : Math.min(nonEvHigh, Math.max(nonEvLow, p));
      const short = sinceMs > 0 && p !== undefined && !Number.isNaN(p) ? overloadShortfall(c, held, d, t) : 0;
      if (short > 0)
        next[d] = Math.min(nonEvHigh, Math.max(next[d]!, p! + (short * sinceMs) / OVERLOAD_TIME_CONSTANT_MS));
      out[o + d] = t - next[d]!;
    }
    previous.set(c.id, { values: next, readAtMs: r.atMs, limits: est?.limits });
  });
  return out;
}
