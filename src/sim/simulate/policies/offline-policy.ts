/**
 * The offline optimum (datasets/published.md §1.3, "Offline optimal"): with every arrival, departure and demand known
 * in advance, a linear program over the whole horizon maximizes the energy delivered subject to the pilot
 * bounds, each session's demand and every network constraint at every step. Solved with HiGHS (npm
 * `highs`, WebAssembly), one LP per group of sessions that overlap in time. Its optimum is an upper bound
 * for every policy; on the exact three-phase model the magnitude constraints are outer-approximated
 * (lp-rows.ts), so it stays an upper bound, and the replayed schedule is scaled down per step where the
 * polygon let it exceed a true magnitude limit.
 */
import type { Highs } from '../../../core/planner/highs.ts';
import { loadHighs } from '../../../core/planner/highs.ts';
import { lpRows } from '../../../core/planner/lp-rows.ts';
import type { Network } from '../../../core/planner/network.ts';
import { constraintValues, withExternalLoad } from '../../../core/planner/network.ts';
import type { Policy, StepInput } from '../policy.ts';
import type { SimSession } from '../../sessions/sim-session.ts';
import type { ObjectiveOptions } from '../scenario.ts';
import type { PlannedBattery } from './offline-cost.ts';
import type { OfflineProblem, PlannedRates } from './offline-cost.ts';
import { offlineBatteryPlan, offlineCostPlan } from './offline-cost.ts';
import type { SiteBatterySpec } from '../site-battery.ts';
import { stepBattery } from '../site-battery.ts';

/** The offline policy; `boundPct` is the LP optimum as % of demand once `plan` has run. */
export interface OfflinePolicy extends Policy {
  readonly boundPct: number | undefined;
  /** Time the LPs took, ms. */
  readonly solveMs: number;
}

interface Planned {
  readonly firstStep: number;
  readonly rates: Float64Array;
}

/** Builds and solves the LP of one group of overlapping sessions; returns the rates per session. */
function solveGroup(
  highs: Highs,
  group: readonly number[],
  sessions: readonly SimSession[],
  evseOf: Int32Array,
  network: Network,
  stepMs: number,
  defaultMaxPowerKw: number,
  externalKwAt: ((tMs: number) => number) | undefined,
): Planned[] {
  const hours = stepMs / 3_600_000;
  const first = group.map((i) => Math.floor(sessions[i]!.arrivalMs / stepMs));
  const last = group.map((i) => Math.floor(sessions[i]!.departureMs / stepMs));
  const t0 = Math.min(...first);
  const t1 = Math.max(...last);
  // Columns: one per session and step it is present.
  const colStart: number[] = [];
  let numCols = 0;
  group.forEach((_, g) => {
    colStart.push(numCols);
    numCols += Math.max(0, last[g]! - first[g]!);
  });
  const colUpper = new Float64Array(numCols);
  const colCost = new Float64Array(numCols);
  const rowsIdx: number[][] = [];
  const rowsVal: number[][] = [];
  const rowUpper: number[] = [];
  group.forEach((i, g) => {
    const s = sessions[i]!;
    const evse = network.evses[evseOf[i]!]!;
    const carA = ((s.maxPowerKw ?? defaultMaxPowerKw) * 1000) / evse.voltageV;
    const ub = Math.min(evse.maxA, carA);
    const idx: number[] = [];
    for (let t = first[g]!; t < last[g]!; t++) {
      const col = colStart[g]! + t - first[g]!;
      colUpper[col] = ub;
      colCost[col] = (evse.voltageV * hours) / 1000; // kWh per A·step
      idx.push(col);
    }
    if (idx.length === 0) return;
    rowsIdx.push(idx);
    rowsVal.push(idx.map(() => (evse.voltageV * hours) / 1000));
    rowUpper.push(Math.max(0, s.energyKwh));
  });
  // Network rows per step, over the sessions present then.
  const templates = network.constraints.map((c) => ({ c, rows: lpRows(network, c) }));
  const presentAt: number[][] = Array.from({ length: t1 - t0 }, () => []);
  group.forEach((_, g) => {
    for (let t = first[g]!; t < last[g]!; t++) presentAt[t - t0]!.push(g);
  });
  // A constraint's limit at step t, less the building load net of PV when profiles are given.
  const limitAt = (c: (typeof network.constraints)[number], limit: number, t: number): number =>
    externalKwAt && c.externalPerKw !== undefined
      ? limit - externalKwAt(t * stepMs) * c.externalPerKw
      : limit;
  for (let t = t0; t < t1; t++) {
    const here = presentAt[t - t0]!;
    if (here.length < 2) continue; // one car alone is held by its own bounds unless a limit is tighter
    for (const { c, rows } of templates) {
      const termOf = new Map<number, number>();
      c.terms.forEach((term, k) => termOf.set(term.evse, k));
      for (const row of rows) {
        const idx: number[] = [];
        const val: number[] = [];
        let most = 0; // the row's largest possible value: a row that cannot bind is left out
        for (const g of here) {
          const k = termOf.get(evseOf[group[g]!]!);
          if (k === undefined || row.coef[k] === 0) continue;
          const col = colStart[g]! + t - first[g]!;
          idx.push(col);
          val.push(row.coef[k]!);
          if (row.coef[k]! > 0) most += row.coef[k]! * colUpper[col]!;
        }
        if (idx.length === 0 || most <= limitAt(c, row.limit, t)) continue;
        rowsIdx.push(idx);
        rowsVal.push(val);
        rowUpper.push(Math.max(0, limitAt(c, row.limit, t)));
      }
    }
  }
  // A single car can still meet a limit below its own max (a tiny capacity): cap its bound by each row.
  for (let t = t0; t < t1; t++) {
    const here = presentAt[t - t0]!;
    if (here.length !== 1) continue;
    const g = here[0]!;
    const col = colStart[g]! + t - first[g]!;
    for (const { c, rows } of templates) {
      const k = c.terms.findIndex((term) => term.evse === evseOf[group[g]!]!);
      if (k < 0) continue;
      for (const row of rows) {
        const a = row.coef[k]!;
        if (a > 0) colUpper[col] = Math.min(colUpper[col]!, Math.max(0, limitAt(c, row.limit, t)) / a);
      }
    }
  }
  const x = solveLp(highs, colCost, colUpper, rowsIdx, rowsVal, rowUpper);
  return group.map((_, g) => ({
    firstStep: first[g]!,
    rates: Float64Array.from({ length: Math.max(0, last[g]! - first[g]!) }, (__, k) =>
      Math.max(0, x[colStart[g]! + k]!),
    ),
  }));
}

