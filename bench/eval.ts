/**
 * `npm run eval`: the ACN-Sim algorithm comparison reproduced (datasets/published.md §1.4 A, protocol §1.5).
 * Caltech, March 2019, 954 sessions, 5-min steps, 208 V, 6.6 kW cars, BASIC EVSEs (0–32 A continuous);
 * transformer 10…125 kW step 5; the exact three-phase network and the single-phase aggregate model (plus
 * the linearized three-phase one, for reference); every policy. Writes docs/evaluation.md.
 * The sweep is 10…140 kW: the published means are over 27 capacities, and 27 steps of 5 kW from 10 kW end at
 * 140 kW (datasets/published.md's "10 to 125" gives 24); our means match the published ones over 10–140 only.
 * Options: --quick (capacities 10, 20, 30, 50, 80, 125), --no-offline (skip the LPs), --out FILE,
 * --cost-capacities 50,80 (the cost section's capacities, default 50), --cost-only (rewrite only the cost
 * section, bench/eval-cost.ts, of the existing document).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importSessionsFile } from '../src/sim/sessions/import-sessions.ts';
import type { SimSession } from '../src/sim/sessions/sim-session.ts';
import { simulate } from '../src/sim/simulate/engine.ts';
import type { RunMetrics } from '../src/sim/simulate/metrics.ts';
import { runMetrics } from '../src/sim/simulate/metrics.ts';
import { sortedPolicy } from '../src/sim/simulate/policies/sorted-policy.ts';
import { runOne } from '../src/sim/simulate/run-one.ts';
import type { NetworkKind, PolicyName } from '../src/sim/simulate/scenario.ts';
import { buildSetup } from '../src/sim/simulate/scenario.ts';
import { datasetPath } from '../src/sim/testing/datasets.ts';
import { COST_HEADING, costSection } from './eval-cost.ts';

const WORKLOAD = datasetPath('acn-sim-case-study/caltech_2019-03_acnsim_events_5min.csv.gz');
const OUT = fileURLToPath(new URL('../docs/evaluation.md', import.meta.url));
const STEP_MS = 5 * 60_000;
const FULL_SWEEP = Array.from({ length: 27 }, (_, k) => 10 + 5 * k);
const QUICK_SWEEP = [10, 20, 30, 50, 80, 125];
const POLICIES: PolicyName[] = ['uncontrolled', 'fcfs', 'edf', 'llf', 'round-robin', 'fusebox', 'offline'];

/** Published numbers (datasets/published.md §1.4 A): exact summary statistics over the 27 capacities. */
const PUBLISHED_STATS: Record<string, { mean3: number; min3: number; mean1: number; min1: number }> = {
  uncontrolled: { mean3: 99.94, min3: 99.88, mean1: 99.94, min1: 99.88 },
  fcfs: { mean3: 91.34, min3: 34.65, mean1: 95.53, min1: 54.74 },
  edf: { mean3: 93.1, min3: 36.94, mean1: 96.67, min1: 57.63 },
  llf: { mean3: 93.21, min3: 36.82, mean1: 96.86, min1: 58.56 },
  'round-robin': { mean3: 92.29, min3: 43.85, mean1: 95.39, min1: 55.08 },
  mpc: { mean3: 95.06, min3: 51.4, mean1: 96.89, min1: 58.72 },
  offline: { mean3: 95.26, min3: 52.09, mean1: 96.96, min1: 59.17 },
};

