/**
 * The planner (issue 14): from the sessions' departures and energy needs, the site's linear limits, the
 * tariff's price per slot, the demand charge and the demand already paid, and a forecast of the net
 * building load, it plans each session's average current per slot over a rolling horizon (24 h of 15-min
 * slots by default) at the lowest cost. Pure: no I/O, no clock; the solver instance comes in loaded
 * (highs.ts).
 *
 * The linear program (x: A per session and slot, g: grid import kW per slot, P: demand kW per period):
 *
 *   minimise   Σ_k (price_k − export) h_k g_k + Σ_i Σ_k export·kW_i h_k x_ik        energy cost
 *            + Σ_p rate_p P_p                                                        demand charge
 *            − M Σ_i Σ_k kW_i h_k x_ik                                               energy first
 *            + ε Σ_i Σ_k (k/K) kW_i h_k x_ik                                        earlier first
 *   subject to 0 ≤ x_ik ≤ maxA_i · (share of slot k the car is plugged in)
 *            Σ_k kW_i h_k x_ik ≤ need_i                                 per session, by its departure
 *            Σ_{i at k} coef · x_ik ≤ limit − perKw · ext_k                per limit row and slot
 *            Σ_i kW_i x_ik − g_k ≤ −ext_k,  g_k ≥ 0                          import (never below 0)
 *            Σ_{k in w} (h_k / W) g_k − P_p ≤ −(energy so far in w) / W      per demand window w of p
 *            P_p ≥ paid_p
 *
 * With `PlanInput.battery`, a stationary battery's charge, discharge and energy per slot join the LP
 * (battery-lp.ts): its power counts on the limit rows it is under and in the import row, and the plan then
 * covers the whole horizon (not only until the last car leaves).
 *
 * Energy first is a dominant penalty, not a lexicographic second solve: M (at least 1000 $/kWh, and ten
 * times the dearest kWh the tariff can make: the highest price plus the demand rate over one window) exceeds
 * anything a kWh can cost, so no cost saving ever buys a kWh less; one LP instead of two. ε = 1e-3 $/kWh
 * breaks ties towards earlier charging (as ACN's quick-charge term), below any real price difference.
 *
 * Size: columns = Σ_i (slots session i is present in) + K + periods ≤ n·K + K + 2; rows = n + 2K + the
 * limit rows that can bind (at most K × limit rows). For n sessions over K slots with c limit rows that is
 * O(n·K) columns and O(n + K·c) rows with O(n·K·c) non-zeros at most (each x_ik sits in its energy row,
 * its import row and the limit rows of its port); building it takes O(n·K + K·(Σ ports under each
 * limit)). HiGHS solves it with the simplex method (worst case exponential, in practice a small multiple of
 * the rows in iterations).
 *
 * Re-plans start warm: a plan carries HiGHS's final basis keyed by what each column and row stands for
 * (session or limit, and the epoch-aligned slot), and the next re-plan (`PlanInput.warmStart`) maps it
 * onto its own LP and runs the primal simplex from there. When the cars took what the plan said, the running
 * slot's columns and rows simply leave and the basis stays primal feasible and nearly optimal: a few
 * hundred pivots instead of tens of thousands (1,000 cars: about 1,000 against 38,000). A basis HiGHS
 * rejects, or a warm start that takes more pivots than max(2,000, rows), falls back to the cold solve
 * (presolve, dual simplex). The optimum is the LP's either way (with ties, possibly another optimal
 * vertex). Measured with `npm run bench -- planner`.
 */
import { batteryKwAt, batterySchedule, validateBattery } from './battery-lp.ts';
import type { Highs } from './highs.ts';
import type { LpColumns, LpRows, LpSlots } from './plan-lp.ts';
import { lpColumns, lpRowsOf, lpSlots } from './plan-lp.ts';
import type { Plan, PlanBasis, PlanInput } from './plan-types.ts';

export { slotBoundaries } from './plan-lp.ts';

/** Pivots a warm start may take before the planner starts over cold: at least this, or the row count. */
const WARM_ITERATIONS = 2_000;
/** HiGHS's `simplex_strategy` values (its SimplexStrategy enum is a type only): let it choose, primal. */
const SIMPLEX_CHOOSE = 0;
const SIMPLEX_PRIMAL = 4;

/** A model HiGHS built (highs.ts). */
type HighsModel = ReturnType<Highs['createModel']>;

