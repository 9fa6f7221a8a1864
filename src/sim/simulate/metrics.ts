/** The numbers of one run (issue 7): demand met, peaks, cost, violations, fairness, compute time. */
import type { Tariff } from '../../core/tariff.ts';
import { demandCharge, demandPeakKw, energyCost } from '../../core/tariff.ts';
import type { RunTrace } from './engine.ts';

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
  /** Cars that found no port they could use (their demand counts as not met), and their demand. */
  readonly turnedAwaySessions: number;
  readonly turnedAwayKwh: number;
  /** Energy delivered / energy demanded by the cars that found a port, %. */
  readonly pluggedInDemandMetPct: number;
  readonly deliveredKwh: number;
  readonly requestedKwh: number;
  readonly sessions: number;
  readonly violations: readonly ConstraintViolation[];
  readonly runMs: number;
  /** The offline policy's LP optimum as % of demand: an upper bound for every policy (when computed). */
  readonly lpBoundPct?: number | undefined;
  /** With a site battery: energy it took and gave at its AC side, kWh, and its state of charge at the end, %. */
  readonly batteryThroughputKwh?: number | undefined;
  readonly batteryFinalSocPct?: number | undefined;
}

/** A session counts as fully served when at most this much of its demand is missing (rounding in pilots). */
export const FULLY_SERVED_TOL_KWH = 0.01;

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

/**
 * Metrics of a finished run. Cars turned away count with their demand and nothing delivered: in the demand
 * met, the sessions fully served and Jain's index (a share of 0). Cost and the 15-min demand peak are taken on the grid import (EV load plus
 * building load less PV, never below 0) with the core's tariff arithmetic, windows aligned to the local clock.
 */
export function runMetrics(
  trace: RunTrace,
  capacityKw: number,
  tariff: Tariff | undefined,
  runMs: number,
  timeZone = tariff?.timeZone ?? 'UTC',
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
  const imported = {
    startMs: trace.startMs,
    stepMs: trace.stepMs,
    kw: Float64Array.from(trace.gridKw, (kw) => Math.max(0, kw)),
  };
  const violations = trace.network.constraints.map((c, k) => ({
    constraintId: c.id,
    seconds: trace.violationSeconds[k]!,
    ampSeconds: trace.violationAmpSeconds[k]!,
    peakUtilisationPct: trace.peakUtilisation[k]! * 100,
  }));
  let throughput = 0;
  for (const kw of trace.battery?.kw ?? []) throughput += (Math.abs(kw) * trace.stepMs) / 3_600_000;
  return {
    policy: trace.policy,
    capacityKw,
    demandMetPct: requested > 0 ? (100 * delivered) / requested : 100,
    sessionsFullyServedPct: counted > 0 ? (100 * full) / counted : 100,
    peakKw,
    demandPeakKw: demandPeakKw(imported, timeZone),
    energyCost: tariff ? energyCost(tariff, imported) : 0,
    demandCharge: tariff ? demandCharge(tariff, imported) : 0,
    violationAmpSeconds: violations.reduce((s, v) => s + v.ampSeconds, 0),
    jainIndex: jainIndex(share),
    stepP99Ms: percentile(trace.policyMs, 99),
    turnedAwaySessions: trace.assignment.turnedAwaySessions,
    turnedAwayKwh: trace.assignment.turnedAwayKwh,
    pluggedInDemandMetPct:
      requested - trace.assignment.turnedAwayKwh > 1e-9
        ? Math.min(100, (100 * delivered) / (requested - trace.assignment.turnedAwayKwh))
        : 100,
    deliveredKwh: delivered,
    requestedKwh: requested,
    sessions: trace.sessions.length,
    violations,
    runMs,
    ...(trace.battery
      ? { batteryThroughputKwh: throughput, batteryFinalSocPct: trace.battery.finalSocPct }
      : {}),
  };
}
