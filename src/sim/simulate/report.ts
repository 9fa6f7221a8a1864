/** The `--report DIR` output: a Markdown report with tables and self-contained SVG charts. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMetrics } from './metrics.ts';
import type { RunOutcome } from './run-one.ts';
import type { SizingResult } from './sizing.ts';
import { downsample, lineChart } from './svg-chart.ts';

export interface ReportInput {
  readonly title: string;
  readonly sessionsFile: string;
  readonly format: string;
  readonly networkLabel: string;
  /** How cars were placed on ports (and how many found none). */
  readonly placement?: string | undefined;
  readonly stepMs: number;
  readonly runs: readonly RunOutcome[];
  readonly sizing?: readonly SizingResult[] | undefined;
  readonly notes?: readonly string[] | undefined;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/** The runs as a Markdown table (the `--json` fields, rounded). */
export function runsTable(runs: readonly RunMetrics[]): string {
  const head =
    '| policy | capacity kW | demand met % | sessions fully served % | turned away | turned away kWh | peak kW | 15-min peak kW | energy cost $ | demand charge $ | violation A·s | Jain index | step p99 ms |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const battery = runs.some((m) => m.batteryThroughputKwh !== undefined);
  const rows = runs.map(
    (m) =>
      `| ${m.policy}${m.lpBoundPct === undefined ? '' : ` (LP bound ${f2(m.lpBoundPct)} %)`} | ${f1(m.capacityKw)} | ${f2(m.demandMetPct)} | ${f1(m.sessionsFullyServedPct)} | ${m.turnedAwaySessions} | ${f1(m.turnedAwayKwh)} | ${f1(m.peakKw)} | ${f1(m.demandPeakKw)} | ${f2(m.energyCost)} | ${f2(m.demandCharge)} | ${f1(m.violationAmpSeconds)} | ${m.jainIndex.toFixed(3)} | ${m.stepP99Ms.toFixed(3)} |` +
      (battery ? ` ${f1(m.batteryThroughputKwh ?? 0)} | ${f1(m.batteryFinalSocPct ?? 0)} |` : ''),
  );
  return battery
    ? [`${head} battery throughput kWh | battery final SoC % |`, `${sep}---:|---:|`, ...rows].join('\n')
    : [head, sep, ...rows].join('\n');
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Writes report.md and its charts into `dir`; returns the files written. */
export function writeReport(dir: string, input: ReportInput): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string): void => {
    writeFileSync(join(dir, name), text);
    written.push(join(dir, name));
  };
  const first = input.runs[0];
  const lines: string[] = [`# ${input.title}`, ''];
  if (first) {
    const t = first.trace;
    lines.push(
      `- Sessions: \`${input.sessionsFile}\` (${input.format}), ${t.sessions.length} sessions, ${f1(first.metrics.requestedKwh)} kWh demanded, ${isoDay(t.startMs)} to ${isoDay(t.startMs + t.evKw.length * t.stepMs)} (UTC)`,
    );
  } else lines.push(`- Sessions: \`${input.sessionsFile}\` (${input.format})`);
  lines.push(`- Network: ${input.networkLabel}; step ${input.stepMs / 60_000} min`);
  if (input.placement !== undefined) lines.push(`- Ports: ${input.placement}`);
  lines.push('');
  for (const n of input.notes ?? []) lines.push(`- ${n}`);
  if (input.notes?.length) lines.push('');

  if (input.runs.length > 0) lines.push('## Runs', '', runsTable(input.runs.map((r) => r.metrics)), '');

  lines.push(...violationLines(input.runs));
  if (input.sizing?.length) lines.push(...sizingLines(input.sizing));

  // Demand met vs capacity, per policy, when more than one capacity ran.
  const capacities = [...new Set(input.runs.map((r) => r.metrics.capacityKw))].sort((a, b) => a - b);
  if (capacities.length > 1) {
    const byPolicy = new Map<string, [number, number][]>();
    for (const r of input.runs) {
      const list = byPolicy.get(r.metrics.policy) ?? [];
      list.push([r.metrics.capacityKw, r.metrics.demandMetPct]);
      byPolicy.set(r.metrics.policy, list);
    }
    put(
      'sweep.svg',
      lineChart({
        title: 'Energy demand met vs grid capacity',
        xLabel: 'capacity (kW)',
        yLabel: 'demand met (%)',
        series: [...byPolicy].map(([name, pts]) => ({ name, points: pts.sort((a, b) => a[0] - b[0]) })),
        yMax: 100,
      }),
    );
    lines.push('## Demand met vs capacity', '', '![demand met vs capacity](sweep.svg)', '');
  }

  // Load vs limit over time, one chart per policy at one capacity (the middle one of a sweep).
  const cap = capacities[Math.floor((capacities.length - 1) / 2)];
  const charted = input.runs.filter((r) => r.metrics.capacityKw === cap);
  if (charted.length > 0) lines.push(`## Load vs limit over time (${f1(cap ?? 0)} kW)`, '');
  for (const r of charted) {
    const t = r.trace;
    const hours = (k: number): number => (k * t.stepMs) / 3_600_000;
    const ev = downsample(
      Array.from(t.evKw, (v, k) => [hours(k), v] as [number, number]),
      1500,
    );
    const series = [{ name: 'EV load kW', points: ev }];
    const hasOther = t.gridKw.some((g, k) => g !== t.evKw[k]);
    if (hasOther)
      series.push({
        name: 'grid load kW',
        points: downsample(
          Array.from(t.gridKw, (v, k) => [hours(k), v] as [number, number]),
          1500,
        ),
      });
    const name = `load-${r.metrics.policy}-${f1(r.metrics.capacityKw)}kW.svg`;
    put(
      name,
      lineChart({
        title: `${r.metrics.policy}: load vs limit (${f1(r.metrics.capacityKw)} kW)`,
        xLabel: `hours from ${new Date(t.startMs).toISOString().slice(0, 16)}Z`,
        yLabel: 'kW',
        series: [
          ...series,
          {
            name: 'capacity kW',
            points: [
              [0, r.metrics.capacityKw],
              [hours(t.evKw.length), r.metrics.capacityKw],
            ],
            color: '#000',
            dashed: true,
          },
        ],
      }),
    );
    lines.push(`![${r.metrics.policy} load vs limit](${name})`, '');
  }
  put('report.md', lines.join('\n'));
  return written;
}

