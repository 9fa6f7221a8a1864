/** One simulation run, timed, with its metrics: what the command, the sweep and the evaluation call. */
import { performance } from 'node:perf_hooks';
import type { TaperModel } from './battery.ts';
import type { RunTrace } from './engine.ts';
import { simulate } from './engine.ts';
import type { CostModel, RunMetrics } from './metrics.ts';
import { runMetrics } from './metrics.ts';
import type { OfflinePolicy } from './policies/offline-policy.ts';
import type { PolicyName, Setup } from './scenario.ts';
import { makePolicy } from './scenario.ts';
import type { SimSession } from '../sessions/sim-session.ts';

export interface RunOptions {
  readonly stepMs: number;
  readonly taper?: TaperModel | undefined;
  readonly defaultMaxPowerKw?: number | undefined;
  readonly buildingKwAt?: ((tMs: number) => number) | undefined;
  readonly pvKwAt?: ((tMs: number) => number) | undefined;
  readonly cost?: CostModel | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface RunOutcome {
  readonly metrics: RunMetrics;
  readonly trace: RunTrace;
}

/** Runs `policy` on `setup` over the sessions. */
export async function runOne(
  sessions: readonly SimSession[],
  setup: Setup,
  policy: PolicyName,
  opts: RunOptions,
): Promise<RunOutcome> {
  const p = makePolicy(policy, setup, opts.defaultMaxPowerKw);
  const t0 = performance.now();
  const trace = await simulate(sessions, setup.network, p, {
    stepMs: opts.stepMs,
    taper: opts.taper,
    defaultMaxPowerKw: opts.defaultMaxPowerKw,
    buildingKwAt: opts.buildingKwAt,
    pvKwAt: opts.pvKwAt,
    onProgress: opts.onProgress,
  });
  const ms = performance.now() - t0;
  const metrics = runMetrics(trace, setup.capacityKw, opts.cost, ms);
  const bound = policy === 'offline' ? (p as OfflinePolicy).boundPct : undefined;
  return { metrics: bound === undefined ? metrics : { ...metrics, lpBoundPct: bound }, trace };
}
