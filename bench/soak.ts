/**
 * `npm run bench -- soak [--minutes 30] [--stations 1000] [--json]`: the real `fusebox start` on a generated
 * site file (a child process, so its memory is Fusebox alone; bin/fusebox.js on dist/, built first, as users
 * run it; SOAK_FROM_SOURCE=1: the sources through tsx) with N simulated stations of 2 ports (half OCPP
 * 1.6, half 2.0.1) on 20-station panels under a metered grid connection, for M minutes on loopback:
 * - cars arrive and leave on every port (sessions of 2-8 minutes, 0.5-2 minutes apart), MeterValues every
 *   10 s, the building load behind the grid meter (SDM630 over Modbus TCP) steps every 20 s (50 to 500 A per
 *   phase, at most half the grid connection: on a small site the building alone would exceed it);
 * - every second the bench adds up what the simulated cars really draw (they follow their profiles at once)
 *   on every circuit and phase, plus the building load at the root, and compares it with the breaker limits:
 *   an excursion over a limit that lasts longer than the reaction bound (meter poll + control run + dispatch,
 *   10 s) is a violation;
 * - Fusebox's RSS is read from /proc every 5 s (start = the median of the minute after the warm-up, the first
 *   fifth of the run, at most 5 minutes; end = the median of the last minute; also its median after the
 *   warm-up: RSS saws with V8's heap, and one reading can be a dip) and its V8 heap in use from /metrics (lowest and highest
 *   after the warm-up: the lowest is about its live data), its event-loop delay from its own /metrics (nodejs_eventloop_lag_max_seconds, reset at every
 *   scrape), its CPU use after the warm-up from /proc (cpuPct, % of one core), and its control runs a second
 *   after the warm-up (controlRunsPerS, from fusebox_control_runs_total);
 * - the simulated stations and meter run in this process, on the same cores as Fusebox: once Fusebox is
 *   started this process lowers the priority of all its threads (V8's and libuv's helpers too) by 10 steps, to
 *   nice 10 from 0 (SOAK_SIMULATOR_NICE, 0 for equal priority), as real stations, other devices, take no CPU
 *   from it (simulatorNice in the result: the steps);
 * - at the end Fusebox is killed with SIGKILL while the traffic goes on, and every record a station had an
 *   answer for (transaction starts and stops, meter samples) is looked up in the SQLite file: lostRecords
 *   counts those missing.
 * With --json the last line is {"bench":"soak","results":[{stations, minutes, simulatorNice, rssStartMb, rssEndMb,
 * maxEventLoopDelayMs, loopDelayWindows: {of, atLeast50ms, atLeast80ms, over100ms}, violations, lostRecords,
 * ...}]}.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadSiteConfigText } from '../src/config/load.ts';
import { driveLoadMeter } from '../src/sim/devices/modbus-meter-driver.ts';
import { SimulatedMeters } from '../src/sim/devices/modbus-meter-server.ts';
import type { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import { createRng } from '../src/sim/world/profiles.ts';
import type { BenchOptions } from './run.ts';
import { Acknowledged } from './support/soak-ledger.ts';
import type { Later } from './support/soak-world.ts';
import { buildingMaxA, connectStations, physics, startCars } from './support/soak-world.ts';
import { LimitWatch } from './support/soak-limits.ts';
import { cpuSecondsOf, option, simulatorNice, until, yieldToFusebox } from './support/soak-process.ts';
import type { Samples } from './support/soak-fusebox.ts';
import {
  buildFusebox,
  loopDelayWindowsOf,
  memoryOf,
  noSamples,
  runsPerSecondOf,
  sampleFusebox,
  spawnFusebox,
} from './support/soak-fusebox.ts';
import { freePort } from '../src/testing/free-port.ts';

const PANEL_STATIONS = 20;
const PANEL_LIMIT_A = 250;
/** An excursion over a limit shorter than this is the reaction time, not a violation. */
const REACTION_BOUND_S = 10;
const ROTATIONS = ['L1L2L3', 'L2L3L1', 'L3L1L2'];