/** A value read off the published plot: a range [lo, hi] (±1 point reading accuracy comes on top). */
type Reading = readonly [number, number] | undefined;
const r = (lo: number, hi = lo): Reading => [lo, hi];
/** Three-phase plot readings by capacity (datasets/published.md §1.4 A: "≥ 60" applies to every capacity from 60 kW). */
function reading3(policy: string, c: number): Reading {
  const at = <T>(table: Record<number, T>): T | undefined => table[c];
  const big = c >= 60;
  switch (policy) {
    case 'offline':
    case 'mpc':
      return big ? r(99.9, 100) : at({ 20: r(78), 30: r(92.5), 40: r(98.5), 50: r(99.7) });
    case 'llf':
    case 'edf':
      return big ? r(99.5, 100) : at({ 20: r(71), 30: r(86, 87), 40: r(96, 97), 50: r(99) });
    case 'round-robin':
    case 'fcfs': {
      if (c === 60) return r(97.5);
      if (c >= 80) return r(99.5);
      const rr = policy === 'round-robin';
      return at(
        rr
          ? { 20: r(68), 30: r(83), 40: r(91), 50: r(95, 96) }
          : { 20: r(67), 30: r(80), 40: r(90.5), 50: r(95) },
      );
    }
    default:
      return undefined;
  }
}
/** Single-phase readings: at 20 kW, and "≥ 99 from about 35 kW (EDF/LLF/MPC) or 50 kW (RR/FCFS)". */
function reading1(policy: string, c: number): Reading {
  const sorted = policy === 'edf' || policy === 'llf' || policy === 'mpc' || policy === 'offline';
  if (c === 20) return sorted ? r(87, 89) : policy === 'round-robin' || policy === 'fcfs' ? r(81) : undefined;
  if ((sorted && c >= 35) || ((policy === 'round-robin' || policy === 'fcfs') && c >= 50)) return r(99, 100);
  return undefined;
}

function fmtReading(x: Reading): string {
  if (!x) return '–';
  return x[0] === x[1] ? `≈${x[0]}` : x[1] === 100 && x[0] >= 99 ? `≥${x[0]}` : `≈${x[0]}–${x[1]}`;
}
/** Signed distance from the reading's range (0 inside it). */
function gapToReading(v: number, x: Reading): number {
  if (!x) return 0;
  if (v < x[0]) return v - x[0];
  if (v > x[1]) return v - x[1];
  return 0;
}

interface NetworkResult {
  readonly kind: NetworkKind;
  readonly label: string;
  readonly runs: Map<string, RunMetrics[]>;
}

async function runNetwork(
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

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const f2 = (x: number): string => x.toFixed(2);

function perCapacityTable(
  res: NetworkResult,
  capacities: readonly number[],
  reading: (p: string, c: number) => Reading,
): string {
  const cols: [string, string][] = [
    ['fcfs', 'FCFS'],
    ['edf', 'EDF'],
    ['llf', 'LLF'],
    ['round-robin', 'RR'],
  ];
  const head = [
    '| kW | FCFS ours | pub | EDF ours | pub | LLF ours | pub | RR ours | pub | Fusebox | MPC pub | offline ours | LP bound | offline pub |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows = capacities.map((c, k) => {
    const cell = (p: string): string => {
      const m = res.runs.get(p)?.[k];
      return m ? f2(m.demandMetPct) : 'n/a';
    };
    const off = res.runs.get('offline')?.[k];
    const parts = [`${c}`];
    for (const [p] of cols) parts.push(cell(p), fmtReading(reading(p, c)));
    parts.push(cell('fusebox'), fmtReading(reading('mpc', c)));
    parts.push(
      off ? f2(off.demandMetPct) : 'n/a',
      off?.lpBoundPct === undefined ? 'n/a' : f2(off.lpBoundPct),
    );
    parts.push(fmtReading(reading('offline', c)));
    return `| ${parts.join(' | ')} |`;
  });
  return [...head, ...rows].join('\n');
}

const NAME: Record<string, string> = {
  uncontrolled: 'Uncontrolled',
  fcfs: 'FCFS',
  edf: 'EDF',
  llf: 'LLF',
  'round-robin': 'RR',
  fusebox: 'Fusebox',
  offline: 'Offline optimal',
  mpc: 'MPC (cost-min)',
};

