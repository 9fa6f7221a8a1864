/**
 * The planner's linear program (planner.ts states it): the horizon's slots, the columns with their bounds
 * and costs (the objective) and the rows, in the order the warm start's keys name them. Pure.
 */
import type { BatteryColumns } from './battery-lp.ts';
import {
  addBatteryColumns,
  batteryEnergyRow,
  batteryImportTerms,
  batteryLimitTerms,
  batteryLowerBounds,
  batteryPerKw,
} from './battery-lp.ts';
import type { PlanDemandPeriod, PlanInput } from './plan-types.ts';

/** Weight that breaks ties towards earlier charging, $/kWh at the end of the horizon. */
const EARLY_WEIGHT = 1e-3;

/** The slot boundaries: now, then every multiple of slotMs, until the horizon or the last departure. */
export function slotBoundaries(input: PlanInput): Float64Array {
  const { nowMs, slotMs } = input;
  let endMs = nowMs + input.horizonMs;
  let lastDeparture = nowMs;
  for (const s of input.sessions) lastDeparture = Math.max(lastDeparture, s.departureMs);
  // A battery is planned over the whole horizon; the cars alone until the last one leaves.
  if (!input.battery) endMs = Math.min(endMs, lastDeparture);
  const out = [nowMs];
  for (let t = (Math.floor(nowMs / slotMs) + 1) * slotMs; t < endMs; t += slotMs) out.push(t);
  if (endMs > nowMs) out.push(endMs);
  return Float64Array.from(out);
}

/** The horizon's slots and what each is worth. */
export interface LpSlots {
  readonly bounds: Float64Array;
  /** The number of slots. */
  readonly K: number;
  /** Per slot, its length in hours. */
  readonly hours: Float64Array;
  readonly endMs: number;
  /** Per slot, the net building load, kW. */
  readonly ext: Float64Array;
  /** Per slot, the import price, $/kWh. */
  readonly price: Float64Array;
  readonly exportPrice: number;
  readonly periods: readonly PlanDemandPeriod[];
  readonly windowMs: number;
  readonly windowH: number;
  /** The epoch-aligned slot of slot k: what its columns and rows are keyed by. */
  readonly slotKey: (k: number) => number;
}

export function lpSlots(input: PlanInput): LpSlots {
  const bounds = slotBoundaries(input);
  const K = Math.max(0, bounds.length - 1);
  const windowMs = input.demand?.windowMs ?? input.slotMs;
  return {
    bounds,
    K,
    hours: Float64Array.from({ length: K }, (_, k) => (bounds[k + 1]! - bounds[k]!) / 3_600_000),
    endMs: bounds[K] ?? input.nowMs,
    ext: Float64Array.from({ length: K }, (_, k) => input.externalKw?.(bounds[k]!) ?? 0),
    price: Float64Array.from({ length: K }, (_, k) => input.pricePerKwh(bounds[k]!)),
    exportPrice: input.exportPricePerKwh ?? 0,
    periods: input.demand?.periods ?? [],
    windowMs,
    windowH: windowMs / 3_600_000,
    slotKey: (k) => Math.floor(bounds[k]! / input.slotMs),
  };
}

/**
 * The objective's weights on the cars' energy (planner.ts): M, the energy-first penalty (at least 1000 $/kWh
 * and ten times the dearest kWh the tariff can make), and the earlier-first ε (0 when not preferred).
 */
function energyWeights(input: PlanInput, slots: LpSlots): { readonly M: number; readonly early: number } {
  let maxRate = 0;
  for (const p of slots.periods) maxRate = Math.max(maxRate, p.ratePerKw);
  let maxPrice = 0;
  for (const x of slots.price) maxPrice = Math.max(maxPrice, Math.abs(x));
  const M = Math.max(1000, 10 * (maxPrice + Math.abs(slots.exportPrice) + maxRate / slots.windowH));
  return { M, early: input.preferEarly === false ? 0 : EARLY_WEIGHT };
}

/** The LP's columns: x per session and slot it is present in (contiguous per session), the battery's, g, P. */
export interface LpColumns {
  readonly upper: number[];
  readonly lower: Float64Array;
  /** The objective: each column's cost. */
  readonly cost: number[];
  readonly key: string[];
  /** Per session, its first slot and its first column (colStart[n]: past the last x column). */
  readonly firstSlot: Int32Array;
  readonly colStart: Int32Array;
  /** Per slot, the sessions present in it. */
  readonly presentAt: number[][];
  readonly bat: BatteryColumns | undefined;
  /** The first g (import per slot) and P (demand per period) column. */
  readonly gCol: number;
  readonly pCol: number;
}