function siteYaml(
  stations: number,
  ports: { ocpp: number; http: number; meter: number },
  db: string,
): string {
  const panels = Math.ceil(stations / PANEL_STATIONS);
  // The grid connection is smaller than the panels together: it binds most of the time.
  const gridA = Math.round(panels * PANEL_LIMIT_A * 0.6);
  const lines = [
    'site: { name: Soak depot, timeZone: UTC, supply: 230/400V }',
    'circuits:',
    `  - { id: grid, kind: grid, limitA: ${gridA}, marginA: 10, meter: grid-meter, staleNonEvLoadA: ${buildingMaxA(gridA)} }`,
    ...Array.from(
      { length: panels },
      (_, p) => `  - { id: panel-${p}, parent: grid, limitA: ${PANEL_LIMIT_A}, marginA: 2 }`,
    ),
    'meters:',
    `  - { id: grid-meter, role: load, circuit: grid, timeoutMs: 5000, driver: { type: modbus, host: 127.0.0.1, port: ${ports.meter}, unitId: 1, preset: sdm630 } }`,
    'stations:',
    ...Array.from({ length: stations }, (_, s) => {
      const version = s % 2 === 0 ? "'1.6'" : "'2.0.1'";
      const phases = ROTATIONS[s % 3]!;
      return `  - { id: CP${s}, ocppVersion: ${version}, circuit: panel-${Math.floor(s / PANEL_STATIONS)}, phases: ${phases}, ports: 2 }`;
    }),
    `ocpp: { host: 127.0.0.1, port: ${ports.ocpp} }`,
    `http: { host: 127.0.0.1, port: ${ports.http} }`,
    `store: { path: ${db} }`,
  ];
  return lines.join('\n') + '\n';
}

/** The line said every minute: RSS, ports drawing, sessions, excursions and violations, loop delay. */
function sayProgress(
  say: (line: string) => void,
  p: {
    minutes: number;
    stations: readonly SimulatedStation[];
    samples: Samples;
    watch: LimitWatch;
    sessionsStarted: () => number;
  },
): void {
  const { samples, watch } = p;
  const charging = p.stations.reduce(
    (n, st) => n + [1, 2].filter((c) => st.drawA(c).some((a) => a > 0)).length,
    0,
  );
  say(
    `  ${p.minutes.toFixed(0)} min: RSS ${samples.rss.at(-1)!.mb.toFixed(0)} MB, ` +
      `${charging} ports drawing, ${p.sessionsStarted()} sessions started, ${watch.excursions} excursions ` +
      `(longest ${watch.longestExcursionS.toFixed(1)} s), ${watch.violations} violations, loop delay max ${samples.maxLoopDelayMs.toFixed(0)} ms`,
  );
}

/** What a run measured, for its closing lines and its `--json` result. */
interface Outcome {
  readonly stations: number;
  readonly minutes: number;
  readonly simulatorNice: number;
  readonly m: ReturnType<typeof memoryOf>;
  readonly maxLoopDelayMs: number;
  readonly loopDelaySpikes: readonly { atS: number; ms: number }[];
  readonly loopDelayWindows: ReturnType<typeof loopDelayWindowsOf>;
  readonly cpuPct: number;
  readonly controlRunsPerS: number;
  readonly watch: LimitWatch;
  readonly check: { checked: number; lost: number; detail: unknown };
  readonly sessions: number;
  readonly warnings: number;
  readonly errors: number;
}

/** Warnings and errors in Fusebox's JSON log. */
function logCounts(logPath: string): { warnings: number; errors: number } {
  const logText = readFileSync(logPath, 'utf8');
  return {
    warnings: (logText.match(/"level":40/g) ?? []).length,
    errors: (logText.match(/"level":50/g) ?? []).length,
  };
}

