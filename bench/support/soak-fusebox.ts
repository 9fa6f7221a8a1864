/**
 * Fusebox under the soak (bench/soak.ts): its process, started as `fusebox start` on the generated site
 * file, and what the bench samples of it every 5 s.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf, rssMbOf } from './soak-process.ts';
import { percentile } from './stats.ts';

/**
 * Fusebox: the real command line (`fusebox start`) as users run it, bin/fusebox.js on the compiled dist/
 * (built here first from the sources as they are now, `npm run build:server`); with SOAK_FROM_SOURCE=1 the
 * TypeScript sources through tsx instead (no build; tsx's transforms and source maps add to the heap). Its
 * output goes to the log file.
 */
export function spawnFusebox(sitePath: string, logPath: string): ChildProcess {
  const fromSource = process.env.SOAK_FROM_SOURCE === '1';
  const entry = fromSource
    ? ['--import', 'tsx', fileURLToPath(new URL('../../src/cli.ts', import.meta.url))]
    : [fileURLToPath(new URL('../../bin/fusebox.js', import.meta.url))];
  const log = createWriteStream(logPath);
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.FUSEBOX_FROM_SOURCE;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // SOAK_NODE_ARGS: extra Node.js flags for Fusebox, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it.
      ...(process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
      ...entry,
      'start',
      '--config',
      sitePath,
      '--log-format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Builds dist/ from the sources as they are now (npm run build:server), unless SOAK_FROM_SOURCE=1. */
export function buildFusebox(say: (line: string) => void): void {
  if (process.env.SOAK_FROM_SOURCE === '1') return;
  say('soak: building dist/ (npm run build:server; SOAK_FROM_SOURCE=1 runs the sources through tsx instead)');
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('../../tsconfig.build.json', import.meta.url));
  const built = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`soak: the build failed:\n${built.stdout}${built.stderr}`);
}

/** What the 5-second samples of Fusebox's process and /metrics gather over the run. */
export interface Samples {
  readonly rss: { atMs: number; mb: number }[];
  /** V8's heap in use after the warm-up (see below). */
  readonly heapUsedMb: number[];
  maxLoopDelayMs: number;
  /** The 5-s windows after the warm-up with an event-loop delay reading (the denominator of the spikes). */
  loopDelayWindows: number;
  /** The 5-s windows after the warm-up whose event-loop delay reached SPIKE_MS: when (s into the run) and how much. */
  readonly loopDelaySpikes: { atS: number; ms: number }[];
  cpuAtWarmUp: { atMs: number; s: number } | null;
  /** Fusebox's control runs so far (fusebox_control_runs_total) at the first sample after the warm-up and the last. */
  runsAtWarmUp: { atMs: number; runs: number } | null;
  runsLast: { atMs: number; runs: number } | null;
}

/**
 * How many of the windows after the warm-up reached 50 and 80 ms and went over 100 ms (the target), of how
 * many: one maximum says little of how often, and runs vary.
 */
export function loopDelayWindowsOf(samples: Samples) {
  const count = (atLeast: (ms: number) => boolean): number =>
    samples.loopDelaySpikes.filter((x) => atLeast(x.ms)).length;
  return {
    of: samples.loopDelayWindows,
    atLeast50ms: count((ms) => ms >= 50),
    atLeast80ms: count((ms) => ms >= 80),
    over100ms: count((ms) => ms > 100),
  };
}

/** Samples before the first. */
export const noSamples = (): Samples => ({
  rss: [],
  heapUsedMb: [],
  maxLoopDelayMs: 0,
  loopDelayWindows: 0,
  loopDelaySpikes: [],
  cpuAtWarmUp: null,
  runsAtWarmUp: null,
  runsLast: null,
});

/** An event-loop delay worth listing with its time (half the soak's 100 ms target), to match it to a GC trace. */
const SPIKE_MS = 50;

/** One 5-second sample: RSS from /proc; heap in use, event-loop delay from /metrics; CPU at the warm-up. */
export async function sampleFusebox(
  samples: Samples,
  pid: number,
  http: string,
  sinceStartMs: number,
  warmUpMs: number,
): Promise<void> {
  samples.rss.push({ atMs: sinceStartMs, mb: rssMbOf(pid) });
  const metrics = await fetch(`${http}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const warm = sinceStartMs > warmUpMs;
  // V8's heap in use after the warm-up, every 5 s: it saws between the live data (just after a major GC) and
  // that plus the garbage the next one frees, and RSS follows it; one RSS reading says little alone.
  const heapUsed = /^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics);
  if (heapUsed && warm) samples.heapUsedMb.push(Number(heapUsed[1]) / 2 ** 20);
  const lag = /^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(metrics);
  if (lag && warm) {
    const ms = Number(lag[1]) * 1000;
    samples.maxLoopDelayMs = Math.max(samples.maxLoopDelayMs, ms);
    samples.loopDelayWindows++;
    if (ms >= SPIKE_MS)
      samples.loopDelaySpikes.push({ atS: Math.round(sinceStartMs / 1000), ms: Math.round(ms) });
  }
  if (samples.cpuAtWarmUp === null && warm) samples.cpuAtWarmUp = { atMs: Date.now(), s: cpuSecondsOf(pid) };
  const runs = /^fusebox_control_runs_total (\S+)/m.exec(metrics);
  if (runs && warm) {
    samples.runsLast = { atMs: sinceStartMs, runs: Number(runs[1]) };
    samples.runsAtWarmUp ??= samples.runsLast;
  }
}

/** The median of some RSS readings, in MB (NaN for none). */
const medianMb = (readings: readonly { readonly mb: number }[]): number =>
  percentile(
    readings.map((r) => r.mb).sort((a, b) => a - b),
    50,
  );

/** A minute of RSS readings (12 at one per 5 s): RSS saws with V8's heap, one reading can be a dip or a peak. */
const RSS_WINDOW_MS = 60_000;

/**
 * RSS after the warm-up: the median of its first minute (start), of the run's last minute (end), and of all
 * of it; and the range of V8's heap in use.
 */
export function memoryOf(samples: Samples, warmUpMs: number) {
  const { rss, heapUsedMb } = samples;
  const warm = rss.filter((r) => r.atMs >= warmUpMs);
  const lastMs = rss.at(-1)?.atMs ?? 0;
  return {
    rssStartMb: medianMb(warm.filter((r) => r.atMs < warmUpMs + RSS_WINDOW_MS)),
    rssEndMb: medianMb(warm.filter((r) => r.atMs > lastMs - RSS_WINDOW_MS)),
    rssPeakMb: Math.max(...rss.map((r) => r.mb)),
    rssMedianMb: medianMb(warm),
    heapUsedMinMb: heapUsedMb.length > 0 ? Math.min(...heapUsedMb) : NaN,
    heapUsedMaxMb: heapUsedMb.length > 0 ? Math.max(...heapUsedMb) : NaN,
  };
}

/** Control runs a second after the warm-up (NaN without two samples). */
export function runsPerSecondOf(samples: Samples): number {
  const a = samples.runsAtWarmUp;
  const b = samples.runsLast;
  return a && b && b.atMs > a.atMs ? (b.runs - a.runs) / ((b.atMs - a.atMs) / 1000) : Number.NaN;
}
