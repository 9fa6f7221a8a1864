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
import type { PlanDemandPeriod, PlanSession } from '../../../core/planner/plan-types.ts';
import { plan } from '../../../core/planner/planner.ts';
import type { Tariff } from '../../../core/tariff.ts';
import { demandChargeRateAt, energyPriceAt } from '../../../core/tariff.ts';
import type { Network } from '../../../core/planner/network.ts';
import type { SimSession } from '../../sessions/sim-session.ts';
import { planConstraints } from '../../../core/planner/plan-constraints.ts';
import { lpRows } from '../../../core/planner/lp-rows.ts';
import type { SiteBatterySpec } from '../site-battery.ts';
import { oneWayEfficiency } from '../site-battery.ts';

/** One session's rates per step from firstStep (A). */
export interface PlannedRates {
  readonly firstStep: number;
  readonly rates: Float64Array;
}

/** Plans the placed sessions for the least cost after the most energy; rates by session id. */
export function offlineCostPlan(
  highs: Highs,
  all: readonly SimSession[],
  placed: readonly number[],
  network: Network,
  stepMs: number,
  evseOf: Int32Array,
  defaultMaxPowerKw: number,
  tariff: Tariff | undefined,
  timeZone: string,
  externalKwAt: ((tMs: number) => number) | undefined,
): Map<string, PlannedRates> {
  const out = new Map<string, PlannedRates>();
  if (placed.length === 0) return out;
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
  });
  const firstStep = Math.floor(startMs / stepMs);
  sessions.forEach((s, i) => {
    const from = Math.floor(s.arrivalMs / stepMs) - firstStep;
    const to = Math.floor(s.departureMs / stepMs) - firstStep;
    out.set(s.id, {
      firstStep: firstStep + from,
      rates: result.currentA[i]!.slice(from, Math.max(from, to)),
    });
  });
  return out;
}

/** The battery's planned power per step from firstStep, kW (charging positive). */
export interface PlannedBattery {
  readonly firstStep: number;
  readonly kw: Float64Array;
}

/**
 * The offline optimum with a site battery (site-battery.ts): the planner's LP (planner.ts, whose size and
 * energy-first penalty it follows) with, per step k, the battery's charge c_k and discharge d_k (kW at its
 * AC side, within its power) and its energy e_k:
 *
 *   e_k = e_{k−1} + √η·h·c_k − h·d_k/√η,   reserve ≤ e_k ≤ max,   e_{−1} = the initial energy
 *   Σ coef·x_ik + perKw·(c_k − d_k) ≤ limit − perKw·ext_k   on every limit the building load counts on
 *   Σ kW_i x_ik + c_k − d_k − g_k ≤ −ext_k                    (the grid import)
 *
 * Every arrival known and no end-of-run condition on the battery: whatever a policy does with it, this LP
 * can do too, so it stays a bound on energy and then on cost. Without a tariff it is energy first alone
 * (`--objective energy`). planner.ts is not changed for it: it plans no battery.
 */
