/** One simulation run, timed, with its metrics: what the command, the sweep and the evaluation call. */
import { performance } from 'node:perf_hooks';
import type { TaperModel } from '../world/ev-model.ts';
import type { RunTrace } from './engine.ts';
import { simulate } from './engine.ts';
import type { Tariff } from '../../core/tariff.ts';
import type { RunMetrics } from './metrics.ts';
import { runMetrics } from './metrics.ts';
import type { OfflinePolicy } from './policies/offline-policy.ts';
import type { AssignPortsMode } from './port-assignment.ts';
import type { Objective, PolicyName, Setup } from './scenario.ts';
import { makePolicy } from './scenario.ts';
import type { SimSession } from '../sessions/sim-session.ts';
import type { SiteBatterySpec } from './site-battery.ts';

export interface RunOptions {
  readonly stepMs: number;
  readonly taper?: TaperModel | undefined;
  readonly defaultMaxPowerKw?: number | undefined;
  readonly buildingKwAt?: ((tMs: number) => number) | undefined;
  readonly pvKwAt?: ((tMs: number) => number) | undefined;
  /** Prices for energy cost and demand charge (the tariff's zone also aligns the demand windows). */
  readonly tariff?: Tariff | undefined;
  /** The site's zone: demand windows follow its clock when there is no tariff. */
  readonly timeZone?: string | undefined;
  /** Where cars plug in (port-assignment.ts); default as in the data. */
  readonly assignPorts?: AssignPortsMode | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** energy (default) or cost: policies fusebox and offline then minimise energy cost + demand charge. */
  readonly objective?: Objective | undefined;
  /** A site battery at the grid connection (site-battery.ts). */
  readonly battery?: SiteBatterySpec | undefined;
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
  const { buildingKwAt, pvKwAt } = opts;
  const external =
    buildingKwAt || pvKwAt ? (t: number) => (buildingKwAt?.(t) ?? 0) - (pvKwAt?.(t) ?? 0) : undefined;
  const p = makePolicy(policy, setup, opts.defaultMaxPowerKw, external, {
    objective: opts.objective,
    tariff: opts.tariff,
    timeZone: opts.timeZone ?? opts.tariff?.timeZone,
    battery: opts.battery,
  });
  const t0 = performance.now();
  const trace = await simulate(sessions, setup.network, p, {
    stepMs: opts.stepMs,
    taper: opts.taper,
    defaultMaxPowerKw: opts.defaultMaxPowerKw,
    buildingKwAt: opts.buildingKwAt,
    pvKwAt: opts.pvKwAt,
    assignPorts: opts.assignPorts,
    onProgress: opts.onProgress,
    battery: opts.battery,
  });
  const ms = performance.now() - t0;
  const metrics = runMetrics(
    trace,
    setup.capacityKw,
    opts.tariff,
    ms,
    opts.timeZone ?? opts.tariff?.timeZone,
  );
  const bound = policy === 'offline' ? (p as OfflinePolicy).boundPct : undefined;
  return { metrics: bound === undefined ? metrics : { ...metrics, lpBoundPct: bound }, trace };
}