/**
 * The previous plan's final basis on this LP: each column and row keeps its status where the previous LP
 * had the same one (same session or limit, same slot), new ones start nonbasic (columns, at 0) or basic
 * (rows, their slack); then the count of basic entries is brought to the number of rows, as a basis needs.
 */
function mapBasis(
  prev: PlanBasis,
  colKey: readonly string[],
  rowKey: readonly string[],
  colUpper: readonly number[],
): { colStatus: Int32Array; rowStatus: Int32Array } {
  const BASIC = 1;
  const LOWER = 0;
  const UPPER = 2;
  const prevCol = new Map<string, number>();
  prev.colKey.forEach((k, j) => prevCol.set(k, prev.colStatus[j]!));
  const prevRow = new Map<string, number>();
  prev.rowKey.forEach((k, j) => prevRow.set(k, prev.rowStatus[j]!));
  let basic = 0;
  const colStatus = Int32Array.from(colKey, (k, j) => {
    let st = prevCol.get(k) ?? LOWER;
    if (st === UPPER && !Number.isFinite(colUpper[j]!)) st = LOWER;
    if (st !== BASIC && st !== UPPER) st = LOWER;
    if (st === BASIC) basic++;
    return st;
  });
  const rowStatus = Int32Array.from(rowKey, (k) => {
    let st = prevRow.get(k) ?? BASIC;
    if (st !== BASIC) st = UPPER; // a row's activity at its upper bound (rows here have no lower bound)
    if (st === BASIC) basic++;
    return st;
  });
  // Too many basic: columns of the latest slots leave the basis; too few: binding rows' slacks enter it.
  for (let j = colStatus.length - 1; j >= 0 && basic > rowKey.length; j--)
    if (colStatus[j] === BASIC) {
      colStatus[j] = LOWER;
      basic--;
    }
  for (let r = rowStatus.length - 1; r >= 0 && basic < rowKey.length; r--)
    if (rowStatus[r] !== BASIC) {
      rowStatus[r] = BASIC;
      basic++;
    }
  return { colStatus, rowStatus };
}

/** Checks what the LP cannot: bad numbers would give a wrong plan, not an error. */
function validate(input: PlanInput): void {
  const bad = (what: string): never => {
    throw new RangeError(`planner: ${what}`);
  };
  if (!(input.slotMs > 0) || !Number.isInteger(input.slotMs))
    bad(`slotMs must be a whole number of ms above 0, not ${input.slotMs}`);
  if (!(input.horizonMs > 0)) bad(`horizonMs must be above 0, not ${input.horizonMs}`);
  if (input.demand && input.demand.windowMs % input.slotMs !== 0)
    bad(
      `the demand window (${input.demand.windowMs} ms) must be a multiple of the slot (${input.slotMs} ms)`,
    );
  for (const s of input.sessions) {
    if (!Number.isFinite(s.energyKwh) || !(s.maxA >= 0) || !(s.kwPerA > 0) || !(s.port >= 0))
      bad(`session '${s.id}': energyKwh, maxA ≥ 0, kwPerA > 0 and port ≥ 0 must be numbers`);
    if (!(s.departureMs >= s.arrivalMs)) bad(`session '${s.id}' leaves before it arrives`);
  }
  if (input.battery) validateBattery(input.battery, input.constraints.length, bad);
}

/** Plans the sessions (see the file comment); throws when HiGHS does not report an optimum. */
export function plan(highs: Highs, input: PlanInput): Plan {
  validate(input);
  const slots = lpSlots(input);
  const cols = lpColumns(input, slots);
  const rows = lpRowsOf(input, slots, cols);
  const numCols = cols.upper.length;
  const numRows = rows.upper.length;
  const { starts, indices, values } = rows;
  const model = highs.createModel({
    numCols,
    numRows,
    sense: highs.constants.objectiveSense.minimize,
    colCost: Float64Array.from(cols.cost),
    colLower: cols.lower,
    colUpper: Float64Array.from(cols.upper),
    rowLower: Float64Array.from(rows.lower, (x) => (x === -Infinity ? -highs.infinity : x)),
    rowUpper: Float64Array.from(rows.upper),
    matrix: { format: 'csr', numRows, numCols, starts, indices, values },
  });
  try {
    const iterations = solve(highs, model, input.warmStart?.basis, cols, rows);
    return {
      ...planOfSolution(input, slots, cols, model.getSolution().colValue),
      columns: numCols,
      rows: numRows,
      iterations,
      basis: ((b) => ({
        colKey: cols.key,
        rowKey: rows.key,
        colStatus: b.colStatus,
        rowStatus: b.rowStatus,
      }))(model.getBasis()),
    };
  } finally {
    model.dispose();
  }
}

