/**
 * Policy `fusebox` with `--objective cost`: the planner (src/core/planner) as a model-predictive
 * controller over the real allocator. At every slot boundary (15 min) and whenever a car arrives it
 * re-plans the cars present, knowing each one's departure and remaining energy (as deadline mode does) but
 * no future arrival, from now to 24 h ahead; each step hands the allocator the plan's current for the
 * running slot as each port's maximum (fusebox-policy.ts), and the allocator keeps the last word on every
 * limit. The demand the plan may use for free is the billing month's highest 15-min window so far, measured
 * on the simulated grid import; the running window's energy so far counts against it. The net building load
 * (building − PV) is forecast as the profile itself: the simulator knows it (a perfect forecast).
 */
import type { CompiledSite } from '../../../core/compiled-site.ts';
import { billingPeriodAt, demandWindowAt } from '../../../core/demand-window.ts';
import { loadHighs } from '../../../core/planner/highs.ts';
import type { Highs } from '../../../core/planner/highs.ts';
import { planConstraints } from '../../../core/planner/plan-constraints.ts';
import { runningSlotTargetsA } from '../../../core/planner/plan-targets.ts';
import type { Plan, PlanConstraint, PlanDemandPeriod, PlanInput } from '../../../core/planner/plan-types.ts';
import { plan } from '../../../core/planner/planner.ts';
import type { Tariff } from '../../../core/tariff.ts';
import { demandChargeRateAt, energyPriceAt } from '../../../core/tariff.ts';
import type { Network } from '../../../core/planner/network.ts';
import type { Policy, StepInput } from '../policy.ts';
import { fuseboxPolicy } from './fusebox-policy.ts';

export interface PlannerPolicyOptions {
  /** Prices and demand charge; absent: every kWh and kW costs nothing (the plan is energy first alone). */
  readonly tariff?: Tariff | undefined;
  /** Zone of the demand windows and billing months without a tariff. */
  readonly timeZone?: string | undefined;
  readonly slotMs?: number | undefined;
  readonly horizonMs?: number | undefined;
  /** Net building load (building − PV) in kW at an instant. */
  readonly externalKwAt?: ((tMs: number) => number) | undefined;
}

/** What the policy exposes besides a policy: its re-plans, for the report. */
export interface PlannerPolicy extends Policy {
  readonly replans: number;
  readonly replanMs: number;
}

/** The month's highest window so far and the running window's energy, kept up to date step by step. */
class DemandTracker {
  private seen = 0;
  private windowStart = Number.NaN;
  private windowEnd = Number.NaN;
  private windowKwh = 0;
  private readonly peaks = new Map<string, number>();
  constructor(
    private readonly timeZone: string,
    private readonly windowMs: number,
  ) {}

  update(past: NonNullable<StepInput['past']>, stepMs: number): void {
    const h = stepMs / 3_600_000;
    for (; this.seen < past.gridKw.length; this.seen++) {
      const t = past.startMs + this.seen * stepMs;
      if (!(t < this.windowEnd && t >= this.windowStart)) {
        this.close();
        const w = demandWindowAt(this.timeZone, t, this.windowMs);
        this.windowStart = w.startMs;
        this.windowEnd = w.endMs;
        this.windowKwh = 0;
      }
      this.windowKwh += Math.max(0, past.gridKw[this.seen]!) * h;
    }
  }

  private close(): void {
    if (Number.isNaN(this.windowStart)) return;
    const key = billingPeriodAt(this.timeZone, this.windowStart).key;
    const kw = this.windowKwh / (this.windowMs / 3_600_000);
    this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, kw));
  }

  /** Energy of the window holding tMs so far, kWh. */
  energySoFar(tMs: number): number {
    return tMs >= this.windowStart && tMs < this.windowEnd ? this.windowKwh : 0;
  }

  /** Highest closed window of the period so far, kW (the running window counts through energySoFar). */
  paidKw(key: string): number {
    return this.peaks.get(key) ?? 0;
  }
}

/** The billing periods of the demand charge over the horizon from `nowMs`, with what each has paid so far. */
function demandPeriods(
  tariff: Tariff | undefined,
  timeZone: string,
  horizonMs: number,
  tracker: DemandTracker,
  nowMs: number,
): PlanDemandPeriod[] {
  if (!tariff) return [];
  const out: PlanDemandPeriod[] = [];
  for (let t = nowMs; t < nowMs + horizonMs;) {
    const p = billingPeriodAt(timeZone, t);
    out.push({
      startMs: p.startMs,
      endMs: p.endMs,
      ratePerKw: demandChargeRateAt(tariff, Math.max(t, p.startMs)),
      paidKw: tracker.paidKw(p.key),
    });
    t = p.endMs;
  }
  return out;
}

