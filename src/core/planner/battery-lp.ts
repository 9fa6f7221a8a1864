/**
 * The battery's part of the planner's LP (planner.ts `plan`, with `PlanInput.battery`), the one place its
 * columns and rows are written: used by the live planner (src/control/live-planner.ts) and the offline study
 * (src/sim/simulate/policies/offline-cost.ts `offlineBatteryPlan`) alike.
 *
 * Per slot k of h_k hours: its charge c_k ∈ [0, maxChargeKw] and discharge d_k ∈ [0, maxDischargeKw] (kW at
 * its AC side) and its energy at the end of the slot e_k ∈ [minKwh, maxKwh], with
 *
 *   e_k − e_{k−1} − η·h_k·c_k + (h_k/η)·d_k = 0,   e_{−1} = its energy now   (η: one-way efficiency)
 *   Σ coef·x_ik + perKw·(c_k − d_k) ≤ limit − perKw_ext·ext_k      on every limit row it is under
 *   Σ kW_i x_ik + c_k − d_k − g_k ≤ −ext_k                          (the grid import)
 *
 * Its columns cost nothing of their own but `wearPerKwh` on c and d (default 0): what it saves or costs comes
 * through the grid import g_k (energy price, demand windows). Without an end condition on e, the plan may leave it empty at the horizon's end;
 * the reserve holds throughout.
 */
import type { PlanBattery, PlanConstraint } from './plan-types.ts';

/** Where the battery's columns are, and its numbers, for the rows. */
export interface BatteryColumns {
  readonly spec: PlanBattery;
  /** First column of c, d and e (K each, in slot order). */
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly slots: number;
}

/** Checks the battery's numbers (`bad` throws with the planner's prefix). */
export function validateBattery(b: PlanBattery, constraints: number, bad: (what: string) => never): void {
  const nums = [b.energyKwh, b.minKwh, b.maxKwh, b.maxChargeKw, b.maxDischargeKw, b.efficiency];
  if (!nums.every(Number.isFinite)) bad('battery: every number must be finite');
  if (!(b.minKwh >= 0 && b.minKwh <= b.maxKwh)) bad(`battery: minKwh ${b.minKwh} must be within 0..maxKwh`);
  if (!(b.energyKwh >= b.minKwh - 1e-9 && b.energyKwh <= b.maxKwh + 1e-9))
    bad(`battery: its energy ${b.energyKwh} kWh must be within minKwh..maxKwh`);
  if (!(b.maxChargeKw >= 0 && b.maxDischargeKw >= 0)) bad('battery: power limits must be ≥ 0');
  if (!((b.wearPerKwh ?? 0) >= 0)) bad(`battery: wearPerKwh ${b.wearPerKwh} must be ≥ 0`);
  if (!(b.efficiency > 0 && b.efficiency <= 1)) bad(`battery: efficiency ${b.efficiency} must be in (0, 1]`);
  if (b.perKw && b.perKw.length !== constraints)
    bad(`battery: perKw has ${b.perKw.length} entries for ${constraints} limit rows`);
}

/** Appends c, d and e per slot to the planner's columns (their lower bounds: `batteryLowerBounds`). */
export function addBatteryColumns(
  spec: PlanBattery,
  hours: Float64Array,
  slotKey: (k: number) => number,
  cols: { upper: number[]; cost: number[]; key: string[] },
): BatteryColumns {
  const slots = hours.length;
  const wear = spec.wearPerKwh ?? 0;
  const add = (upper: number, name: string, perKwh: number): number => {
    const first = cols.upper.length;
    for (let k = 0; k < slots; k++) {
      cols.upper.push(upper);
      cols.cost.push(perKwh * hours[k]!);
      cols.key.push(`${name}|${slotKey(k)}`);
    }
    return first;
  };
  const c = add(spec.maxChargeKw, 'bc', wear);
  const d = add(spec.maxDischargeKw, 'bd', wear);
  const e = add(spec.maxKwh, 'be', 0);
  return { spec, c, d, e, slots };
}

/** The energy columns' lower bound: the reserve. */
export function batteryLowerBounds(b: BatteryColumns, colLower: Float64Array): void {
  for (let k = 0; k < b.slots; k++) colLower[b.e + k] = b.spec.minKwh;
}

/** The battery's units per kW on a limit row (0: not under it). */
export function batteryPerKw(b: BatteryColumns, c: PlanConstraint, ci: number): number {
  return b.spec.perKw ? b.spec.perKw[ci]! : (c.externalPerKw ?? 0);
}

/** The battery's terms in a limit row of slot k (after the sessions' terms). */
export function batteryLimitTerms(
  b: BatteryColumns,
  perKw: number,
  k: number,
  indices: number[],
  values: number[],
): void {
  indices.push(b.c + k, b.d + k);
  values.push(perKw, -perKw);
}

/** The battery's terms in the import row of slot k (after the sessions', before g_k). */
export function batteryImportTerms(b: BatteryColumns, k: number, indices: number[], values: number[]): void {
  indices.push(b.c + k, b.d + k);
  values.push(1, -1);
}

/** The energy row of slot k (`hours`: its length); returns its bound (an equality). */
export function batteryEnergyRow(
  b: BatteryColumns,
  k: number,
  hours: number,
  indices: number[],
  values: number[],
): number {
  const eta = b.spec.efficiency;
  indices.push(b.e + k);
  values.push(1);
  if (k > 0) {
    indices.push(b.e + k - 1);
    values.push(-1);
  }
  indices.push(b.c + k, b.d + k);
  values.push(-eta * hours, hours / eta);
  return k > 0 ? 0 : b.spec.energyKwh;
}

/** The battery's power per slot (charging positive, kW) in a solution. */
export function batteryKwAt(b: BatteryColumns, x: ArrayLike<number>, k: number): number {
  return x[b.c + k]! - x[b.d + k]!;
}

/** The schedule in a solution: kW per slot (charging positive) and energy after each slot. */
export function batterySchedule(
  b: BatteryColumns,
  x: ArrayLike<number>,
): { kw: Float64Array; energyKwh: Float64Array } {
  return {
    kw: Float64Array.from({ length: b.slots }, (_, k) => batteryKwAt(b, x, k)),
    energyKwh: Float64Array.from({ length: b.slots }, (_, k) =>
      Math.min(b.spec.maxKwh, Math.max(b.spec.minKwh, x[b.e + k]!)),
    ),
  };
}
