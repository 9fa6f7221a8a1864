/**
 * The live demand cap (docs/control.md, "Demand cap"): measures the running demand window at the grid
 * connection, keeps the billing period's peak (in the store, so that a restart keeps it), picks the target
 * and turns it into a kW limit on the root circuit for the rest of the window, which the allocator's kW
 * constraint then holds. The maths is src/core/demand-window.ts.
 *
 * - Grid power: the root circuit's load meter (its import, export counted as 0) while fresh. Without a root
 *   meter it is estimated: the EV load the last run allocated on the root circuit plus, for each metered
 *   circuit with no metered circuit above it, its metered load less the EV load below it.
 * - Target: a pin (the API's, else the site file's `tariff.demand.targetKw`); else the period's peak so far
 *   (at least `floorKw`), raised to what the sessions with a deadline need (deadlineNeedKw: the least constant
 *   power that gets every one its energy by its departure, with the present non-EV load assumed to stay).
 * - Limit: the constant power for the rest of the window that brings its average to the target, the present
 *   power held for the car response time first; never below 0. It only lowers the root circuit's kW limit.
 */
import type { Logger } from 'pino';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { PortDemand } from '../core/allocation.ts';
import type {
  BillingPeriod,
  DemandPeakRecord,
  DemandPinRecord,
  TargetReason,
} from '../core/demand-window.ts';
import {
  billingPeriodAt,
  deadlineNeedKw,
  demandTarget,
  DemandWindowMeter,
  remainingWindowKw,
} from '../core/demand-window.ts';
import { isFresh } from '../core/freshness.ts';
import { loadOnCircuits } from '../core/port-load.ts';
import type { Tariff } from '../core/tariff.ts';
import { demandChargeRateAt } from '../core/tariff.ts';
import type { CapacityInputs } from '../core/effective-capacity.ts';
import type { MeterObservation } from './capacity-inputs.ts';

/** Where the demand cap keeps its peaks and pin (the store's DemandRepository). */
export interface DemandStore {
  peak(period: string): DemandPeakRecord | undefined;
  pin(): DemandPinRecord | null;
  savePeak(p: DemandPeakRecord): Promise<void>;
  savePin(p: DemandPinRecord | null): Promise<void>;
}

export interface DemandCapOptions {
  readonly tariff: Tariff;
  /** The site file's `tariff.demand`. */
  readonly targetKw?: number | undefined;
  readonly floorKw?: number | undefined;
  readonly store?: DemandStore | undefined;
  readonly logger: Logger;
  /** How long the present power goes on before a new limit is followed (the control loop's carResponseMs). */
  readonly leadMs?: number | undefined;
}

/** What the last control run gives the cap. */
export interface DemandCapContext {
  readonly site: CompiledSite;
  readonly meters: ReadonlyMap<string, MeterObservation>;
  /** EV load per circuit as subtracted from the meters (non-ev-estimate.ts evLoadForMeters). */
  readonly evLoad: Float64Array;
  /** The previous run's allocation: EV load per circuit and the sessions' demands. */
  readonly previous: {
    readonly circuits: readonly { readonly circuitId: string; readonly load: readonly number[] }[];
    readonly demands: readonly PortDemand[];
  } | null;
  readonly nowMs: number;
}

/** The demand cap's state, for the API, the metrics and the dashboard. */
export interface DemandState {
  readonly atMs: number;
  /** The circuit the cap applies to (the grid connection). */
  readonly circuitId: string;
  /** 'grid meter', or 'estimate' without a fresh root meter reading. */
  readonly measuredBy: 'grid meter' | 'estimate';
  /** Grid import now, kW; null when unknown. */
  readonly gridKw: number | null;
  readonly windowMs: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Average of the running window so far (over the time its power was known). */
  readonly windowAverageKw: number;
  readonly targetKw: number;
  readonly targetReason: TargetReason;
  /** The target pinned through the API (it wins over the site file's). */
  readonly pin: DemandPinRecord | null;
  /** The kW limit put on the root circuit for the rest of the window; null before the first run. */
  readonly capKw: number | null;
  readonly period: string;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** Highest window average of the period so far (ended windows), 0 before any. */
  readonly periodPeakKw: number;
  readonly periodPeakAtMs: number | null;
  /** Demand charge rate in force at the peak, and peak × rate. */
  readonly demandChargePerKw: number;
  readonly estimatedDemandCharge: number;
  readonly currency: string | undefined;
}

const DEFAULT_LEAD_MS = 5000;

