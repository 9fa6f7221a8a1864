/**
 * Sizing mode: the smallest grid capacity at which a policy meets at least a target share of the demand,
 * by bisection on the capacity (demand met grows with capacity). The bracket's top starts at the
 * uncontrolled peak and doubles until the target is met.
 */
import type { RunMetrics } from './metrics.ts';
import type { RunOptions } from './run-one.ts';
import { runOne } from './run-one.ts';
import type { PolicyName, SetupOptions } from './scenario.ts';
import { buildSetup } from './scenario.ts';
import type { SimSession } from '../sessions/sim-session.ts';

/**
 * What share of the demand the target is about: of every session (`all`), or only of the cars that found a
 * port (`plugged-in`: the service the site's ports need, apart from the cars turned away for want of one).
 */
export type SizingBasis = 'all' | 'plugged-in';

export interface SizingResult {
  readonly policy: PolicyName;
  readonly targetPct: number;
  readonly basis: SizingBasis;
  /** Smallest capacity found (within `toleranceKw`), or null when the target is out of reach. */
  readonly capacityKw: number | null;
  readonly demandMetPct: number;
  /** Capacities tried, in order, with the demand met at each (on the basis). */
  readonly tried: readonly { readonly capacityKw: number; readonly demandMetPct: number }[];
  /** What uncontrolled charging meets (the ceiling when cars are never limited). */
  readonly ceilingPct: number;
}

/** The demand met that a sizing on `basis` compares with its target. */
export function metOn(m: RunMetrics, basis: SizingBasis): number {
  return basis === 'all' ? m.demandMetPct : m.pluggedInDemandMetPct;
}

/** Bisection for the smallest capacity meeting `targetPct` (of all demand, or of the cars that plugged in). */
export async function sizeFor(
  sessions: readonly SimSession[],
  setupOpts: SetupOptions,
  policy: PolicyName,
  targetPct: number,
  runOpts: RunOptions,
  toleranceKw = 0.5,
  basis: SizingBasis = 'all',
): Promise<SizingResult> {
  const tried: { capacityKw: number; demandMetPct: number }[] = [];
  const met = async (c: number): Promise<number> => {
    const { metrics } = await runOne(sessions, buildSetup(setupOpts, c), policy, runOpts);
    tried.push({ capacityKw: c, demandMetPct: metOn(metrics, basis) });
    return metOn(metrics, basis);
  };
  const free = await runOne(sessions, buildSetup(setupOpts, 1e6), 'uncontrolled', runOpts);
  const ceilingPct = metOn(free.metrics, basis);
  let hi = Math.max(1, Math.ceil(free.metrics.peakKw));
  let atHi = await met(hi);
  // No policy gives a car more than uncontrolled charging without limits does: above that ceiling (cars
  // turned away, stays too short), no capacity helps, and doubling it would only cost runs.
  if (ceilingPct < targetPct - 1e-9)
    return { policy, targetPct, basis, capacityKw: null, demandMetPct: atHi, tried, ceilingPct };
  for (let k = 0; k < 6 && atHi < targetPct; k++) {
    hi *= 2;
    atHi = await met(hi);
  }
  if (atHi < targetPct)
    return { policy, targetPct, basis, capacityKw: null, demandMetPct: atHi, tried, ceilingPct };
  let lo = 0;
  while (hi - lo > toleranceKw) {
    const mid = (lo + hi) / 2;
    const m = await met(mid);
    if (m >= targetPct) {
      hi = mid;
      atHi = m;
    } else lo = mid;
  }
  return {
    policy,
    targetPct,
    basis,
    capacityKw: Math.round(hi * 10) / 10,
    demandMetPct: atHi,
    tried,
    ceilingPct,
  };
}