/** The MPC policy of the file comment on `site`. */
export function plannerPolicy(site: CompiledSite, opts: PlannerPolicyOptions = {}): PlannerPolicy {
  const slotMs = opts.slotMs ?? 15 * 60_000;
  const horizonMs = opts.horizonMs ?? 24 * 3_600_000;
  const tariff = opts.tariff;
  const timeZone = tariff?.timeZone ?? opts.timeZone ?? 'UTC';
  const windowMs = tariff?.demandWindowMs ?? slotMs;
  const tracker = new DemandTracker(timeZone, windowMs);
  let highs: Highs | undefined;
  let constraints: PlanConstraint[] = [];
  let current: { plan: Plan; ids: Map<string, number>; departures: Float64Array } | undefined;
  let replans = 0;
  let replanMs = 0;

  const replan = (input: StepInput): void => {
    if (!highs) throw new Error('the planner policy plans only after plan() loaded the solver');
    const t0 = performance.now();
    const sessions = input.active.map((ev) => ({
      id: ev.sessionId,
      port: ev.evseIndex,
      arrivalMs: input.tMs,
      // The simulator takes a car away at the start of the step holding its departure.
      departureMs: Math.max(input.tMs, Math.floor(ev.estimatedDepartureMs / input.stepMs) * input.stepMs),
      energyKwh: ev.remainingKwh,
      maxA: ev.maxA,
      kwPerA: input.network.evses[ev.evseIndex]!.voltageV / 1000,
    }));
    const planInput: PlanInput = {
      nowMs: input.tMs,
      horizonMs,
      slotMs,
      sessions,
      constraints,
      pricePerKwh: (t) => (tariff ? energyPriceAt(tariff, t) : 0),
      exportPricePerKwh: tariff?.exportPricePerKwh,
      externalKw: opts.externalKwAt,
      demand: tariff
        ? {
            windowMs,
            windowEnergySoFarKwh: tracker.energySoFar(input.tMs),
            periods: demandPeriods(tariff, timeZone, horizonMs, tracker, input.tMs),
          }
        : undefined,
      warmStart: current?.plan,
    };
    const p = plan(highs, planInput);
    current = {
      plan: p,
      ids: new Map(sessions.map((s, i) => [s.id, i])),
      departures: Float64Array.from(sessions, (s) => s.departureMs),
    };
    replans++;
    replanMs += performance.now() - t0;
  };

  const targetsA = (input: StepInput): Float64Array => {
    if (input.past) tracker.update(input.past, input.stepMs);
    // No car (the simulator steps a site battery every step): nothing to plan.
    if (input.active.length === 0) return new Float64Array(0);
    const due =
      !current ||
      input.tMs % slotMs === 0 ||
      input.active.some((ev) => !current!.ids.has(ev.sessionId)) ||
      input.tMs >= current.plan.slotStartsMs[1]!;
    if (due) replan(input);
    const { plan: p, ids, departures } = current!;
    const targets = runningSlotTargetsA(p, departures, input.tMs);
    return Float64Array.from(input.active, (ev) => {
      const i = ids.get(ev.sessionId);
      return i === undefined ? 0 : targets[i]!;
    });
  };

  /**
   * Energy first in the real-time layer: a car whose plan falls short of its need may also take what the
   * plans of the others leave unused inside every limit (a kWh more is worth more than any price, as in the
   * plan's objective), earliest departure first.
   */
  const spareA = (input: StepInput): Uint8Array => {
    const { plan: p, ids } = current!;
    return Uint8Array.from(input.active, (ev) => {
      const i = ids.get(ev.sessionId);
      return i === undefined || p.shortKwh[i]! > 1e-6 ? 1 : 0;
    });
  };

  // Without a tariff nothing costs anything: a plan has nothing to save and no cap to set, and the
  // allocator's deadline mode decides alone (a plan's caps, made without the arrivals to come, only lose
  // energy against it).
  const inner = tariff ? fuseboxPolicy(site, targetsA, { tariff, spareA }) : fuseboxPolicy(site);
  return {
    name: 'fusebox',
    get replans() {
      return replans;
    },
    get replanMs() {
      return replanMs;
    },
    async plan(_all, network: Network): Promise<void> {
      highs = await loadHighs();
      constraints = planConstraints(network);
    },
    step: (input) => inner.step(input),
    batteryCommandKw: () => inner.batteryCommandKw?.() ?? 0,
  };
}