export class DemandCap {
  private readonly meter: DemandWindowMeter;
  private period: BillingPeriod | null = null;
  private peak: { kw: number; atMs: number } | null = null;
  private pinned: DemandPinRecord | null;
  private last: Omit<DemandState, 'pin' | 'atMs'> | null = null;
  private lastAtMs = 0;
  private lastFailure: string | null = null;

  constructor(private readonly o: DemandCapOptions) {
    this.meter = new DemandWindowMeter(o.tariff.timeZone, o.tariff.demandWindowMs);
    this.pinned = o.store?.pin() ?? null;
  }

  /** The root circuit the cap limits: the first root with a load meter, else the first root. */
  static rootOf(cs: CompiledSite): number {
    const roots = cs.circuits.map((c, i) => ({ c, i })).filter(({ c }) => c.parentId === null);
    return (roots.find(({ c }) => c.meterId !== undefined) ?? roots[0]!).i;
  }

  /**
   * The capacity inputs with the cap on the root circuit's kW (this run's sample counted first). The cap is
   * about the bill, not safety: when it fails (a store error), the inputs go through uncapped and it is logged,
   * rather than the allocation run failing.
   */
  apply(inputs: CapacityInputs, ctx: DemandCapContext): CapacityInputs {
    let capKw: number;
    try {
      capKw = this.update(ctx);
    } catch (err) {
      // Once per distinct failure: the loop runs several times a second.
      const message = (err as Error).message;
      if (message !== this.lastFailure)
        this.o.logger.error({ err }, `demand cap failed, not applied until it works: ${message}`);
      this.lastFailure = message;
      return inputs;
    }
    this.lastFailure = null;
    const id = ctx.site.circuits[DemandCap.rootOf(ctx.site)]!.id;
    const circuits = new Map(inputs.circuits);
    circuits.set(id, { ...circuits.get(id), demandCapKw: capKw });
    return { circuits };
  }

  /** Counts this run's sample and returns the root circuit's kW limit for the rest of the window. */
  update(ctx: DemandCapContext): number {
    const { site: cs, nowMs } = ctx;
    const ri = DemandCap.rootOf(cs);
    const root = cs.circuits[ri]!;
    const evKwAt = (ci: number): number => ctx.evLoad[ci * DIM_COUNT + 3] ?? 0;
    // Grid import and the non-EV part of it.
    let gridKw: number | null = null;
    let nonEvKw = 0;
    let measuredBy: DemandState['measuredBy'] = 'estimate';
    const rootKw = root.meterId === undefined ? null : this.freshKw(cs, ctx.meters, root.meterId, nowMs);
    if (rootKw !== null) {
      gridKw = Math.max(0, rootKw);
      nonEvKw = Math.max(0, rootKw - evKwAt(ri));
      measuredBy = 'grid meter';
    } else if (root.meterId === undefined) {
      const allocated = ctx.previous?.circuits.find((c) => c.circuitId === root.id)?.load[3] ?? 0;
      cs.circuits.forEach((c, ci) => {
        if (c.meterId === undefined || this.meteredAbove(cs, ci)) return;
        const kw = this.freshKw(cs, ctx.meters, c.meterId, nowMs);
        if (kw !== null) nonEvKw += Math.max(0, kw - evKwAt(ci));
      });
      gridKw = Math.max(0, allocated + nonEvKw);
    }
    // A root meter that is stale: nothing known (the capacity falls back to the worst case anyway).

    for (const w of this.meter.observe(nowMs, gridKw)) this.closed(w.startMs, w.averageKw);
    const period = this.periodAt(nowMs);
    const win = this.meter.current(nowMs);

    const sessions = (ctx.previous?.demands ?? []).flatMap((d) =>
      d.departureMs !== undefined && d.energyRemainingKwh !== undefined
        ? [{ departureMs: d.departureMs, energyKwh: d.energyRemainingKwh, maxKw: portMaxKw(cs, d.portId) }]
        : [],
    );
    const pinnedKw = this.pinned?.targetKw ?? this.o.targetKw;
    const target = demandTarget({
      pinnedKw,
      periodPeakKw: this.peak?.kw ?? 0,
      floorKw: this.o.floorKw,
      needKw: deadlineNeedKw(sessions, nowMs, nonEvKw),
    });
    const allowedKw = remainingWindowKw({
      targetKw: target.targetKw,
      windowMs: win.endMs - win.startMs,
      elapsedMs: nowMs - win.startMs,
      energyKwMs: win.energyKwMs,
      coveredMs: win.coveredMs,
      currentKw: gridKw ?? 0,
      leadMs: this.o.leadMs ?? DEFAULT_LEAD_MS,
    });
    // The core subtracts a metered root's non-EV load from its kW limit; an unmetered root's it ignores.
    const capKw = root.meterId === undefined ? Math.max(0, allowedKw - nonEvKw) : allowedKw;
    const rate = this.peak ? demandChargeRateAt(this.o.tariff, this.peak.atMs) : 0;
    this.lastAtMs = nowMs;
    this.last = {
      circuitId: root.id,
      measuredBy,
      gridKw,
      windowMs: win.endMs - win.startMs,
      windowStartMs: win.startMs,
      windowEndMs: win.endMs,
      windowAverageKw: win.averageKw,
      targetKw: target.targetKw,
      targetReason: target.reason,
      capKw,
      period: period.key,
      periodStartMs: period.startMs,
      periodEndMs: period.endMs,
      periodPeakKw: this.peak?.kw ?? 0,
      periodPeakAtMs: this.peak?.atMs ?? null,
      demandChargePerKw: rate,
      estimatedDemandCharge: (this.peak?.kw ?? 0) * rate,
      currency: this.o.tariff.currency,
    };
    return capKw;
  }

