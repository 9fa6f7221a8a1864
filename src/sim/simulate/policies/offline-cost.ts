/**
 * The offline optimum with the cost objective (`fusebox simulate --objective cost`): the planner's LP
 * (src/core/planner/planner.ts) over the whole workload at once, every arrival known, one slot per
 * simulation step. Energy comes first there by a dominant penalty, so it delivers the most energy the
 * limits allow (what `--objective energy` delivers, up to the solver's tolerance) and, among the schedules
 * that do, the one of least energy cost + demand charge (each billing month's highest demand window from
 * zero). Demand windows are aligned to the epoch, which is the local clock in every zone whose offset is a
 * whole number of windows (15 min: all of them).
 */
import { billingPeriodAt } from '../../../core/demand-window.ts';
import type { Highs } from '../../../core/planner/highs.ts';
import type { Plan, PlanDemandPeriod, PlanSession } from '../../../core/planner/plan-types.ts';
import { plan } from '../../../core/planner/planner.ts';
import type { Tariff } from '../../../core/tariff.ts';
import { demandChargeRateAt, energyPriceAt } from '../../../core/tariff.ts';
import type { Network } from '../../../core/planner/network.ts';
import type { SimSession } from '../../sessions/sim-session.ts';
import { planConstraints } from '../../../core/planner/plan-constraints.ts';
import type { SiteBatterySpec } from '../site-battery.ts';
import { oneWayEfficiency } from '../site-battery.ts';

/** One session's rates per step from firstStep (A). */
export interface PlannedRates {
  readonly firstStep: number;
  readonly rates: Float64Array;
}

/** The offline LP's answer: the plan and its sessions (in `placed` order). */
interface OfflinePlan {
  readonly sessions: PlanSession[];
  readonly result: Plan | undefined;
}

/**
 * The planner's LP (planner.ts) over the whole workload, one slot per step, with the site battery when
 * given (at the grid connection: its power counts where the building load does, battery-lp.ts).
 */
/** One offline LP's inputs: the run's sessions, those placed on a port, the network and the tariff. */
export interface OfflineProblem {
  readonly all: readonly SimSession[];
  /** Indexes into `all` of the sessions that got a port (cars turned away never plug in). */
  readonly placed: readonly number[];
  readonly network: Network;
  readonly stepMs: number;
  /** Per session, the index of its port in network.evses (-1: turned away). */
  readonly evseOf: Int32Array;
  readonly defaultMaxPowerKw: number;
  readonly tariff: Tariff | undefined;
  readonly timeZone: string;
  readonly externalKwAt: ((tMs: number) => number) | undefined;
}

function solveOffline(highs: Highs, problem: OfflineProblem, battery?: SiteBatterySpec): OfflinePlan {
  const { all, placed, network, stepMs, evseOf, defaultMaxPowerKw, tariff, timeZone, externalKwAt } = problem;
  // The engine's steps: a car is present from floor(arrival) to floor(departure), the last one excluded.
  const sessions: PlanSession[] = placed.map((i) => {
    const s = all[i]!;
    const evse = network.evses[evseOf[i]!]!;
    const carA = ((s.maxPowerKw ?? defaultMaxPowerKw) * 1000) / evse.voltageV;
    return {
      id: s.id,
      port: evseOf[i]!,
      arrivalMs: Math.floor(s.arrivalMs / stepMs) * stepMs,
      departureMs: Math.floor(s.departureMs / stepMs) * stepMs,
      energyKwh: Math.max(0, s.energyKwh),
      maxA: Math.min(evse.maxA, carA),
      kwPerA: evse.voltageV / 1000,
    };
  });
  if (sessions.length === 0) return { sessions, result: undefined };
  const startMs = Math.min(...sessions.map((s) => s.arrivalMs));
  const endMs = Math.max(...sessions.map((s) => s.departureMs));
  const periods: PlanDemandPeriod[] = [];
  if (tariff)
    for (let t = startMs; t < endMs;) {
      const p = billingPeriodAt(timeZone, t);
      periods.push({
        startMs: p.startMs,
        endMs: p.endMs,
        ratePerKw: demandChargeRateAt(tariff, Math.max(t, p.startMs)),
        paidKw: 0,
      });
      t = p.endMs;
    }
  const result = plan(highs, {
    nowMs: startMs,
    horizonMs: Math.max(stepMs, endMs - startMs),
    slotMs: stepMs,
    sessions,
    constraints: planConstraints(network),
    pricePerKwh: (t) => (tariff ? energyPriceAt(tariff, t) : 0),
    exportPricePerKwh: tariff?.exportPricePerKwh,
    externalKw: externalKwAt,
    demand:
      tariff && tariff.demandWindowMs % stepMs === 0
        ? { windowMs: tariff.demandWindowMs, windowEnergySoFarKwh: 0, periods }
        : undefined,
    battery: battery && {
      energyKwh: (battery.initialSocPct / 100) * battery.capacityKwh,
      minKwh: (battery.reserveSocPct / 100) * battery.capacityKwh,
      maxKwh: (battery.maxSocPct / 100) * battery.capacityKwh,
      maxChargeKw: battery.maxChargeKw,
      maxDischargeKw: battery.maxDischargeKw,
      efficiency: oneWayEfficiency(battery),
    },
  });
  return { sessions, result };
}

/** Each session's planned rates per step, by session id. */
function ratesOf(o: OfflinePlan, stepMs: number): Map<string, PlannedRates> {
  const out = new Map<string, PlannedRates>();
  if (!o.result) return out;
  const firstStep = Math.floor(o.result.slotStartsMs[0]! / stepMs);
  o.sessions.forEach((s, i) => {
    const from = Math.floor(s.arrivalMs / stepMs) - firstStep;
    const to = Math.floor(s.departureMs / stepMs) - firstStep;
    out.set(s.id, {
      firstStep: firstStep + from,
      rates: o.result!.currentA[i]!.slice(from, Math.max(from, to)),
    });
  });
  return out;
}

/** Plans the placed sessions for the least cost after the most energy; rates by session id. */
export function offlineCostPlan(highs: Highs, problem: OfflineProblem): Map<string, PlannedRates> {
  return ratesOf(solveOffline(highs, problem), problem.stepMs);
}

/** The battery's planned power per step from firstStep, kW (charging positive). */
export interface PlannedBattery {
  readonly firstStep: number;
  readonly kw: Float64Array;
}

/**
 * The offline optimum with a site battery (site-battery.ts): the planner's LP with the battery's columns
 * and rows (src/core/planner/battery-lp.ts, the live planner's too), the battery at the grid connection.
 * Every arrival known and no end-of-run condition on the battery: whatever a policy does with it, this LP
 * can do too, so it stays a bound on energy and then on cost. Without a tariff it is energy first alone
 * (`--objective energy`).
 */
export function offlineBatteryPlan(
  highs: Highs,
  problem: OfflineProblem,
  battery: SiteBatterySpec,
): { rates: Map<string, PlannedRates>; battery: PlannedBattery } {
  const { stepMs } = problem;
  const o = solveOffline(highs, problem, battery);
  const firstStep = o.result ? Math.floor(o.result.slotStartsMs[0]! / stepMs) : 0;
  return {
    rates: ratesOf(o, stepMs),
    battery: { firstStep, kw: o.result?.battery?.kw ?? new Float64Array(0) },
  };
}