function summaryTable(three: NetworkResult, one: NetworkResult, full: boolean): string {
  const lines = [
    `| algorithm | 3-phase mean ours | pub | 3-phase min (10 kW) ours | pub | 1-phase mean ours | pub | 1-phase min ours | pub |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of ['uncontrolled', 'fcfs', 'edf', 'llf', 'round-robin', 'mpc', 'offline', 'fusebox']) {
    const pub = PUBLISHED_STATS[p];
    const a = three.runs.get(p)?.map((m) => m.demandMetPct);
    const b = one.runs.get(p)?.map((m) => m.demandMetPct);
    const stat = (xs: number[] | undefined, f: (x: number[]) => number): string =>
      xs && xs.length ? f2(f(xs)) : '–';
    const mn = (xs: number[]): number => Math.min(...xs);
    lines.push(
      `| ${NAME[p]} | ${stat(a, mean)} | ${pub ? f2(pub.mean3) : '–'} | ${stat(a, mn)} | ${pub ? f2(pub.min3) : '–'} | ${stat(b, mean)} | ${pub ? f2(pub.mean1) : '–'} | ${stat(b, mn)} | ${pub ? f2(pub.min1) : '–'} |`,
    );
  }
  if (!full) {
    lines.push(
      '',
      '_Quick run: means over the quick capacities only, not comparable with the published means._',
    );
    return lines.join('\n');
  }
  const bound = (res: NetworkResult, f: (x: number[]) => number): string => {
    const xs = res.runs.get('offline')?.map((m) => m.lpBoundPct ?? Number.NaN);
    return xs && xs.length ? f2(f(xs)) : '–';
  };
  const mn = (xs: number[]): number => Math.min(...xs);
  lines.push(
    `| Offline LP bound | ${bound(three, mean)} | | ${bound(three, mn)} | | ${bound(one, mean)} | | ${bound(one, mn)} | |`,
  );
  lines.push('', 'Means over 10–125 kW only (24 capacities), for reference:', '');
  lines.push('| algorithm | 3-phase mean 10–125 | 1-phase mean 10–125 |', '|---|---:|---:|');
  const upTo125 = (res: NetworkResult, p: string): string => {
    const xs = res.runs
      .get(p)
      ?.filter((m) => m.capacityKw <= 125)
      .map((m) => m.demandMetPct);
    return xs && xs.length ? f2(mean(xs)) : '–';
  };
  for (const p of ['fcfs', 'edf', 'llf', 'round-robin', 'offline', 'fusebox'])
    lines.push(`| ${NAME[p]} | ${upTo125(three, p)} | ${upTo125(one, p)} |`);
  return lines.join('\n');
}

interface Gap {
  readonly what: string;
  readonly ours: number;
  readonly published: string;
  readonly gap: number;
}

function gaps(three: NetworkResult, one: NetworkResult, capacities: readonly number[], full: boolean): Gap[] {
  const out: Gap[] = [];
  const check = (res: NetworkResult, reading: (p: string, c: number) => Reading, model: string): void => {
    for (const p of ['fcfs', 'edf', 'llf', 'round-robin', 'offline']) {
      const list = res.runs.get(p);
      if (!list) continue;
      capacities.forEach((c, k) => {
        const v = list[k]!.demandMetPct;
        const x = reading(p, c);
        const g = gapToReading(v, x);
        if (Math.abs(g) > 1)
          out.push({
            what: `${model} ${NAME[p]} at ${c} kW (plot reading)`,
            ours: v,
            published: fmtReading(x),
            gap: g,
          });
      });
      if (!full) continue;
      const pub = PUBLISHED_STATS[p]!;
      const m = mean(list.map((x) => x.demandMetPct));
      const mn = list[0]!.demandMetPct;
      const [pm, pmin] = model === '3-phase' ? [pub.mean3, pub.min3] : [pub.mean1, pub.min1];
      if (Math.abs(m - pm) > 1)
        out.push({ what: `${model} ${NAME[p]} mean`, ours: m, published: f2(pm), gap: m - pm });
      if (Math.abs(mn - pmin) > 1)
        out.push({
          what: `${model} ${NAME[p]} at 10 kW (exact min)`,
          ours: mn,
          published: f2(pmin),
          gap: mn - pmin,
        });
    }
  };
  check(three, reading3, '3-phase');
  check(one, reading1, '1-phase');
  return out;
}

function timingTable(results: readonly NetworkResult[]): string {
  const lines = [
    '| network | policy | mean run s | max run s | step p99 ms (max over sweep) |',
    '|---|---|---:|---:|---:|',
  ];
  for (const res of results)
    for (const [p, list] of res.runs) {
      const ms = list.map((m) => m.runMs);
      lines.push(
        `| ${res.label} | ${NAME[p]} | ${(mean(ms) / 1000).toFixed(2)} | ${(Math.max(...ms) / 1000).toFixed(2)} | ${Math.max(...list.map((m) => m.stepP99Ms)).toFixed(3)} |`,
      );
    }
  return lines.join('\n');
}

function fuseboxVerdict(three: NetworkResult, capacities: readonly number[], full: boolean): string {
  const fb = three.runs.get('fusebox');
  if (!fb) return 'Fusebox was not run.';
  // Nobody delivers more than uncontrolled charging (cars at full power all stay): a tie there is a tie.
  const ceiling = three.runs.get('uncontrolled')?.[0]?.demandMetPct ?? 100;
  const TOL = 0.005; // the tables' precision
  const losses: string[] = [];
  let ties = 0;
  capacities.forEach((c, k) => {
    const v = fb[k]!.demandMetPct;
    for (const p of ['fcfs', 'edf', 'llf', 'round-robin']) {
      const x = reading3(p, c);
      const ours = three.runs.get(p)?.[k]?.demandMetPct;
      // The published curve where it was read (its upper end), and our own run of that baseline.
      for (const [bar, what] of [
        [x ? Math.min(x[1], ceiling) : undefined, `${NAME[p]} ${fmtReading(x)} (published)`],
        [ours, `${NAME[p]} ${ours === undefined ? '' : f2(ours)} (ours)`],
      ] as const) {
        if (bar === undefined) continue;
        if (v < bar - TOL) losses.push(`${c} kW: ${f2(v)} < ${what}`);
        else if (v < bar + TOL) ties++;
      }
    }
  });
  const m = mean(fb.map((x) => x.demandMetPct));
  const off = three.runs.get('offline');
  const mOff = off ? mean(off.map((x) => x.demandMetPct)) : undefined;
  const lines = [
    `- Fusebox mean over the sweep (three-phase exact): **${f2(m)} %**; published MPC mean 95.06 % (${m >= 95.06 - TOL ? 'reached' : `${f2(95.06 - m)} points short`}), published offline 95.26 %${mOff === undefined ? '' : `, our offline ${f2(mOff)} % (Fusebox ${f2(mOff - m)} points below it)`}.`,
    losses.length === 0
      ? `- Fusebox is at or above every published FCFS, EDF, LLF and RR value (upper end of each plot reading, capped at the ${f2(ceiling)} % any policy can reach) and every one of our runs of them, at every capacity${ties > 0 ? ` (${ties} comparisons are ties at the table's precision, mostly at that ceiling)` : ''}.`
      : `- Comparisons where Fusebox is below a baseline (${losses.length}; published readings compared at their upper end, capped at ${f2(ceiling)} %): ${losses.slice(0, 12).join('; ')}${losses.length > 12 ? '; …' : ''}.`,
  ];
  if (!full)
    lines.push(
      '- _Quick run: the means are over the quick capacities and not comparable with the published ones._',
    );
  return lines.join('\n');
}

/** Runs the evaluation and writes the report; returns the summary rows. */
export async function run(opts: { readonly json?: boolean } = {}): Promise<unknown[]> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const withOffline = !args.includes('--no-offline');
  const outIdx = args.indexOf('--out');
  const outFile = outIdx >= 0 && args[outIdx + 1] ? args[outIdx + 1]! : OUT;
  const capacities = quick ? QUICK_SWEEP : FULL_SWEEP;
  const costIdx = args.indexOf('--cost-capacities');
  const costCapacities = (costIdx >= 0 ? (args[costIdx + 1] ?? '') : '50').split(',').map(Number);
  if (costCapacities.some((c) => !(c > 0)))
    throw new Error('--cost-capacities is a list of kW such as 50,80');
  const policies = POLICIES.filter((p) => withOffline || p !== 'offline');
  const log = (s: string): void => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };
  const imported = importSessionsFile(WORKLOAD);
  const sessions = imported.sessions;
  if (args.includes('--cost-only')) {
    const section = await costSection(sessions, costCapacities, log);
    writeFileSync(outFile, withSection(readFileSync(outFile, 'utf8'), section));
    log(`wrote the cost section of ${outFile}`);
    return [];
  }
  const requested = sessions.reduce((s, x) => s + x.energyKwh, 0);
  const started = Date.now();
  const three = await runNetwork(sessions, 'caltech', '3-phase exact', capacities, policies, log);
  const one = await runNetwork(sessions, 'aggregate', '1-phase aggregate', capacities, policies, log);
  const lin = await runNetwork(sessions, 'caltech-linear', '3-phase linear', capacities, policies, log);
  const full = !quick;
  const gapList = gaps(three, one, capacities, full);

  const doc = [
    '# Evaluation: Fusebox and the baselines against the published ACN-Sim comparison',
    '',
    '_Generated by `npm run eval` (bench/eval.ts); do not edit by hand. The discussion at the end is part of the generator._',
    '',
    '## What was run',
    '',
    `- Workload: \`datasets/acn-sim-case-study/caltech_2019-03_acnsim_events_5min.csv.gz\` (the exact ACN-Sim event queue of the published comparison): ${sessions.length} sessions, ${requested.toFixed(1)} kWh demanded, ${imported.problems.length} rows skipped.`,
    '- Protocol of datasets/published.md §1.5: 5-minute steps aligned to the epoch as ACN-Sim periods, 208 V, car max 6.6 kW (31.7 A), BASIC EVSEs (continuous 0–32 A), ideal batteries, demand = kWhDelivered, actual departure as the deadline.',
    `- Capacities: ${capacities.join(', ')} kW${quick ? ' (quick run)' : ''}. datasets/published.md says "10 to 125 kW in 5 kW steps (27 points)"; 27 points at 5 kW steps from 10 kW end at 140 kW, and our baselines' means match the published means over 10–140 kW (within 0.2 point) but sit about 1 point lower over 10–125 kW (24 points). We conclude the published sweep ran to 140 kW and average over the same 27 points; the 10–125 kW means are given as well.`,
    "- Networks: **3-phase exact** = `caltechNetwork(C, { exact: true })`, acnportal's `caltech_acn` (54 line-to-line EVSEs at +30°/−90°/150°, two 80 A pods, secondary lines ≤ C·1000/360 A, primary lines ≤ C·1000/831 A, magnitudes of phasor sums); **1-phase aggregate** = every station on one circuit of C·1000/208 A (acnportal `simple_acn`); **3-phase linear** = acnportal's `linear=True` linearization (Σ|coef|·I), which is exactly the constraint set of Fusebox's own tree for `examples/caltech-acn.yaml`.",
    '- Policies: uncontrolled, FCFS, EDF, LLF (sorted: each car in order gets the highest feasible rate, solved per constraint in closed form, never more than it still needs), round robin (1 A progressive filling from the lower bound), Fusebox (the real core allocator on `examples/caltech-acn.yaml` scaled to C, or on a one-circuit site for the aggregate model), offline optimum (HiGHS LP over the whole month, maximum energy; see below).',
    '- Published values: datasets/published.md §1.4 (A) (sources there: the acnportal-experiments notebook and the ACN-Sim paper). Means and 10 kW minimums are exact notebook outputs; per-capacity values marked ≈ are **read off the published plot** (±1 point); "–" = not readable.',
    '',
    '## Summary over the sweep (% of energy demand met)',
    '',
    summaryTable(three, one, full),
    '',
    'MPC (cost-min) is the published ACN adaptive scheduling algorithm; we do not run it. Fusebox is our real-time allocator (the row to compare with MPC and offline).',
    '',
    '## Three-phase exact network, per capacity',
    '',
    perCapacityTable(three, capacities, reading3),
    '',
    '## Single-phase aggregate model, per capacity',
    '',
    perCapacityTable(one, capacities, reading1),
    '',
    '## Three-phase linearized network, per capacity (no published counterpart)',
    '',
    perCapacityTable(lin, capacities, () => undefined),
    '',
    '## Fusebox against the targets of issue 7',
    '',
    fuseboxVerdict(three, capacities, full),
    '',
    '## Limit violations',
    '',
    violationSummary([three, one, lin]),
    '',
    '## Runtime (full month, 954 sessions, 5-min steps = 8,928 steps; 2-core machine shared with other jobs)',
    '',
    timingTable([three, one, lin]),
    '',
    `Total evaluation time: ${((Date.now() - started) / 1000).toFixed(0)} s. The offline row includes building and solving the LPs (one per group of overlapping sessions).`,
    '',
    '## Gaps of more than 1 point to the published values',
    '',
    gapList.length === 0
      ? 'None: every baseline lands within 1 point of every published exact statistic and of every plot reading.'
      : [
          '| comparison | ours | published | gap (points) |',
          '|---|---:|---:|---:|',
          ...gapList.map(
            (g) => `| ${g.what} | ${f2(g.ours)} | ${g.published} | ${g.gap > 0 ? '+' : ''}${f2(g.gap)} |`,
          ),
        ].join('\n'),
    '',
    await costSection(sessions, costCapacities, log),
    '',
    discussion(three, one, lin, await overchargingVariant(sessions, three, one)),
  ].join('\n');
  writeFileSync(outFile, doc);
  log(`wrote ${outFile}`);
  return [...three.runs.values(), ...one.runs.values()]
    .flat()
    .map((m) => ({ policy: m.policy, capacityKw: m.capacityKw, demandMetPct: m.demandMetPct }));
}