/** The column of session i in slot k (k within its stay). */
export function xCol(cols: LpColumns, i: number, k: number): number {
  return cols.colStart[i]! + k - cols.firstSlot[i]!;
}

/** The columns with their bounds and costs (the objective). */
export function lpColumns(input: PlanInput, slots: LpSlots): LpColumns {
  const { bounds, K, hours, price, exportPrice, periods, slotKey } = slots;
  const { M, early } = energyWeights(input, slots);
  const n = input.sessions.length;
  const firstSlot = new Int32Array(n);
  const colStart = new Int32Array(n + 1);
  const colUpper: number[] = [];
  const colCost: number[] = [];
  const colKey: string[] = [];
  const presentAt: number[][] = Array.from({ length: K }, () => []);
  input.sessions.forEach((s, i) => {
    colStart[i] = colUpper.length;
    let first = -1;
    for (let k = 0; k < K; k++) {
      const overlap = Math.min(bounds[k + 1]!, s.departureMs) - Math.max(bounds[k]!, s.arrivalMs);
      if (overlap <= 0) {
        if (first >= 0) break;
        continue;
      }
      if (first < 0) first = k;
      const len = bounds[k + 1]! - bounds[k]!;
      colUpper.push(overlap >= len ? s.maxA : (s.maxA * overlap) / len);
      const kwh = s.kwPerA * hours[k]!; // kWh per A in this slot
      colCost.push(kwh * (exportPrice - M + (early * k) / Math.max(1, K)));
      colKey.push(`x${s.id}|${slotKey(k)}`);
      presentAt[k]!.push(i);
    }
    firstSlot[i] = Math.max(0, first);
  });
  colStart[n] = colUpper.length;
  // The battery's c, d and e per slot (battery-lp.ts).
  const bat: BatteryColumns | undefined = input.battery
    ? addBatteryColumns(input.battery, hours, slotKey, { upper: colUpper, cost: colCost, key: colKey })
    : undefined;
  const gCol = colUpper.length;
  for (let k = 0; k < K; k++) {
    colUpper.push(Infinity);
    colCost.push((price[k]! - exportPrice) * hours[k]!);
    colKey.push(`g${slotKey(k)}`);
  }
  const pCol = colUpper.length;
  const colLower = new Float64Array(pCol + periods.length);
  periods.forEach((p, j) => {
    colUpper.push(Infinity);
    colCost.push(p.ratePerKw);
    colKey.push(`P${p.startMs}`);
    colLower[pCol + j] = Math.max(0, p.paidKw);
  });
  if (bat) batteryLowerBounds(bat, colLower);
  const cols = { upper: colUpper, lower: colLower, cost: colCost, key: colKey, firstSlot, colStart };
  return { ...cols, presentAt, bat, gCol, pCol };
}

/** The LP's rows in CSR form, each with its bounds and key. */
export class LpRows {
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly upper: number[] = [];
  readonly lower: number[] = [];
  readonly key: string[] = [];

  /** Ends the row whose terms were pushed since the last. */
  end(upper: number, key: string, lower = -Infinity): void {
    this.starts.push(this.indices.length);
    this.upper.push(upper);
    this.lower.push(lower);
    this.key.push(key);
  }
}

/** The rows: energy by departure, the limits, the import per slot (and battery energy), the demand windows. */
export function lpRowsOf(input: PlanInput, slots: LpSlots, cols: LpColumns): LpRows {
  const rows = new LpRows();
  energyRows(input, slots, cols, rows);
  limitRows(input, slots, cols, rows);
  importRows(input, slots, cols, rows);
  demandRows(input, slots, cols, rows);
  return rows;
}

/** What of a session's need must come within the horizon: pro rata to its stay in it, or what cannot come after. */
function needInHorizon(s: PlanInput['sessions'][number], fromMs: number, endMs: number): number {
  const need = Math.max(0, s.energyKwh);
  if (s.departureMs <= endMs) return need;
  const stay = s.departureMs - Math.max(fromMs, s.arrivalMs);
  const inside = Math.max(0, endMs - Math.max(fromMs, s.arrivalMs));
  const afterKwh = (s.maxA * s.kwPerA * (s.departureMs - endMs)) / 3_600_000;
  return Math.max(stay > 0 ? (need * inside) / stay : need, need - afterKwh, 0);
}

/** Energy by departure, per session. */
function energyRows(input: PlanInput, slots: LpSlots, cols: LpColumns, rows: LpRows): void {
  const { colStart, firstSlot } = cols;
  input.sessions.forEach((s, i) => {
    const count = colStart[i + 1]! - colStart[i]!;
    if (count === 0) return;
    for (let c = 0; c < count; c++) {
      rows.indices.push(colStart[i]! + c);
      rows.values.push(s.kwPerA * slots.hours[firstSlot[i]! + c]!);
    }
    rows.end(needInHorizon(s, input.nowMs, slots.endMs), `e${s.id}`);
  });
}