/** The report's section on limit violations: every constraint exceeded in a run, or none. */
function violationLines(runs: ReportInput['runs']): string[] {
  const lines: string[] = [];
  const violated = runs.flatMap((r) =>
    r.metrics.violations.filter((v) => v.seconds > 0).map((v) => ({ run: r.metrics, v })),
  );
  lines.push('## Limit violations', '');
  if (violated.length === 0) lines.push('No constraint was exceeded in any run.', '');
  else {
    lines.push(
      '| policy | capacity kW | constraint | seconds over | A·s over | peak % of limit |',
      '|---|---:|---|---:|---:|---:|',
    );
    for (const { run, v } of violated)
      lines.push(
        `| ${run.policy} | ${f1(run.capacityKw)} | ${v.constraintId} | ${f1(v.seconds)} | ${f1(v.ampSeconds)} | ${f1(v.peakUtilisationPct)} |`,
      );
    lines.push('');
  }
  return lines;
}

/** The report's sizing section: the smallest capacity per policy and the capacities tried. */
function sizingLines(sizing: NonNullable<ReportInput['sizing']>): string[] {
  const lines: string[] = [];
  lines.push(
    '## Sizing',
    '',
    '| policy | target % of the demand of | smallest capacity kW | demand met there % | uncontrolled ceiling % |',
    '|---|---:|---:|---:|---:|',
  );
  for (const s of sizing)
    lines.push(
      `| ${s.policy} | ${f1(s.targetPct)} ${s.basis === 'all' ? 'every session' : 'the cars that found a port'} | ${s.capacityKw === null ? 'out of reach' : f1(s.capacityKw)} | ${f2(s.demandMetPct)} | ${f2(s.ceilingPct)} |`,
    );
  lines.push('');
  for (const s of sizing) {
    const tried = s.tried.map((t) => `${f1(t.capacityKw)} kW → ${f2(t.demandMetPct)} %`).join(', ');
    lines.push(
      `- ${s.policy}${s.basis === 'all' ? '' : ' (cars that found a port)'}, capacities tried in order: ${tried}`,
    );
  }
  lines.push('');
  return lines;
}