/** Waits for Fusebox's /readyz; fails at once if it exits. */
async function untilReady(http: string, exited: () => boolean, logPath: string): Promise<void> {
  await until(
    'Fusebox ready',
    async () => {
      if (exited()) throw new Error(`soak: Fusebox exited; see ${logPath}`);
      return fetch(`${http}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    120_000,
  );
}

/** The run's closing lines: memory, event loop and CPU, limits, records after kill -9, sessions and log. */
function sayResults(say: (line: string) => void, r: Outcome): void {
  const { m, watch, check } = r;
  say(
    `  RSS (median of a minute) after warm-up ${m.rssStartMb.toFixed(0)} MB, last minute ${m.rssEndMb.toFixed(0)} MB ` +
      `(${(((m.rssEndMb - m.rssStartMb) / m.rssStartMb) * 100).toFixed(1)} %), peak ${m.rssPeakMb.toFixed(0)} MB`,
  );
  say(
    `  after warm-up: RSS median ${m.rssMedianMb.toFixed(0)} MB; V8 heap in use ${m.heapUsedMinMb.toFixed(0)}-${m.heapUsedMaxMb.toFixed(0)} MB ` +
      `(the low end is about the live data after a major GC, the rest garbage not yet collected)`,
  );
  say(
    `  event-loop delay max after warm-up: ${r.maxLoopDelayMs.toFixed(1)} ms; CPU ${r.cpuPct.toFixed(0)} % of a core; ` +
      `${r.controlRunsPerS.toFixed(1)} control runs a second`,
  );
  const w = r.loopDelayWindows;
  say(
    `  of the ${w.of} five-second windows after the warm-up, ${w.atLeast50ms} had a delay of 50 ms or more, ${w.atLeast80ms} of 80 ms or more, ${w.over100ms} over 100 ms`,
  );
  if (r.loopDelaySpikes.length > 0)
    say(
      `  event-loop delay of 50 ms or more, in the 5 s before (s into the run): ${r.loopDelaySpikes.map((x) => `${x.ms} ms at ${x.atS} s`).join(', ')}`,
    );
  say(
    `  limits: ${watch.excursions} excursions over a limit (longest ${watch.longestExcursionS.toFixed(1)} s, at most ${watch.maxOverA.toFixed(
      1,
    )} A over), ${watch.violations} longer than ${REACTION_BOUND_S} s`,
  );
  say(
    `  after the stop: ${check.checked} acknowledged records checked, ${check.lost} missing ${JSON.stringify(check.detail)}`,
  );
  say(`  sessions started ${r.sessions}; Fusebox log: ${r.warnings} warnings, ${r.errors} errors`);
}

/** The simulated SDM630 grid meter on 127.0.0.1:port (Modbus TCP). */
function gridMeterOn(port: number): Promise<SimulatedMeters> {
  return SimulatedMeters.start({
    host: '127.0.0.1',
    port,
    logger: pino({ level: 'silent' }),
    devices: [{ unitId: 1, model: { preset: 'sdm630' } }],
  });
}

/** The generated site file in a new work directory, on free ports, and its compiled site. */
async function writeSite(stationCount: number) {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-soak-'));
  const dbPath = join(dir, 'fusebox.db');
  const ports = { ocpp: await freePort(), http: await freePort(), meter: await freePort() };
  const yaml = siteYaml(stationCount, ports, dbPath);
  const sitePath = join(dir, 'site.yaml');
  writeFileSync(sitePath, yaml);
  const loaded = loadSiteConfigText(yaml, sitePath);
  if (!loaded.ok) throw new Error(`soak: generated site file is invalid: ${JSON.stringify(loaded.problems)}`);
  const cs = loaded.compiled;
  const root = cs.circuits.findIndex((c) => c.parentId === null);
  return { dir, dbPath, ports, sitePath, cs, root };
}

/** The run's numbers as `--json` gives them. */
function resultOf(r: Outcome) {
  const { m, watch, check } = r;
  return {
    stations: r.stations,
    minutes: r.minutes,
    simulatorNice: r.simulatorNice,
    rssStartMb: Math.round(m.rssStartMb),
    rssEndMb: Math.round(m.rssEndMb),
    rssMedianMb: Math.round(m.rssMedianMb),
    heapUsedMinMb: Math.round(m.heapUsedMinMb),
    heapUsedMaxMb: Math.round(m.heapUsedMaxMb),
    maxEventLoopDelayMs: Math.round(r.maxLoopDelayMs * 10) / 10,
    loopDelayWindows: r.loopDelayWindows,
    cpuPct: Math.round(r.cpuPct),
    controlRunsPerS: Math.round(r.controlRunsPerS * 10) / 10,
    violations: watch.violations,
    lostRecords: check.lost,
    recordsChecked: check.checked,
    sessions: r.sessions,
    excursions: watch.excursions,
    longestExcursionS: Math.round(watch.longestExcursionS * 10) / 10,
    logWarnings: r.warnings,
    logErrors: r.errors,
  };
}

/**
 * --trace FILE: per second, the root circuit as the cars and building make it (`evA`, `building`) and as
 * Fusebox sees it (its capacity and load gauges from /metrics).
 */
function rootTracer(args: readonly string[], http: string, startMs: number, limitA: number) {
  const traceAt = args.indexOf('--trace');
  const trace = traceAt >= 0 ? createWriteStream(args[traceAt + 1]!) : undefined;
  trace?.write('t_s,phase,building_a,ev_a,total_a,limit_a,capacity_a,load_a\n');
  return async (evA: (ph: number) => number, building: readonly number[]): Promise<void> => {
    if (!trace) return;
    const text = await fetch(`${http}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    const gauge = (name: string, ph: number): string =>
      new RegExp(`^${name}\\{circuit="grid",phase="L${ph + 1}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? '';
    const t = ((Date.now() - startMs) / 1000).toFixed(1);
    for (let ph = 0; ph < 3; ph++) {
      const ev = evA(ph);
      trace.write(
        `${t},L${ph + 1},${building[ph]!.toFixed(1)},${ev.toFixed(1)},${(ev + building[ph]!).toFixed(1)},` +
          `${limitA},${gauge('fusebox_circuit_capacity_amperes', ph)},${gauge('fusebox_circuit_load_amperes', ph)}\n`,
      );
    }
  };
}

/** The simulation's timers: none runs its work once stopped, and stop() clears them. */
function simulationTimers(): { later: Later; stop: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  const later: Later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) fn().catch(() => undefined);
    }, ms);
    timers.add(t);
  };
  const stop = (): void => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
  };
  return { later, stop };
}

/** Fusebox's CPU use after the warm-up, in % of one core (the machine's other processes do not count). */
function cpuPctOf(samples: Samples, pid: number, endMs: number): number {
  const { cpuAtWarmUp } = samples;
  return cpuAtWarmUp === null
    ? NaN
    : ((cpuSecondsOf(pid) - cpuAtWarmUp.s) / ((endMs - cpuAtWarmUp.atMs) / 1000)) * 100;
}

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => (opts.json ? console.error(line) : console.log(line));
  const minutes = option(opts.args, 'minutes', 30);
  const stationCount = Math.round(option(opts.args, 'stations', 1000));
  const durationMs = minutes * 60_000;
  const warmUpMs = Math.min(5 * 60_000, durationMs / 5);
  const rng = createRng(Number(process.env.SOAK_SEED ?? 7));
  const rnd = (): number => rng.next();
  const nice = simulatorNice();

  buildFusebox(say);
  const { dir, dbPath, ports, sitePath, cs, root } = await writeSite(stationCount);

  const meters = await gridMeterOn(ports.meter);

  const logPath = join(dir, 'fusebox.log');
  const child = spawnFusebox(sitePath, logPath);
  // Fusebox started at this process's priority; the simulated devices now yield the CPU to it.
  const priority = yieldToFusebox(nice);
  let exited = false;
  child.once('exit', () => (exited = true));
  const http = `http://127.0.0.1:${ports.http}`;

  const stations: SimulatedStation[] = [];
  const { later, stop } = simulationTimers();
  const acked = new Acknowledged();
  let gridDriver: { stop(): void } | undefined;
  let tick: NodeJS.Timeout | undefined;
  try {
    say(
      `soak: ${stationCount} stations x 2 ports for ${minutes} min; Fusebox pid ${child.pid}; work dir ${dir}\n${priority.line}`,
    );
    await untilReady(http, () => exited, logPath);

    // Physics: what the cars draw, per circuit and phase, plus the building at the root.
    const world = physics(cs, root, stations);
    const { building } = world;
    gridDriver = driveLoadMeter(meters, 1, () => world.rootA());

    const t0 = performance.now();
    await connectStations(stationCount, ports.ocpp, acked, stations);
    say(
      `  ${stationCount} stations connected and booted in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const sessionsStarted = startCars(stations, later, rnd);
    world.stepBuilding(later, rnd);

    // Every second: limits against physics; every 5 s: RSS and event-loop delay.
    const startMs = Date.now();
    const watch = new LimitWatch(cs.circuits, REACTION_BOUND_S, say);
    const traceRoot = rootTracer(opts.args, http, startMs, cs.circuits[root]!.limitA);
    tick = setInterval(() => {
      world.measure();
      watch.check(world.loadA, Date.now());
      void traceRoot((ph) => world.evA(root, ph), building);
    }, 1000);

    const samples = noSamples();
    let lastReport = startMs;
    while (Date.now() - startMs < durationMs) {
      await new Promise((r) => setTimeout(r, 5000));
      if (exited) throw new Error(`soak: Fusebox exited during the run; see ${logPath}`);
      await sampleFusebox(samples, child.pid!, http, Date.now() - startMs, warmUpMs);
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        sayProgress(say, {
          minutes: (lastReport - startMs) / 60_000,
          stations,
          samples,
          watch,
          sessionsStarted,
        });
      }
    }
    clearInterval(tick);
    const endMs = Date.now();
    watch.finish(endMs);

    const cpuPct = cpuPctOf(samples, child.pid!, endMs);
    // Kill -9 in the middle of the traffic, then look every acknowledged record up. Profiling (--cpu-prof or
    // --heap-prof in SOAK_NODE_ARGS): Node writes the profile only when the process exits, so Fusebox is
    // stopped with SIGTERM instead, and the record check then checks a clean stop.
    const profiling = /--(cpu|heap)-prof\b/.test(process.env.SOAK_NODE_ARGS ?? '');
    if (profiling) say('  profiling: stopping Fusebox with SIGTERM so that the profile is written');
    child.kill(profiling ? 'SIGTERM' : 'SIGKILL');
    await until('Fusebox gone', () => exited, profiling ? 120_000 : 10_000);
    stop();
    const check = acked.missingIn(dbPath);
    const outcome = {
      stations: stationCount,
      minutes,
      simulatorNice: priority.nice,
      m: memoryOf(samples, warmUpMs),
      maxLoopDelayMs: samples.maxLoopDelayMs,
      loopDelaySpikes: samples.loopDelaySpikes,
      loopDelayWindows: loopDelayWindowsOf(samples),
      cpuPct,
      controlRunsPerS: runsPerSecondOf(samples),
      watch,
      check,
      sessions: sessionsStarted(),
      ...logCounts(logPath),
    };
    sayResults(say, outcome);
    return [resultOf(outcome)];
  } finally {
    stop();
    if (tick) clearInterval(tick);
    gridDriver?.stop();
    if (!exited) child.kill('SIGKILL');
    await Promise.allSettled(stations.map((s) => s.close()));
    await meters.close();
    if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