/** Maximizes colCost·x within the columns' bounds and the rows (each Σ val·x ≤ upper); the solution. */
function solveLp(
  highs: Highs,
  colCost: Float64Array,
  colUpper: Float64Array,
  rowsIdx: readonly number[][],
  rowsVal: readonly number[][],
  rowUpper: readonly number[],
): ArrayLike<number> {
  const numCols = colCost.length;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  rowsIdx.forEach((idx, r) => {
    indices.push(...idx);
    values.push(...rowsVal[r]!);
    starts.push(indices.length);
  });
  const model = highs.createModel({
    numCols,
    numRows: rowUpper.length,
    sense: highs.constants.objectiveSense.maximize,
    colCost,
    colLower: new Float64Array(numCols),
    colUpper,
    rowLower: new Float64Array(rowUpper.length).fill(-highs.infinity),
    rowUpper,
    matrix: { format: 'csr', numRows: rowUpper.length, numCols, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false });
    model.run();
    const status = model.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal) {
      throw new Error(`the offline LP did not solve (HiGHS model status ${status})`);
    }
    // A copy: the solution may live in the solver's memory, which dispose() frees.
    return Float64Array.from(model.getSolution().colValue);
  } finally {
    model.dispose();
  }
}

/** Groups of the sessions `which` whose stays overlap (chained), each solvable on its own. */
function overlapGroups(sessions: readonly SimSession[], which: number[], stepMs: number): number[][] {
  const order = which.sort((a, b) => sessions[a]!.arrivalMs - sessions[b]!.arrivalMs);
  const groups: number[][] = [];
  let end = -Infinity;
  for (const i of order) {
    const a = Math.floor(sessions[i]!.arrivalMs / stepMs);
    const d = Math.floor(sessions[i]!.departureMs / stepMs);
    if (a >= end || groups.length === 0) groups.push([]);
    groups[groups.length - 1]!.push(i);
    end = Math.max(end, d);
  }
  return groups;
}

/** What the offline policy plans with besides the sessions and the network (offlinePolicy's arguments). */
interface OfflineSetup {
  readonly defaultMaxPowerKw: number;
  readonly externalKwAt: ((tMs: number) => number) | undefined;
  readonly cost: ObjectiveOptions | undefined;
  readonly battery: SiteBatterySpec | undefined;
}

/**
 * Solves the offline LPs into `plan` (rates per session): one over the whole run with a site battery or a
 * cost objective, else one per group of overlapping sessions. Returns the battery's plan and the LP bound.
 */