export function offlineBatteryPlan(
  highs: Highs,
  all: readonly SimSession[],
  placed: readonly number[],
  network: Network,
  stepMs: number,
  evseOf: Int32Array,
  defaultMaxPowerKw: number,
  tariff: Tariff | undefined,
  timeZone: string,
  externalKwAt: ((tMs: number) => number) | undefined,
  battery: SiteBatterySpec,
): { rates: Map<string, PlannedRates>; battery: PlannedBattery } {
  const h = stepMs / 3_600_000;
  const sessions = placed.map((i) => {
    const s = all[i]!;
    const evse = network.evses[evseOf[i]!]!;
    const carA = ((s.maxPowerKw ?? defaultMaxPowerKw) * 1000) / evse.voltageV;
    return {
      id: s.id,
      evse: evseOf[i]!,
      first: Math.floor(s.arrivalMs / stepMs),
      last: Math.floor(s.departureMs / stepMs),
      need: Math.max(0, s.energyKwh),
      maxA: Math.min(evse.maxA, carA),
      kwPerA: evse.voltageV / 1000,
    };
  });
  const firstStep = sessions.length ? Math.min(...sessions.map((s) => s.first)) : 0;
  const K = sessions.length ? Math.max(...sessions.map((s) => s.last)) - firstStep : 0;
  const tOf = (k: number): number => (firstStep + k) * stepMs;
  const ext = Float64Array.from({ length: K }, (_, k) => externalKwAt?.(tOf(k)) ?? 0);
  const price = Float64Array.from({ length: K }, (_, k) => (tariff ? energyPriceAt(tariff, tOf(k)) : 0));
  const exportPrice = tariff?.exportPricePerKwh ?? 0;
  const windowMs = tariff?.demandWindowMs ?? stepMs;
  const demandOn = tariff !== undefined && windowMs % stepMs === 0;
  const periods: { startMs: number; endMs: number; rate: number }[] = [];
  if (demandOn && K > 0)
    for (let t = tOf(0); t < tOf(K);) {
      const p = billingPeriodAt(timeZone, t);
      periods.push({
        startMs: p.startMs,
        endMs: p.endMs,
        rate: demandChargeRateAt(tariff, Math.max(t, p.startMs)),
      });
      t = p.endMs;
    }
  const windowH = windowMs / 3_600_000;
  let maxPrice = 0;
  for (const x of price) maxPrice = Math.max(maxPrice, Math.abs(x));
  let maxRate = 0;
  for (const p of periods) maxRate = Math.max(maxRate, p.rate);
  const M = Math.max(1000, 10 * (maxPrice + Math.abs(exportPrice) + maxRate / windowH));

  const colLower: number[] = [];
  const colUpper: number[] = [];
  const colCost: number[] = [];
  const col = (lo: number, hi: number, cost: number): number => {
    colLower.push(lo);
    colUpper.push(hi);
    colCost.push(cost);
    return colLower.length - 1;
  };
  const presentAt: number[][] = Array.from({ length: K }, () => []);
  const xStart = sessions.map((s, i) => {
    const start = colLower.length;
    for (let t = s.first; t < s.last; t++) {
      col(0, s.maxA, s.kwPerA * h * (exportPrice - M + (1e-3 * (t - firstStep)) / Math.max(1, K)));
      presentAt[t - firstStep]!.push(i);
    }
    return start;
  });
  const xCol = (i: number, k: number): number => xStart[i]! + k + firstStep - sessions[i]!.first;
  const eta = oneWayEfficiency(battery);
  const lo = (battery.reserveSocPct / 100) * battery.capacityKwh;
  const hi = (battery.maxSocPct / 100) * battery.capacityKwh;
  const e0 = (battery.initialSocPct / 100) * battery.capacityKwh;
  const cStart = colLower.length;
  for (let k = 0; k < K; k++) col(0, battery.maxChargeKw, 0);
  const dStart = colLower.length;
  for (let k = 0; k < K; k++) col(0, battery.maxDischargeKw, 0);
  const eStart = colLower.length;
  for (let k = 0; k < K; k++) col(lo, hi, 0);
  const gStart = colLower.length;
  for (let k = 0; k < K; k++) col(0, Infinity, (price[k]! - exportPrice) * h);
  const pStart = colLower.length;
  for (const p of periods) col(0, Infinity, p.rate);

  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const row = (lower: number, upper: number): void => {
    starts.push(indices.length);
    rowLower.push(lower);
    rowUpper.push(upper);
  };
  const push = (c: number, v: number): void => {
    indices.push(c);
    values.push(v);
  };
  sessions.forEach((s, i) => {
    if (s.last <= s.first) return;
    for (let t = s.first; t < s.last; t++) push(xCol(i, t - firstStep), s.kwPerA * h);
    row(-Infinity, s.need);
  });
  for (const c of network.constraints) {
    const termOf = new Map<number, number>();
    c.terms.forEach((term, j) => termOf.set(term.evse, j));
    const perKw = c.externalPerKw;
    for (const r of lpRows(network, c)) {
      for (let k = 0; k < K; k++) {
        // A building load above a limit is the engine's to count, as in the planner (planner.ts).
        const limit = Math.max(0, r.limit - (perKw ?? 0) * ext[k]!);
        let most = perKw === undefined ? 0 : perKw * battery.maxChargeKw;
        const at = indices.length;
        for (const i of presentAt[k]!) {
          const j = termOf.get(sessions[i]!.evse);
          if (j === undefined || r.coef[j] === 0) continue;
          push(xCol(i, k), r.coef[j]!);
          if (r.coef[j]! > 0) most += r.coef[j]! * sessions[i]!.maxA;
        }
        if (most <= limit) {
          indices.length = at;
          values.length = at;
          continue;
        }
        if (perKw !== undefined) {
          push(cStart + k, perKw);
          push(dStart + k, -perKw);
        }
        row(-Infinity, limit);
      }
    }
  }
  for (let k = 0; k < K; k++) {
    for (const i of presentAt[k]!) push(xCol(i, k), sessions[i]!.kwPerA);
    push(cStart + k, 1);
    push(dStart + k, -1);
    push(gStart + k, -1);
    row(-Infinity, -ext[k]!);
    // e_k − e_{k−1} − √η·h·c_k + h/√η·d_k = 0
    push(eStart + k, 1);
    if (k > 0) push(eStart + k - 1, -1);
    push(cStart + k, -eta * h);
    push(dStart + k, h / eta);
    row(k > 0 ? 0 : e0, k > 0 ? 0 : e0);
  }
  if (periods.length > 0) {
    let k = 0;
    while (k < K) {
      const w = Math.floor(tOf(k) / windowMs);
      const from = k;
      while (k < K && Math.floor(tOf(k) / windowMs) === w) k++;
      const p = periods.findIndex((q) => w * windowMs + windowMs > q.startMs && w * windowMs < q.endMs);
      if (p < 0 || !(periods[p]!.rate > 0)) continue;
      for (let j = from; j < k; j++) push(gStart + j, h / windowH);
      push(pStart + p, -1);
      row(-Infinity, 0);
    }
  }
  const numCols = colLower.length;
  const numRows = rowUpper.length;
  const model = highs.createModel({
    numCols,
    numRows,
    sense: highs.constants.objectiveSense.minimize,
    colCost: Float64Array.from(colCost),
    colLower: Float64Array.from(colLower),
    colUpper: Float64Array.from(colUpper, (x) => (x === Infinity ? highs.infinity : x)),
    rowLower: Float64Array.from(rowLower, (x) => (x === -Infinity ? -highs.infinity : x)),
    rowUpper: Float64Array.from(rowUpper),
    matrix: { format: 'csr', numRows, numCols, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false, dual_feasibility_tolerance: 1e-10 });
    model.run();
    const status = model.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal)
      throw new Error(`the offline LP with a battery did not solve (HiGHS model status ${status})`);
    const x = model.getSolution().colValue;
    const rates = new Map<string, PlannedRates>();
    sessions.forEach((s, i) =>
      rates.set(s.id, {
        firstStep: s.first,
        rates: Float64Array.from({ length: Math.max(0, s.last - s.first) }, (_, k) =>
          Math.min(s.maxA, Math.max(0, x[xStart[i]! + k]!)),
        ),
      }),
    );
    const kw = Float64Array.from({ length: K }, (_, k) => x[cStart + k]! - x[dStart + k]!);
    return { rates, battery: { firstStep, kw } };
  } finally {
    model.dispose();
  }
}