/** `doc` with its cost section replaced by `section` (inserted before the discussion when it has none). */
export function withSection(doc: string, section: string): string {
  const start = doc.indexOf(COST_HEADING);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + COST_HEADING.length);
    return doc.slice(0, start) + section + (next >= 0 ? `\n${doc.slice(next)}` : '\n');
  }
  const at = doc.indexOf('## Discussion');
  return at >= 0 ? `${doc.slice(0, at)}${section}\n\n${doc.slice(at)}` : `${doc}\n${section}\n`;
}

function violationSummary(results: readonly NetworkResult[]): string {
  const lines: string[] = [];
  for (const res of results)
    for (const [p, list] of res.runs) {
      const as = list.reduce((s, m) => s + m.violationAmpSeconds, 0);
      if (p === 'uncontrolled')
        lines.push(
          `- ${res.label}, uncontrolled: ${(as / 3600).toFixed(0)} A·h over the limits across the sweep (expected: it ignores them).`,
        );
      else if (as > 0)
        lines.push(`- ${res.label}, ${NAME[p]}: **${as.toFixed(1)} A·s over a limit** — a bug.`);
    }
  if (!lines.some((l) => l.includes('a bug')))
    lines.push('- Every other policy: 0 A·s over any limit at every capacity, on every network.');
  return lines.join('\n');
}