/** Limits per slot, over the sessions present; a row that cannot bind is left out. */
function limitRows(input: PlanInput, slots: LpSlots, cols: LpColumns, rows: LpRows): void {
  const { K, ext, slotKey } = slots;
  const { colStart, firstSlot, bat } = cols;
  const { starts, indices, values } = rows;
  let ports = 0;
  for (const s of input.sessions) ports = Math.max(ports, s.port + 1);
  const coefOf = new Float64Array(ports);
  const onPort: number[][] = Array.from({ length: ports }, () => []);
  input.sessions.forEach((s, i) => onPort[s.port]!.push(i));
  const seen = new Int32Array(ports);
  input.constraints.forEach((c, ci) => {
    coefOf.fill(0);
    for (let j = 0; j < c.ports.length; j++)
      if (c.ports[j]! < ports) coefOf[c.ports[j]!] = coefOf[c.ports[j]!]! + c.coef[j]!;
    // The sessions under this limit (in session order, as the other rows), once; then per slot those present.
    const members: number[] = [];
    for (let j = 0; j < c.ports.length; j++) {
      const port = c.ports[j]!;
      if (port >= ports || coefOf[port] === 0 || seen[port] === ci + 1) continue;
      seen[port] = ci + 1;
      members.push(...onPort[port]!);
    }
    members.sort((x, y) => x - y);
    const batKw = bat ? batteryPerKw(bat, c, ci) : 0;
    for (let k = 0; k < K; k++) {
      const limit = Math.max(0, c.limitA - (c.externalPerKw ?? 0) * ext[k]!);
      let most = bat && batKw !== 0 ? batKw * bat.spec.maxChargeKw : 0;
      const at = starts.length;
      for (const i of members) {
        if (k < firstSlot[i]! || k >= firstSlot[i]! + colStart[i + 1]! - colStart[i]!) continue;
        const a = coefOf[input.sessions[i]!.port]!;
        const col = xCol(cols, i, k);
        indices.push(col);
        values.push(a);
        if (a > 0) most += a * cols.upper[col]!;
      }
      if (most <= limit) {
        indices.length = starts[at - 1]!;
        values.length = starts[at - 1]!;
        continue;
      }
      if (bat && batKw !== 0) batteryLimitTerms(bat, batKw, k, indices, values);
      rows.end(limit, `l${ci}|${slotKey(k)}`);
    }
  });
}

/** Import: Σ kW x (+ c − d) − g ≤ −ext; with a battery, its energy row after each. */
function importRows(input: PlanInput, slots: LpSlots, cols: LpColumns, rows: LpRows): void {
  const { bat } = cols;
  for (let k = 0; k < slots.K; k++) {
    for (const i of cols.presentAt[k]!) {
      rows.indices.push(xCol(cols, i, k));
      rows.values.push(input.sessions[i]!.kwPerA);
    }
    if (bat) batteryImportTerms(bat, k, rows.indices, rows.values);
    rows.indices.push(cols.gCol + k);
    rows.values.push(-1);
    rows.end(-slots.ext[k]!, `i${slots.slotKey(k)}`);
    if (bat) {
      const e = batteryEnergyRow(bat, k, slots.hours[k]!, rows.indices, rows.values);
      rows.end(e, `b${slots.slotKey(k)}`, e);
    }
  }
}

/** Demand windows: the average import of each window ≤ its period's P. */
function demandRows(input: PlanInput, slots: LpSlots, cols: LpColumns, rows: LpRows): void {
  const { bounds, K, hours, periods, windowMs, windowH } = slots;
  if (!input.demand || periods.length === 0) return;
  const nowWindow = Math.floor(input.nowMs / windowMs);
  let k = 0;
  while (k < K) {
    const w = Math.floor(bounds[k]! / windowMs);
    const wStart = w * windowMs;
    const p = periods.findIndex((q) => wStart + windowMs > q.startMs && wStart < q.endMs);
    const from = k;
    while (k < K && Math.floor(bounds[k]! / windowMs) === w) k++;
    if (p < 0 || !(periods[p]!.ratePerKw > 0)) continue;
    for (let j = from; j < k; j++) {
      rows.indices.push(cols.gCol + j);
      rows.values.push(hours[j]! / windowH);
    }
    rows.indices.push(cols.pCol + p);
    rows.values.push(-1);
    rows.end(w === nowWindow ? -Math.max(0, input.demand.windowEnergySoFarKwh) / windowH : 0, `w${w}`);
  }
}
