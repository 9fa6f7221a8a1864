/** The runs of the evaluation (bench/eval.ts): the workload, the sweeps, every policy on a network model. */
import type { SimSession } from '../../src/sim/sessions/sim-session.ts';
import { simulate } from '../../src/sim/simulate/engine.ts';
import type { RunMetrics } from '../../src/sim/simulate/metrics.ts';
import { runMetrics } from '../../src/sim/simulate/metrics.ts';
import { sortedPolicy } from '../../src/sim/simulate/policies/sorted-policy.ts';
import { runOne } from '../../src/sim/simulate/run-one.ts';
import type { NetworkKind, PolicyName } from '../../src/sim/simulate/scenario.ts';
import { buildSetup } from '../../src/sim/simulate/scenario.ts';
import { datasetPath } from '../../src/sim/testing/datasets.ts';
import { PUBLISHED_STATS, fmtReading, reading1, reading3 } from './published.ts';
import { NAME, f2 } from './tables.ts';

export const WORKLOAD = datasetPath('acn-sim-case-study/caltech_2019-03_acnsim_events_5min.csv.gz');
export const STEP_MS = 5 * 60_000;
export const FULL_SWEEP = Array.from({ length: 27 }, (_, k) => 10 + 5 * k);
export const QUICK_SWEEP = [10, 20, 30, 50, 80, 125];
export const POLICIES: PolicyName[] = [
  'uncontrolled',
  'fcfs',
  'edf',
  'llf',
  'round-robin',
  'fusebox',
  'offline',
];

export interface NetworkResult {
  readonly kind: NetworkKind;
  readonly label: string;
  readonly runs: Map<string, RunMetrics[]>;
}

export async function runNetwork(
  sessions: readonly SimSession[],
  kind: NetworkKind,
  label: string,
  capacities: readonly number[],
  policies: readonly PolicyName[],
  log: (s: string) => void,
): Promise<NetworkResult> {
  const runs = new Map<string, RunMetrics[]>();
  const opts = {
    kind,
    stationIds: sessions.map((s) => s.stationId),
    voltageV: 208,
    evseMaxA: 32,
    evseMinA: 0,
  };
  for (const p of policies) {
    const list: RunMetrics[] = [];
    for (const c of capacities) {
      const { metrics } = await runOne(sessions, buildSetup(opts, c), p, { stepMs: STEP_MS });
      list.push(metrics);
      log(`${label} ${p} ${c} kW: ${metrics.demandMetPct.toFixed(2)} % (${metrics.runMs.toFixed(0)} ms)`);
    }
    runs.set(p, list);
  }
  return { kind, label, runs };
}

export interface VariantRow {
  readonly model: string;
  readonly capacityKw: number;
  readonly policy: string;
  readonly capped: number;
  readonly overcharging: number;
  readonly published: string;
}

/** FCFS/EDF/LLF with acnportal's allow_overcharging on, at 10 and 20 kW on both published models. */
export async function overchargingVariant(
  sessions: readonly SimSession[],
  three: NetworkResult,
  one: NetworkResult,
): Promise<VariantRow[]> {
  const rows: VariantRow[] = [];
  for (const [res, kind, model] of [
    [three, 'caltech', '3-phase'],
    [one, 'aggregate', '1-phase'],
  ] as const) {
    for (const c of [10, 20]) {
      const k = res.runs.get('fcfs')?.findIndex((m) => m.capacityKw === c) ?? -1;
      if (k < 0) continue;
      const setup = buildSetup(
        { kind, stationIds: sessions.map((x) => x.stationId), voltageV: 208, evseMaxA: 32, evseMinA: 0 },
        c,
      );
      for (const p of ['fcfs', 'edf', 'llf'] as const) {
        const trace = await simulate(sessions, setup.network, sortedPolicy(p, { allowOvercharging: true }), {
          stepMs: STEP_MS,
        });
        const pub = PUBLISHED_STATS[p]!;
        const published =
          c === 10
            ? f2(model === '3-phase' ? pub.min3 : pub.min1)
            : fmtReading((model === '3-phase' ? reading3 : reading1)(p, c));
        rows.push({
          model,
          capacityKw: c,
          policy: NAME[p]!,
          capped: res.runs.get(p)![k]!.demandMetPct,
          overcharging: runMetrics(trace, c, undefined, 0).demandMetPct,
          published,
        });
      }
    }
  }
  return rows;
}