/**
 * Solves the model, warm from `warm` (the previous plan's basis) when given; returns the simplex iterations
 * it took. Throws when HiGHS does not report an optimum.
 */
function solve(
  highs: Highs,
  model: HighsModel,
  warm: PlanBasis | undefined,
  cols: LpColumns,
  rows: LpRows,
): number {
  // The earlier-first weights differ by ε·kW·h/K between neighbouring slots (≈ 1e-6): below HiGHS's
  // default dual tolerance (1e-7) they would be noise, so the tolerance is tightened.
  model.options.set({ output_flag: false, dual_feasibility_tolerance: 1e-10 });
  let status: number = -1;
  let iterations = 0;
  const counted = (): void => {
    iterations += Number(model.info.get('simplex_iteration_count'));
  };
  if (warm) {
    // From the previous plan's basis, the primal simplex: the basis stays primal feasible when the cars
    // took what the plan said and only the running slot left, and a few pivots restore optimality. If it
    // takes longer than a cold start would (a new car, changed needs), start over cold.
    try {
      model.setBasis(mapBasis(warm, cols.key, rows.key, cols.upper));
      model.options.set({
        simplex_strategy: SIMPLEX_PRIMAL,
        simplex_iteration_limit: Math.max(WARM_ITERATIONS, rows.upper.length),
      });
      model.run();
      status = model.getModelStatus();
      counted();
    } catch {
      status = -1; // HiGHS rejected the basis: the cold start below
    }
  }
  if (status !== highs.constants.modelStatus.optimal) {
    if (warm) {
      model.clearSolver();
      model.options.set({
        simplex_strategy: SIMPLEX_CHOOSE,
        simplex_iteration_limit: 2_147_483_647, // HiGHS's default: no limit
      });
    }
    model.run();
    status = model.getModelStatus();
    counted();
  }
  if (status !== highs.constants.modelStatus.optimal)
    throw new Error(`the planner's LP did not solve (HiGHS model status ${status})`);
  return iterations;
}

/** The plan read from the LP's solution `x`: currents per session and slot, import, cost, demand, battery. */
function planOfSolution(
  input: PlanInput,
  slots: LpSlots,
  cols: LpColumns,
  x: ArrayLike<number>,
): Omit<Plan, 'columns' | 'rows' | 'iterations' | 'basis'> {
  const { bounds, K, hours, ext, price, exportPrice, periods } = slots;
  const { colStart, firstSlot, bat } = cols;
  const n = input.sessions.length;
  const currentA: Float64Array[] = [];
  const plannedKwh = new Float64Array(n);
  const shortKwh = new Float64Array(n);
  input.sessions.forEach((s, i) => {
    const a = new Float64Array(K);
    for (let c = colStart[i]!; c < colStart[i + 1]!; c++) {
      const k = firstSlot[i]! + c - colStart[i]!;
      a[k] = Math.min(cols.upper[c]!, Math.max(0, x[c]!));
      plannedKwh[i] = plannedKwh[i]! + a[k] * s.kwPerA * hours[k]!;
    }
    currentA.push(a);
    shortKwh[i] = Math.max(0, s.energyKwh - plannedKwh[i]!);
  });
  const importKw = new Float64Array(K);
  let energyCost = 0;
  for (let k = 0; k < K; k++) {
    let kw = ext[k]!;
    for (const i of cols.presentAt[k]!) kw += currentA[i]![k]! * input.sessions[i]!.kwPerA;
    if (bat) kw += batteryKwAt(bat, x, k);
    importKw[k] = Math.max(0, kw);
    energyCost += hours[k]! * (price[k]! * importKw[k]! - exportPrice * Math.max(0, -kw));
  }
  const peakKw = Float64Array.from(periods, (_, j) => Math.max(0, x[cols.pCol + j]!));
  const demandChargeAdded = periods.reduce(
    (sum, p, j) => sum + p.ratePerKw * Math.max(0, peakKw[j]! - Math.max(0, p.paidKw)),
    0,
  );
  return {
    slotStartsMs: bounds,
    currentA,
    plannedKwh,
    shortKwh,
    importKw,
    peakKw,
    energyCost,
    demandChargeAdded,
    battery: bat ? batterySchedule(bat, x) : undefined,
  };
}