async function planOffline(
  plan: Map<string, Planned>,
  all: readonly SimSession[],
  network: Network,
  stepMs: number,
  evseOf: Int32Array,
  { defaultMaxPowerKw, externalKwAt, cost, battery }: OfflineSetup,
): Promise<{ batteryPlan: PlannedBattery | undefined; boundPct: number }> {
  let batteryPlan: PlannedBattery | undefined;
  const highs = await loadHighs();
  const hours = stepMs / 3_600_000;
  let planned = 0;
  let requested = 0;
  // Cars turned away never plug in: nothing to plan for them (their demand still counts below).
  const placed = all.map((_, i) => i).filter((i) => evseOf[i]! >= 0);
  if (battery || cost) {
    // With a site battery or a cost objective, one LP over the whole run (a battery's energy and a demand
    // charge link every step): offline-cost.ts.
    const problem: OfflineProblem = {
      all,
      placed,
      network,
      stepMs,
      evseOf,
      defaultMaxPowerKw,
      tariff: cost?.tariff,
      timeZone: cost?.tariff?.timeZone ?? cost?.timeZone ?? 'UTC',
      externalKwAt,
    };
    let rates: Map<string, PlannedRates>;
    if (battery) {
      const r = offlineBatteryPlan(highs, problem, battery);
      batteryPlan = r.battery;
      rates = r.rates;
    } else rates = offlineCostPlan(highs, problem);
    for (const i of placed) {
      const p = rates.get(all[i]!.id)!;
      plan.set(all[i]!.id, p);
      const v = network.evses[evseOf[i]!]!.voltageV;
      for (const a of p.rates) planned += (a * v * hours) / 1000;
    }
  }
  for (const group of cost || battery ? [] : overlapGroups(all, placed, stepMs)) {
    const rates = solveGroup(highs, group, all, evseOf, network, stepMs, defaultMaxPowerKw, externalKwAt);
    group.forEach((i, g) => {
      plan.set(all[i]!.id, rates[g]!);
      const v = network.evses[evseOf[i]!]!.voltageV;
      for (const r of rates[g]!.rates) planned += (r * v * hours) / 1000;
    });
  }
  for (const s of all) requested += Math.max(0, s.energyKwh);
  const boundPct = requested > 0 ? Math.min(100, (100 * planned) / requested) : 100;
  return { batteryPlan, boundPct };
}

/**
 * The offline optimum policy (max energy). `defaultMaxPowerKw` for sessions without a car max power;
 * `externalKwAt`: building load less PV in kW at an instant, which the limits must also carry. With
 * `cost`, the same energy at the least energy cost + demand charge (offline-cost.ts).
 */
export function offlinePolicy(
  defaultMaxPowerKw = Infinity,
  externalKwAt?: (tMs: number) => number,
  cost?: ObjectiveOptions,
  battery?: SiteBatterySpec,
): OfflinePolicy {
  const plan = new Map<string, Planned>();
  let batteryPlan: PlannedBattery | undefined;
  let batteryKw = 0;
  let boundPct: number | undefined;
  let solveMs = 0;
  return {
    name: 'offline',
    get boundPct() {
      return boundPct;
    },
    get solveMs() {
      return solveMs;
    },
    async plan(
      all: readonly SimSession[],
      network: Network,
      stepMs: number,
      evseOf: Int32Array,
    ): Promise<void> {
      const started = performance.now();
      const r = await planOffline(plan, all, network, stepMs, evseOf, {
        defaultMaxPowerKw,
        externalKwAt,
        cost,
        battery,
      });
      batteryPlan = r.batteryPlan;
      boundPct = r.boundPct;
      solveMs = performance.now() - started;
    },
    batteryCommandKw: () => batteryKw,
    step(input: StepInput): Float64Array {
      const step = Math.floor(input.tMs / input.stepMs);
      batteryKw = batteryPlan ? (batteryPlan.kw[step - batteryPlan.firstStep] ?? 0) : 0;
      // What the battery will do of it (its energy may drift from the plan's by rounding): counted so.
      const view = input.battery;
      const doneKw = view
        ? stepBattery(
            view.spec,
            (view.socPct / 100) * view.spec.capacityKwh,
            batteryKw,
            input.stepMs / 3_600_000,
          ).kw
        : 0;
      const network = doneKw === 0 ? input.network : withExternalLoad(input.network, doneKw);
      const out = Float64Array.from(input.active, (ev) => {
        const p = plan.get(ev.sessionId);
        return p ? (p.rates[step - p.firstStep] ?? 0) : 0;
      });
      // Where the outer polygon let the plan exceed a true limit, scale the step down to fit.
      const evseA = new Float64Array(input.network.evses.length);
      input.active.forEach((ev, i) => (evseA[ev.evseIndex] = evseA[ev.evseIndex]! + out[i]!));
      const values = constraintValues(network, evseA);
      let scale = 1;
      network.constraints.forEach((c, k) => {
        if (values[k]! > c.limitA) scale = Math.min(scale, Math.max(0, c.limitA) / values[k]!);
      });
      if (scale < 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale * (1 - 1e-9);
      return out;
    },
  };
}
