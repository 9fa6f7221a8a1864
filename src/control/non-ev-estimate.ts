/**
 * The non-EV load of a DLM circuit (DESIGN.md §1: metered load − EV load below it), robust to the lag of
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
 * the bounds prove and fully once the ports' values catch up.
 */
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { PortConductorLoad } from '../core/port-load.ts';
import { loadOnCircuits } from '../core/port-load.ts';
import type { MeterReading } from '../modbus/index.ts';

interface Change {
  readonly atMs: number;
  readonly limitA: number;
}

/** Per port, the limits the station put in force and when: what its car may be following. */
export class LimitHistory {
  private readonly log = new Map<string, Change[]>();

  /** The port's limit in force changed to `limitA` at `atMs` (a setpoint accepted, a session's default). */
  record(portId: string, atMs: number, limitA: number): void {
    let changes = this.log.get(portId);
    if (!changes) {
      changes = [];
      this.log.set(portId, changes);
    }
    changes.push({ atMs, limitA });
  }

  /** Nothing is known of the port's limit any more (its session ended). */
  forget(portId: string): void {
    this.log.delete(portId);
  }

  has(portId: string): boolean {
    return this.log.has(portId);
  }

  /**
   * Lowest and highest limit in force at any time in [fromMs, toMs], and when it last changed; null when
   * nothing is known.
   */
  range(
    portId: string,
    fromMs: number,
    toMs: number,
  ): { lowA: number; highA: number; changedAtMs: number } | null {
    const changes = this.log.get(portId);
    if (!changes || changes.length === 0) return null;
    let lowA = Infinity;
    let highA = -Infinity;
    // The change in force at fromMs, and every later one up to toMs.
    let start = 0;
    for (let i = 0; i < changes.length; i++) if (changes[i]!.atMs <= fromMs) start = i;
    for (let i = start; i < changes.length && changes[i]!.atMs <= toMs; i++) {
      lowA = Math.min(lowA, changes[i]!.limitA);
      highA = Math.max(highA, changes[i]!.limitA);
    }
    if (lowA === Infinity) return null;
    return { lowA, highA, changedAtMs: changes[changes.length - 1]!.atMs };
  }

  /** Drops what no window starting at or after `beforeMs` needs. */
  prune(beforeMs: number): void {
    for (const changes of this.log.values()) {
      let keepFrom = 0;
      for (let i = 0; i < changes.length; i++) if (changes[i]!.atMs <= beforeMs) keepFrom = i;
      if (keepFrom > 0) changes.splice(0, keepFrom);
    }
  }
}

/** One port with a car below some meter, as the estimate sees it. */
export interface EstimatePort {
  readonly portId: string;
  readonly minCurrentA: number;
  /** Fresh meter value: per conductor A, and when it was taken. */
  readonly measured?: { readonly conductorA: readonly number[]; readonly atMs: number } | undefined;
  /** What the port may be drawing under now, when its history is unknown (the gateway's effectiveLimitA). */
  readonly effectiveLimitA: number;
}

/** A measured current bounded by `maxA`; a non-finite one counts as none (all metered load is non-EV). */
const atMost = (a: number, maxA: number): number => (Number.isFinite(a) ? Math.min(a, maxA) : 0);

/** Per-phase and kW values of one circuit: L1, L2, L3 in A, kW. */
export type DimValues = Float64Array;

/**
 * EV load per circuit (circuits × DIM_COUNT, as core loadOnCircuits) to subtract from each fresh load
 * meter so that metered − EV = the estimated non-EV load. `previous` holds the last estimate per circuit
 * id and is updated in place; circuits without a fresh reading lose theirs.
 */
export function evLoadForMeters(
  cs: CompiledSite,
  ports: readonly EstimatePort[],
  history: LimitHistory,
  readings: ReadonlyMap<string, MeterReading | null>,
  previous: Map<string, DimValues>,
  carResponseMs: number,
): Float64Array {
  let readAtMs = -Infinity;
  for (const r of readings.values()) if (r) readAtMs = Math.max(readAtMs, r.atMs);
  const low: PortConductorLoad[] = [];
  const high: PortConductorLoad[] = [];
  for (const p of ports) {
    const m = p.measured;
    const r = Number.isFinite(readAtMs) ? history.range(p.portId, readAtMs - carResponseMs, readAtMs) : null;
    if (m && r && m.atMs >= r.changedAtMs + carResponseMs) {
      // A car draws no more than its limit: a reading above it (a wrong meter) must not be taken for EV load,
      // which would lower the non-EV estimate and so raise the capacity shared.
      const conductorA = m.conductorA.map((a) => atMost(a, r.highA));
      low.push({ portId: p.portId, conductorA });
      high.push({ portId: p.portId, conductorA });
      continue;
    }
    const highA = r ? r.highA : p.effectiveLimitA;
    high.push({ portId: p.portId, conductorA: [highA, highA, highA] });
    // Below the minimum a car draws nothing (IEC 61851-1); an unknown history proves no draw at all.
    const lowA = r && r.lowA >= p.minCurrentA ? r.lowA : 0;
    if (m && lowA > 0) low.push({ portId: p.portId, conductorA: m.conductorA.map((a) => atMost(a, lowA)) });
  }
  const evLow = loadOnCircuits(cs, low);
  const evHigh = loadOnCircuits(cs, high);
  const out = evLow.slice();
  cs.circuits.forEach((c, ci) => {
    const r = c.meterId === undefined ? null : (readings.get(c.meterId) ?? null);
    if (!r) {
      previous.delete(c.id);
      return;
    }
    const o = ci * DIM_COUNT;
    const total = [r.currentA[0], r.currentA[1], r.currentA[2], r.powerKw];
    const prev = previous.get(c.id);
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
      out[o + d] = t - next[d]!;
    }
    previous.set(c.id, next);
  });
  return out;
}