interface VariantRow {
  readonly model: string;
  readonly capacityKw: number;
  readonly policy: string;
  readonly capped: number;
  readonly overcharging: number;
  readonly published: string;
}

/** FCFS/EDF/LLF with acnportal's allow_overcharging on, at 10 and 20 kW on both published models. */
async function overchargingVariant(
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

function discussion(
  three: NetworkResult,
  one: NetworkResult,
  lin: NetworkResult,
  variant: readonly VariantRow[],
): string {
  const boundOf = (res: NetworkResult, c: number): number | undefined =>
    res.runs.get('offline')?.find((m) => m.capacityKw === c)?.lpBoundPct;
  const b3 = boundOf(three, 10);
  const b1 = boundOf(one, 10);
  const fb3 = three.runs.get('fusebox');
  const fbl = lin.runs.get('fusebox');
  const llf3 = three.runs.get('llf');
  const parts = [
    '## Discussion',
    '',
    '**Sweep range.** The published means are over 27 capacities. Our FCFS, EDF, LLF and RR means over',
    '10–140 kW (27 points) land within 0.2 point of all eight published means; over 10–125 kW (24 points)',
    'they are about 1 point lower (table above). We therefore read the published sweep as 10–140 kW.',
    '',
    '**The offline bound.** The LP maximizes delivered energy with every arrival known. On the aggregate and',
    'linearized models it is exact. On the exact three-phase model each magnitude constraint |Σ aᵢ·Iᵢ| ≤ L is',
    'replaced by half-planes Re(z·e^(−jφ)) ≤ L for directions φ every 10° across the cone the phasors can',
    'point in (currents are ≥ 0, so the cone spans 60° for a secondary line and 120° for a primary one). The',
    'polygon contains the circle, so "LP bound" is an **upper bound** on the true optimum (loose by at most',
    '1/cos 5° − 1 ≈ 0.4 % of a binding line limit). "offline ours" is that schedule replayed through the',
    'simulator, scaled down in the steps where the polygon let a line current exceed its true limit: a',
    'feasible schedule, hence a lower bound on the optimum.',
    b3 !== undefined && b1 !== undefined
      ? `At 10 kW our bound is ${f2(b3)} % (three-phase) and ${f2(b1)} % (single-phase, where the LP is exact); the published offline optimum is 52.09 % and 59.17 %, i.e. ${f2(52.09 - b3)} and ${f2(59.17 - b1)} points **above** our optimum. An optimum cannot be beaten, so the published instance or accounting differs slightly from ours. Candidates, none verified: the solver's feasibility tolerance (CVXPY with a conic solver accepts constraint violations of about 1e-8 relative, far too small for 0.06 point), the published offline being cost-minimizing with an energy weight of 1000 (it cannot deliver more than the maximum), or a difference in how the final period of a stay or a session with zero-length stay is counted. The published offline lies within 0.1 point of our bound everywhere it can be compared; we report the gap rather than hide it.`
      : '',
    '',
    "**Sorted baselines and round robin.** Our sorted policies solve each car's highest feasible rate in",
    'closed form where acnportal bisects to a tolerance, and break sort ties by arrival then input order. The',
    'one exact statistic off by more than 1 point is the single-phase EDF minimum at 10 kW. The variant',
    "below runs FCFS/EDF/LLF with acnportal's `allow_overcharging` flag on (each car is offered its full",
    'maximum even when it needs less in the step, and leaves the rest unused), measured in this run:',
    '',
    '| model | kW | policy | ours (default: no overcharging) | ours with overcharging | published |',
    '|---|---:|---|---:|---:|---:|',
    ...variant.map(
      (v) =>
        `| ${v.model} | ${v.capacityKw} | ${v.policy} | ${f2(v.capped)} | ${f2(v.overcharging)} | ${v.published} |`,
    ),
    '',
    'With overcharging the single-phase minimums move onto the published ones (within about 0.2 point), but',
    'the three-phase minimums, which our default matches to 0.02 point, move 0.2–0.7 point away. No single',
    'setting of this flag reproduces both published models, so the published runs likely differ in a detail',
    "we cannot see (for example the acnportal version of each run). We keep acnportal's documented default.",
    'Both variants are within about 1.1 points of every published number. The two plot readings our default',
    'misses by more than 1 point (three-phase EDF and single-phase FCFS at 20 kW, see the gap table) are',
    'values read by eye with ±1 point accuracy, and the overcharging variant lands on both.',
    '',
    '**Uncontrolled.** Ours is the same at every capacity (it ignores the limits): 99.88 %, equal to the',
    'published minimum. 30 sessions of this workload demand more than 6.6 kW × their stay, so 99.88 % is the',
    "ceiling under the protocol's car model; the published mean of 99.94 % implies ACN-Sim's uncontrolled",
    'run delivered more at some capacities, which we cannot reproduce.',
    '',
    '**Fusebox.** ',
  ];
  if (fb3 && fbl && llf3) {
    const m3 = mean(fb3.map((x) => x.demandMetPct));
    const ml = mean(fbl.map((x) => x.demandMetPct));
    const mllf = mean(llf3.map((x) => x.demandMetPct));
    const sameModel = Math.abs(m3 - ml) < 0.005;
    parts[parts.length - 1] += [
      `Fusebox's mean is ${f2(m3)} % on the exact three-phase network and ${f2(ml)} % on the linearized one,`,
      `against ${f2(mllf)} % for our LLF on the exact network.`,
      sameModel
        ? 'Its allocations are the same on both: it plans on its own circuit tree, whose per-phase sums are exactly the linearized constraints (a test checks this), so it never uses the extra room the phasor geometry gives on the exact network. Its gap to the exact-model baselines is partly that model and partly the policy; its row on the linearized network compares it with the baselines there on equal terms.'
        : `It plans differently on the two networks (the exact network is ${f2(m3 - ml)} points apart from the linearized one in the mean), so it uses the phasor geometry there.`,
      "Like every baseline here it is given the protocol's EVSE pilot range (BASIC EVSEs, 0–32 A); on a site file its ports keep their configured minimum (6 A by default, IEC 61851-1), so `--site examples/caltech-acn.yaml` gives it less room than this table.",
    ].join(' ');
  }
  return parts.filter((x, i, a) => !(x === '' && a[i - 1] === '')).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