  /** The state as of the last run (null before it). */
  state(): DemandState | null {
    return this.last && { ...this.last, atMs: this.lastAtMs, pin: this.pinned };
  }

  /** Pins a target (kW) or removes the pin (null); stored, so that it outlives a restart. */
  async pin(targetKw: number | null, by: string, atMs: number): Promise<void> {
    const next = targetKw === null ? null : { targetKw, by, atMs };
    await this.o.store?.savePin(next);
    this.pinned = next;
    this.o.logger.info(
      { targetKw, by },
      targetKw === null ? 'demand target unpinned' : 'demand target pinned',
    );
  }

  /** The billing period of nowMs; a new one starts from its stored peak (a restart within it) or none. */
  private periodAt(nowMs: number): BillingPeriod {
    if (this.period && nowMs >= this.period.startMs && nowMs < this.period.endMs) return this.period;
    this.period = billingPeriodAt(this.o.tariff.timeZone, nowMs);
    const stored = this.o.store?.peak(this.period.key);
    this.peak = stored ? { kw: stored.peakKw, atMs: stored.peakAtMs } : null;
    return this.period;
  }

  /** A window ended: a new peak of its billing period is kept and stored. */
  private closed(startMs: number, averageKw: number): void {
    const period = this.periodAt(startMs);
    if (this.peak && averageKw <= this.peak.kw) return;
    this.peak = { kw: averageKw, atMs: startMs };
    this.o.logger.info({ period: period.key, peakKw: averageKw }, 'new demand peak of the billing period');
    this.o.store
      ?.savePeak({
        period: period.key,
        peakKw: averageKw,
        peakAtMs: startMs,
        windowMs: this.o.tariff.demandWindowMs,
      })
      .catch((err: unknown) => this.o.logger.error({ err }, 'cannot store the demand peak'));
  }

  private freshKw(
    cs: CompiledSite,
    meters: ReadonlyMap<string, MeterObservation>,
    meterId: string,
    nowMs: number,
  ): number | null {
    const m = meters.get(meterId);
    const r = m?.reading;
    const timeoutMs = cs.site.meters.find((x) => x.id === meterId)?.timeoutMs ?? 5000;
    if (!m || m.stale || !r || r.powerKw === null || !Number.isFinite(r.powerKw)) return null;
    return isFresh(r.atMs, nowMs, timeoutMs) ? r.powerKw : null;
  }

  private meteredAbove(cs: CompiledSite, ci: number): boolean {
    for (let p = cs.parent[ci]!; p >= 0; p = cs.parent[p]!)
      if (cs.circuits[p]!.meterId !== undefined) return true;
    return false;
  }
}

/** The most a port can draw, in kW at its circuit (its maximum current on its wiring, or its kW maximum). */
function portMaxKw(cs: CompiledSite, portId: string): number {
  const idx = cs.portIndex.get(portId);
  if (idx === undefined) return 0;
  const p = cs.ports[idx]!;
  if (p.maxPowerKw !== undefined) return p.maxPowerKw;
  const ci = cs.circuitIndex.get(p.circuitId)!;
  const a = p.maxCurrentA;
  return loadOnCircuits(cs, [{ portId, conductorA: [a, a, a] }])[ci * DIM_COUNT + 3] ?? 0;
}
