/** The numbers of one run (issue 7): demand met, peaks, cost, violations, fairness, compute time. */
import type { RunTrace } from './engine.ts';

/** Prices for the cost metrics; built from a tariff file by the command. */
export interface CostModel {
  /** Energy price in $/kWh at an instant. */
  energyPricePerKwh(tMs: number): number;
  /** Demand charge in $/kW of the billing period's highest 15-min demand. */
  demandChargePerKw(tMs: number): number;
  /** Billing period of an instant (e.g. '2019-03' in the tariff's zone). */
  billingPeriod(tMs: number): string;
}

export interface ConstraintViolation {
  readonly constraintId: string;
  readonly seconds: number;
  readonly ampSeconds: number;
  readonly peakUtilisationPct: number;
}

/** One row of `--json` (field names fixed by the issue) plus detail for the report. */
export interface RunMetrics {
  readonly policy: string;
  readonly capacityKw: number;
  readonly demandMetPct: number;
  readonly sessionsFullyServedPct: number;
  readonly peakKw: number;
  readonly demandPeakKw: number;
  readonly energyCost: number;
  readonly demandCharge: number;
  readonly violationAmpSeconds: number;
  readonly jainIndex: number;
  readonly stepP99Ms: number;
  readonly deliveredKwh: number;
  readonly requestedKwh: number;
  readonly sessions: number;
  readonly violations: readonly ConstraintViolation[];
  readonly runMs: number;
  /** The offline policy's LP optimum as % of demand: an upper bound for every policy (when computed). */
  readonly lpBoundPct?: number | undefined;
}

/** A session counts as fully served when at most this much of its demand is missing (rounding in pilots). */
export const FULLY_SERVED_TOL_KWH = 0.01;
const DEMAND_WINDOW_MS = 15 * 60_000;

/** Percentile (0–100) of values, nearest rank. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Jain's fairness index of x (1 = all equal, 1/n = one gets everything). */
export function jainIndex(x: readonly number[]): number {
  if (x.length === 0) return 1;
  let s = 0;
  let s2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
  }
  return s2 === 0 ? 1 : (s * s) / (x.length * s2);
}

/** Highest average grid load over clock-aligned 15-minute windows, per billing period when given. */
export function demandPeaks(trace: RunTrace, period: (tMs: number) => string): Map<string, number> {
  const sums = new Map<number, { kwh: number; key: string }>();
  for (let k = 0; k < trace.gridKw.length; k++) {
    const t = trace.startMs + k * trace.stepMs;
    const w = Math.floor(t / DEMAND_WINDOW_MS);
    const e = sums.get(w) ?? { kwh: 0, key: period(t) };
    e.kwh += Math.max(0, trace.gridKw[k]!) * (trace.stepMs / 3_600_000);
    sums.set(w, e);
  }
  const out = new Map<string, number>();
  for (const { kwh, key } of sums.values()) {
    const kw = kwh / (DEMAND_WINDOW_MS / 3_600_000);
    out.set(key, Math.max(out.get(key) ?? 0, kw));
  }
  return out;
}

/** Metrics of a finished run. */
export function runMetrics(
  trace: RunTrace,
  capacityKw: number,
  cost: CostModel | undefined,
  runMs: number,
): RunMetrics {
  let requested = 0;
  let delivered = 0;
  let full = 0;
  let counted = 0;
  const share: number[] = [];
  for (let i = 0; i < trace.sessions.length; i++) {
    const r = trace.requestedKwh[i]!;
    const d = trace.deliveredKwh[i]!;
    requested += r;
    delivered += d;
    if (r <= 0) continue;
    counted++;
    if (r - d <= FULLY_SERVED_TOL_KWH) full++;
    share.push(d / r);
  }
  let peakKw = 0;
  for (const v of trace.evKw) peakKw = Math.max(peakKw, v);
  const hours = trace.stepMs / 3_600_000;
  let energyCost = 0;
  if (cost) {
    for (let k = 0; k < trace.gridKw.length; k++) {
      const kwh = Math.max(0, trace.gridKw[k]!) * hours;
      if (kwh > 0) energyCost += kwh * cost.energyPricePerKwh(trace.startMs + k * trace.stepMs);
    }
  }
  const peaks = demandPeaks(trace, cost ? (t) => cost.billingPeriod(t) : () => 'all');
  let demandPeakKw = 0;
  let demandCharge = 0;
  for (const [key, kw] of peaks) {
    demandPeakKw = Math.max(demandPeakKw, kw);
    if (cost) {
      // The billing period's rate: taken at the period's first window with load.
      const t = firstTimeOf(trace, key, cost);
      demandCharge += kw * cost.demandChargePerKw(t);
    }
  }
  const violations = trace.network.constraints.map((c, k) => ({
    constraintId: c.id,
    seconds: trace.violationSeconds[k]!,
    ampSeconds: trace.violationAmpSeconds[k]!,
    peakUtilisationPct: trace.peakUtilisation[k]! * 100,
  }));
  return {
    policy: trace.policy,
    capacityKw,
    demandMetPct: requested > 0 ? (100 * delivered) / requested : 100,
    sessionsFullyServedPct: counted > 0 ? (100 * full) / counted : 100,
    peakKw,
    demandPeakKw,
    energyCost,
    demandCharge,
    violationAmpSeconds: violations.reduce((s, v) => s + v.ampSeconds, 0),
    jainIndex: jainIndex(share),
    stepP99Ms: percentile(trace.policyMs, 99),
    deliveredKwh: delivered,
    requestedKwh: requested,
    sessions: trace.sessions.length,
    violations,
    runMs,
  };
}

function firstTimeOf(trace: RunTrace, key: string, cost: CostModel): number {
  for (let k = 0; k < trace.gridKw.length; k++) {
    const t = trace.startMs + k * trace.stepMs;
    if (cost.billingPeriod(t) === key) return t;
  }
  return trace.startMs;
}
