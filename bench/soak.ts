/**
 * `npm run bench -- soak [--minutes 30] [--stations 1000] [--json]`: the real `fusebox start` on a generated
 * site file (a child process, so its memory is Fusebox alone) with N simulated stations of 2 ports (half OCPP
 * 1.6, half 2.0.1) on 20-station panels under a metered grid connection, for M minutes on loopback:
 * - cars arrive and leave on every port (sessions of 2-8 minutes, 0.5-2 minutes apart), MeterValues every
 *   10 s, the building load behind the grid meter (SDM630 over Modbus TCP) steps every 20 s;
 * - every second the bench adds up what the simulated cars really draw (they follow their profiles at once)
 *   on every circuit and phase, plus the building load at the root, and compares it with the breaker limits:
 *   an excursion over a limit that lasts longer than the reaction bound (meter poll + control run + dispatch,
 *   10 s) is a violation;
 * - Fusebox's RSS is read from /proc every 5 s (start = after the warm-up, the first fifth of the run, at most
 *   5 minutes; also its median after the warm-up) and its V8 heap in use from /metrics (lowest and highest
 *   after the warm-up: the lowest is about its live data), its event-loop delay from its own /metrics (nodejs_eventloop_lag_max_seconds, reset at every
 *   scrape), its CPU use after the warm-up from /proc (cpuPct, % of one core);
 * - at the end Fusebox is killed with SIGKILL while the traffic goes on, and every record a station had an
 *   answer for (transaction starts and stops, meter samples) is looked up in the SQLite file: lostRecords
 *   counts those missing.
 * With --json the last line is {"bench":"soak","results":[{stations, minutes, rssStartMb, rssEndMb,
 * maxEventLoopDelayMs, violations, lostRecords, ...}]}.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadSiteConfigText } from '../src/config/load.ts';
import { DIM_COUNT } from '../src/core/compiled-site.ts';
import { loadOnCircuits } from '../src/core/port-load.ts';
import { driveLoadMeter } from '../src/sim/devices/modbus-meter-driver.ts';
import { SimulatedMeters } from '../src/sim/devices/modbus-meter-server.ts';
import type { SimCar } from '../src/sim/devices/ocpp-station.ts';
import { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import { createRng } from '../src/sim/world/profiles.ts';
import type { BenchOptions } from './run.ts';
import { Acknowledged } from './support/soak-ledger.ts';
import { cpuSecondsOf, option, rssMbOf, until } from './support/soak-process.ts';
import { freePort } from '../src/testing/free-port.ts';

const PANEL_STATIONS = 20;
const PANEL_LIMIT_A = 250;
const METER_VALUES_MS = 10_000;
const BUILDING_STEP_MS = 20_000;
/** The building behind the grid meter, per phase: its worst case is what Fusebox assumes when the meter is stale. */
const BUILDING_MIN_A = 50;
const BUILDING_MAX_A = 500;
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
    `  - { id: grid, kind: grid, limitA: ${gridA}, marginA: 10, meter: grid-meter, staleNonEvLoadA: ${BUILDING_MAX_A} }`,
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

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => (opts.json ? console.error(line) : console.log(line));
  const minutes = option(opts.args, 'minutes', 30);
  const stationCount = Math.round(option(opts.args, 'stations', 1000));
  const durationMs = minutes * 60_000;
  const warmUpMs = Math.min(5 * 60_000, durationMs / 5);
  const rng = createRng(Number(process.env.SOAK_SEED ?? 7));
  const rnd = (): number => rng.next();

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

  const meters = await SimulatedMeters.start({
    host: '127.0.0.1',
    port: ports.meter,
    logger: pino({ level: 'silent' }),
    devices: [{ unitId: 1, model: { preset: 'sdm630' } }],
  });

  // Fusebox: the real command line, logs to a file.
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const logPath = join(dir, 'fusebox.log');
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // SOAK_NODE_ARGS: extra Node.js flags for Fusebox, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it.
      ...(process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
      '--import',
      'tsx',
      cli,
      'start',
      '--config',
      sitePath,
      '--log-format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  const http = `http://127.0.0.1:${ports.http}`;

  const stations: SimulatedStation[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  const later = (ms: number, fn: () => Promise<unknown>): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) fn().catch(() => undefined);
    }, ms);
    timers.add(t);
  };
  const acked = new Acknowledged();
  let gridDriver: { stop(): void } | undefined;
  let tick: NodeJS.Timeout | undefined;
  try {
    say(
      `soak: ${stationCount} stations x 2 ports for ${minutes} min; Fusebox pid ${child.pid}; work dir ${dir}`,
    );
    await until(
      'Fusebox ready',
      async () => {
        if (exited) throw new Error(`soak: Fusebox exited; see ${logPath}`);
        return fetch(`${http}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      120_000,
    );

    // Physics: what the cars draw, per circuit and phase, plus the building at the root.
    const building: [number, number, number] = [100, 100, 100];
    let atCircuits: Float64Array = new Float64Array(cs.circuits.length * DIM_COUNT);
    const measure = (): void => {
      atCircuits = loadOnCircuits(
        cs,
        cs.ports.map((p) => ({
          portId: p.id,
          conductorA: stations[Number(p.stationId.slice(2))]?.drawA(p.connectorId) ?? [],
        })),
      );
    };
    gridDriver = driveLoadMeter(meters, 1, () => {
      const i = root * DIM_COUNT;
      return [
        building[0] + atCircuits[i]!,
        building[1] + atCircuits[i + 1]!,
        building[2] + atCircuits[i + 2]!,
      ];
    });

    for (let s = 0; s < stationCount; s++) {
      const st = new SimulatedStation({
        url: `ws://127.0.0.1:${ports.ocpp}/ocpp`,
        stationId: `CP${s}`,
        version: s % 2 === 0 ? '1.6' : '2.0.1',
        ports: 2,
        keepReceived: 0,
      });
      acked.watch(st);
      stations.push(st);
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < stations.length) await stations[next++]!.connect();
      }),
    );
    say(
      `  ${stationCount} stations connected and booted in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // Cars: each port alternates between a session of 2-8 min and 0.5-2 min empty.
    let sessionsStarted = 0;
    const carFor = (): SimCar => {
      const onePhase = rnd() < 0.2;
      return { maxCurrentA: rnd() < 0.5 ? 16 : 32, phases: onePhase ? 1 : 3 };
    };
    const cycle = (st: SimulatedStation, connectorId: number, delayMs: number): void => {
      later(delayMs, async () => {
        await st.plugIn(connectorId, carFor());
        await st.start(connectorId, `SOAK-${st.stationId}-${connectorId}`);
        sessionsStarted++;
        const stayMs = 120_000 + rnd() * 360_000;
        const meterLoop = (): void =>
          later(METER_VALUES_MS, async () => {
            if (!st.port(connectorId).tx) return;
            await st.sendMeterValues(connectorId);
            meterLoop();
          });
        later(rnd() * METER_VALUES_MS, async () => {
          if (st.port(connectorId).tx) await st.sendMeterValues(connectorId);
          meterLoop();
        });
        later(stayMs, async () => {
          await st.unplug(connectorId);
          cycle(st, connectorId, 30_000 + rnd() * 90_000);
        });
      });
    };
    for (const st of stations) for (const c of [1, 2]) cycle(st, c, rnd() * 60_000);
    const stepBuilding = (): void =>
      later(BUILDING_STEP_MS, () => {
        for (let k = 0; k < 3; k++) building[k] = BUILDING_MIN_A + rnd() * (BUILDING_MAX_A - BUILDING_MIN_A);
        stepBuilding();
        return Promise.resolve();
      });
    stepBuilding();

    // Every second: limits against physics; every 5 s: RSS and event-loop delay.
    const startMs = Date.now();
    const limits = cs.circuits.map((c) => c.limitA);
    const overSince = new Float64Array(cs.circuits.length * 3).fill(NaN);
    let violations = 0;
    let excursions = 0;
    let longestExcursionS = 0;
    let maxOverA = 0;
    const closeExcursion = (k: number, nowMs: number): void => {
      const s = (nowMs - overSince[k]!) / 1000;
      longestExcursionS = Math.max(longestExcursionS, s);
      if (s > REACTION_BOUND_S) {
        violations++;
        say(
          `  violation: ${cs.circuits[Math.floor(k / 3)]!.id} L${(k % 3) + 1} over its limit for ${s.toFixed(1)} s from ${new Date(overSince[k]!).toISOString()}`,
        );
      }
      overSince[k] = NaN;
    };
    const checkLimits = (): void => {
      measure();
      const nowMs = Date.now();
      cs.circuits.forEach((_, c) => {
        for (let ph = 0; ph < 3; ph++) {
          const load = atCircuits[c * DIM_COUNT + ph]! + (c === root ? building[ph]! : 0);
          const over = load - limits[c]!;
          const k = c * 3 + ph;
          if (over > 0.05) {
            maxOverA = Math.max(maxOverA, over);
            if (Number.isNaN(overSince[k]!)) {
              overSince[k] = nowMs;
              excursions++;
            }
          } else if (!Number.isNaN(overSince[k]!)) closeExcursion(k, nowMs);
        }
      });
    };
    // --trace FILE: per second, the root circuit as the cars and building make it and as Fusebox sees it.
    const traceAt = opts.args.indexOf('--trace');
    const trace = traceAt >= 0 ? createWriteStream(opts.args[traceAt + 1]!) : undefined;
    trace?.write('t_s,phase,building_a,ev_a,total_a,limit_a,capacity_a,load_a\n');
    const traceRoot = async (): Promise<void> => {
      if (!trace) return;
      const text = await fetch(`${http}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const gauge = (name: string, ph: number): string =>
        new RegExp(`^${name}\\{circuit="grid",phase="L${ph + 1}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? '';
      const t = ((Date.now() - startMs) / 1000).toFixed(1);
      for (let ph = 0; ph < 3; ph++) {
        const ev = atCircuits[root * DIM_COUNT + ph]!;
        trace.write(
          `${t},L${ph + 1},${building[ph]!.toFixed(1)},${ev.toFixed(1)},${(ev + building[ph]!).toFixed(1)},` +
            `${limits[root]},${gauge('fusebox_circuit_capacity_amperes', ph)},${gauge('fusebox_circuit_load_amperes', ph)}\n`,
        );
      }
    };
    tick = setInterval(() => {
      checkLimits();
      void traceRoot();
    }, 1000);

    const rss: { atMs: number; mb: number }[] = [];
    let maxLoopDelayMs = 0;
    let lastReport = startMs;
    let cpuAtWarmUp: { atMs: number; s: number } | null = null;
    // V8's heap in use after the warm-up, every 5 s: it saws between the live data (just after a major GC) and
    // that plus the garbage the next one frees, and RSS follows it; one RSS reading says little alone.
    const heapUsedMb: number[] = [];
    while (Date.now() - startMs < durationMs) {
      await new Promise((r) => setTimeout(r, 5000));
      if (exited) throw new Error(`soak: Fusebox exited during the run; see ${logPath}`);
      rss.push({ atMs: Date.now() - startMs, mb: rssMbOf(child.pid!) });
      const metrics = await fetch(`${http}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const heapUsed = /^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics);
      if (heapUsed && Date.now() - startMs > warmUpMs) heapUsedMb.push(Number(heapUsed[1]) / 2 ** 20);
      const lag = /^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(metrics);
      if (lag && Date.now() - startMs > warmUpMs)
        maxLoopDelayMs = Math.max(maxLoopDelayMs, Number(lag[1]) * 1000);
      if (cpuAtWarmUp === null && Date.now() - startMs > warmUpMs)
        cpuAtWarmUp = { atMs: Date.now(), s: cpuSecondsOf(child.pid!) };
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        const charging = stations.reduce(
          (n, st) => n + [1, 2].filter((c) => st.drawA(c).some((a) => a > 0)).length,
          0,
        );
        say(
          `  ${((Date.now() - startMs) / 60_000).toFixed(0)} min: RSS ${rss.at(-1)!.mb.toFixed(0)} MB, ` +
            `${charging} ports drawing, ${sessionsStarted} sessions started, ${excursions} excursions ` +
            `(longest ${longestExcursionS.toFixed(1)} s), ${violations} violations, loop delay max ${maxLoopDelayMs.toFixed(0)} ms`,
        );
      }
    }
    clearInterval(tick);
    const endMs = Date.now();
    overSince.forEach((since, k) => {
      if (!Number.isNaN(since)) closeExcursion(k, endMs);
    });

    // Fusebox's CPU use after the warm-up, in % of one core (the machine's other processes do not count).
    const cpuPct =
      cpuAtWarmUp === null
        ? NaN
        : ((cpuSecondsOf(child.pid!) - cpuAtWarmUp.s) / ((endMs - cpuAtWarmUp.atMs) / 1000)) * 100;
    // Kill -9 in the middle of the traffic, then look every acknowledged record up. Profiling (--cpu-prof or
    // --heap-prof in SOAK_NODE_ARGS): Node writes the profile only when the process exits, so Fusebox is
    // stopped with SIGTERM instead, and the record check then checks a clean stop.
    const profiling = /--(cpu|heap)-prof\b/.test(process.env.SOAK_NODE_ARGS ?? '');
    if (profiling) say('  profiling: stopping Fusebox with SIGTERM so that the profile is written');
    child.kill(profiling ? 'SIGTERM' : 'SIGKILL');
    await until('Fusebox gone', () => exited, profiling ? 120_000 : 10_000);
    stopping = true;
    const check = acked.missingIn(dbPath);
    const warm = rss.filter((r) => r.atMs >= warmUpMs);
    const rssStartMb = warm[0]?.mb ?? NaN;
    const rssEndMb = rss.at(-1)?.mb ?? NaN;
    const warmSorted = warm.map((r) => r.mb).sort((a, b) => a - b);
    const rssMedianMb = warmSorted[Math.floor(warmSorted.length / 2)] ?? NaN;
    const heapUsedMinMb = heapUsedMb.length > 0 ? Math.min(...heapUsedMb) : NaN;
    const heapUsedMaxMb = heapUsedMb.length > 0 ? Math.max(...heapUsedMb) : NaN;
    const logText = readFileSync(logPath, 'utf8');
    const warnings = (logText.match(/"level":40/g) ?? []).length;
    const errors = (logText.match(/"level":50/g) ?? []).length;
    say(
      `  RSS after warm-up ${rssStartMb.toFixed(0)} MB, at the end ${rssEndMb.toFixed(0)} MB ` +
        `(${(((rssEndMb - rssStartMb) / rssStartMb) * 100).toFixed(1)} %), peak ${Math.max(...rss.map((r) => r.mb)).toFixed(0)} MB`,
    );
    say(
      `  after warm-up: RSS median ${rssMedianMb.toFixed(0)} MB; V8 heap in use ${heapUsedMinMb.toFixed(0)}-${heapUsedMaxMb.toFixed(0)} MB ` +
        `(the low end is about the live data after a major GC, the rest garbage not yet collected)`,
    );
    say(
      `  event-loop delay max after warm-up: ${maxLoopDelayMs.toFixed(1)} ms; CPU ${cpuPct.toFixed(0)} % of a core`,
    );
    say(
      `  limits: ${excursions} excursions over a limit (longest ${longestExcursionS.toFixed(1)} s, at most ${maxOverA.toFixed(
        1,
      )} A over), ${violations} longer than ${REACTION_BOUND_S} s`,
    );
    say(
      `  after ${profiling ? 'SIGTERM' : 'kill -9'}: ${check.checked} acknowledged records checked, ${check.lost} missing ${JSON.stringify(check.detail)}`,
    );
    say(`  sessions started ${sessionsStarted}; Fusebox log: ${warnings} warnings, ${errors} errors`);
    return [
      {
        stations: stationCount,
        minutes,
        rssStartMb: Math.round(rssStartMb),
        rssEndMb: Math.round(rssEndMb),
        rssMedianMb: Math.round(rssMedianMb),
        heapUsedMinMb: Math.round(heapUsedMinMb),
        heapUsedMaxMb: Math.round(heapUsedMaxMb),
        maxEventLoopDelayMs: Math.round(maxLoopDelayMs * 10) / 10,
        cpuPct: Math.round(cpuPct),
        violations,
        lostRecords: check.lost,
        recordsChecked: check.checked,
        sessions: sessionsStarted,
        excursions,
        longestExcursionS: Math.round(longestExcursionS * 10) / 10,
        logWarnings: warnings,
        logErrors: errors,
      },
    ];
  } finally {
    stopping = true;
    if (tick) clearInterval(tick);
    for (const t of timers) clearTimeout(t);
    gridDriver?.stop();
    if (!exited) child.kill('SIGKILL');
    await Promise.allSettled(stations.map((s) => s.close()));
    await meters.close();
    if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
