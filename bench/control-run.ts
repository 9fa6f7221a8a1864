/**
 * `npm run bench -- control-run [--stations 1000] [--runs 300] [--json]`: what one control run allocates and
 * costs in CPU at the soak's size (bench/soak.ts: N stations of 2 ports on 20-station panels under a metered
 * grid connection), without sockets or timers, so that the numbers do not depend on the machine's load as the
 * soak's event-loop delay does. The pure plan (src/control/plan-run.ts planRun) is driven as the shell
 * (control-loop.ts) drives it: each run's state and snapshot feed the next, the targets come back as limit
 * events (the stations accept them), cars arrive and leave (a few ports per run), MeterValues arrive (a tenth
 * of the charging ports per run), the grid meter is read every run, 200 ms apart.
 *
 * Bytes per run: the runs are measured in a child Node with `--min-semi-space-size=256 --max-semi-space-size=256 --expose-gc`, in
 * windows of 20 runs; before each window a full GC, then `process.memoryUsage().heapUsed` after minus before,
 * over the window's runs. The young generation is large enough that no GC runs inside a window (checked with a
 * PerformanceObserver on 'gc': a window with a GC is discarded), so the delta is what the runs allocated
 * (objects still live and dead alike). CPU ms per run: `process.cpuUsage()` (user + system) over all measured
 * runs. With --json the last line is {"bench":"control-run","results":[{stations, ports, runs, bytesPerRun,
 * bytesPerRunMin, cpuMsPerRun, windows, windowsWithGc}]}.
 */
import { spawnSync } from 'node:child_process';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { PortMeterEvent, PortSnapshot } from '../src/contracts/station-gateway.ts';
import type { MeterObservation } from '../src/control/capacity-inputs.ts';
import { DEFAULT_CONTROL_OPTIONS } from '../src/control/control-options.ts';
import type { ControlLoopOptions } from '../src/control/control-options.ts';
import type { ControlSnapshot } from '../src/control/control-snapshot.ts';
import { portModes } from '../src/control/plan-demands.ts';
import type { PlanInputs } from '../src/control/plan-run.ts';
import { planRun } from '../src/control/plan-run.ts';
import type { ControlState, PlanEvent } from '../src/control/plan-state.ts';
import { initialControlState } from '../src/control/plan-state.ts';
import { siteFromYaml } from '../src/control/testing/sim-harness.ts';
import { prng } from '../src/core/testing/large-site.ts';
import type { BenchOptions } from './run.ts';

const PANEL_STATIONS = 20;
const PANEL_LIMIT_A = 250;
const ROTATIONS = ['L1L2L3', 'L2L3L1', 'L3L1L2'];
const RUN_EVERY_MS = 200;
const WINDOW = 20;
const WARMUP = 100;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

export interface ControlRunResult {
  readonly stations: number;
  readonly ports: number;
  readonly runs: number;
  /** Median over the windows of heapUsed growth per run, in bytes. */
  readonly bytesPerRun: number;
  readonly bytesPerRunMin: number;
  readonly cpuMsPerRun: number;
  readonly windows: number;
  readonly windowsWithGc: number;
}

function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`control-run: --${name} needs a positive integer, got '${raw}'`);
  return n;
}

/** The soak's site file without its servers (bench/soak.ts siteYaml). */
function siteYaml(stations: number): string {
  const panels = Math.ceil(stations / PANEL_STATIONS);
  const gridA = Math.round(panels * PANEL_LIMIT_A * 0.6);
  return [
    'site: { name: Control-run bench, timeZone: UTC, supply: 230/400V }',
    'circuits:',
    `  - { id: grid, kind: grid, limitA: ${gridA}, marginA: 10, meter: grid-meter, staleNonEvLoadA: 500 }`,
    ...Array.from(
      { length: panels },
      (_, p) => `  - { id: panel-${p}, parent: grid, limitA: ${PANEL_LIMIT_A}, marginA: 2 }`,
    ),
    'meters:',
    '  - { id: grid-meter, role: load, circuit: grid, timeoutMs: 5000, driver: { type: modbus, host: 127.0.0.1, port: 1502, unitId: 1, preset: sdm630 } }',
    'stations:',
    ...Array.from({ length: stations }, (_, s) => {
      const version = s % 2 === 0 ? "'1.6'" : "'2.0.1'";
      return `  - { id: CP${s}, ocppVersion: ${version}, circuit: panel-${Math.floor(s / PANEL_STATIONS)}, phases: ${ROTATIONS[s % 3]!}, ports: 2 }`;
    }),
  ].join('\n');
}

/** The driver: a site, its ports as the gateway would report them, and the loop's state between runs. */
export class Driver {
  readonly cs;
  readonly modes;
  readonly opts: ControlLoopOptions = DEFAULT_CONTROL_OPTIONS;
  readonly ports: PortSnapshot[];
  state: ControlState;
  previous: ControlSnapshot | null = null;
  events: PlanEvent[] = [];
  nowMs = T0;
  private nextSession = 1;
  private readonly rnd = prng(7);

  constructor(stations: number) {
    this.cs = siteFromYaml(siteYaml(stations));
    this.modes = portModes(this.cs);
    this.state = initialControlState(this.opts);
    this.ports = this.cs.ports.map((sp, i) => {
      const p: PortSnapshot = {
        portId: sp.id,
        stationId: sp.stationId,
        connectorId: sp.connectorId,
        connected: true,
        status: 'available',
        failSafeA: 6,
        effectiveLimitA: 6,
      };
      return i % 3 === 0 ? p : this.withSession(p);
    });
  }

  private withSession(p: PortSnapshot): PortSnapshot {
    return {
      ...p,
      status: 'charging',
      sessionId: this.nextSession++,
      sessionStartedAtMs: this.nowMs,
      sessionStartWh: 0,
    };
  }

  private meter(p: PortSnapshot): PortMeterEvent {
    const a = Math.min(p.effectiveLimitA, 16) * (0.8 + 0.2 * this.rnd());
    return {
      portId: p.portId,
      sessionId: p.sessionId,
      atMs: this.nowMs,
      currentA: [a, a, a],
      conductorsInUse: [true, true, true],
      maxCurrentA: a,
      energyWh: ((this.nowMs - (p.sessionStartedAtMs ?? this.nowMs)) / 3_600_000) * a * 690,
      powerKw: (a * 690) / 1000,
    };
  }

  /** What changes between two runs: cars arrive and leave, MeterValues arrive, the grid meter is read. */
  private step(): ReadonlyMap<string, MeterObservation> {
    this.nowMs += RUN_EVERY_MS;
    const n = this.ports.length;
    for (let k = 0; k < 4; k++) {
      const i = Math.floor(this.rnd() * n);
      const p = this.ports[i]!;
      if (p.sessionId === undefined) this.ports[i] = this.withSession(p);
      else {
        const { sessionId: _s, sessionStartedAtMs: _t, sessionStartWh: _w, lastMeter: _m, ...rest } = p;
        this.ports[i] = { ...rest, status: 'available' };
        this.events.push({ kind: 'forget-limits', portId: p.portId });
      }
    }
    for (let k = 0; k < n / 10; k++) {
      const i = Math.floor(this.rnd() * n);
      const p = this.ports[i]!;
      if (p.sessionId !== undefined) this.ports[i] = { ...p, lastMeter: this.meter(p) };
    }
    const a = 200 + 100 * this.rnd();
    const reading = {
      meterId: 'grid-meter',
      atMs: this.nowMs,
      currentA: [a, a * 0.9, a * 1.1] as const,
      voltageV: [230, 230, 230] as const,
      powerKw: (a * 3 * 230) / 1000,
      powerPhaseKw: [(a * 230) / 1000, (a * 230) / 1000, (a * 230) / 1000] as const,
      energyImportKwh: null,
      energyExportKwh: null,
      rejected: [],
    };
    return new Map([['grid-meter', { reading, stale: false }]]);
  }

  /** One run as the shell does it: gather, plan, keep the state, the stations accept the targets. */
  run(): void {
    const meters = this.step();
    const limitA = new Map<string, number>();
    for (const p of this.ports) if (p.sessionId !== undefined) limitA.set(p.portId, p.effectiveLimitA);
    const inputs: PlanInputs = {
      site: this.cs,
      modes: this.modes,
      options: this.opts,
      ports: this.ports,
      limitA,
      failedDecreases: new Set(),
      meters,
      ems: null,
      overrides: new Map(),
      cloudCaps: null,
      gridState: undefined,
      tariff: undefined,
      batteryStatus: null,
      events: this.events,
      previous: this.previous,
      canRestrict: false,
    };
    const plan = planRun(this.state, inputs, this.nowMs);
    this.state = plan.state;
    this.previous = plan.snapshot;
    this.events = [];
    // The stations accept every change of more than the dead band at once (the dispatcher's answers).
    const index = this.cs.portIndex;
    for (const [portId, a] of plan.commands.targets) {
      const i = index.get(portId)!;
      const p = this.ports[i]!;
      if (Math.abs(p.effectiveLimitA - a) <= this.opts.deadBandA) continue;
      this.ports[i] = { ...p, effectiveLimitA: a };
      this.events.push({ kind: 'limit', portId, atMs: this.nowMs, limitA: a });
    }
  }
}

/** In the child: warm up, then the measured windows. */
async function measure(stations: number, runs: number): Promise<ControlRunResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('control-run: the measuring child needs --expose-gc');
  const d = new Driver(stations);
  for (let i = 0; i < WARMUP; i++) d.run();
  const gcAt: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcAt.push(e.startTime);
      if (process.env.CONTROL_RUN_DEBUG)
        console.error(
          'gc',
          (e as unknown as { detail: { kind: number } }).detail.kind,
          e.startTime.toFixed(0),
        );
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const perRun: number[] = [];
  let withGc = 0;
  let cpuUs = 0;
  for (let w = 0; w < Math.max(1, Math.floor(runs / WINDOW)); w++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const startMs = performance.now();
    const before = process.memoryUsage().heapUsed;
    const cpu = process.cpuUsage();
    for (let i = 0; i < WINDOW; i++) d.run();
    const used = process.cpuUsage(cpu);
    const after = process.memoryUsage().heapUsed;
    const endMs = performance.now();
    cpuUs += used.user + used.system;
    await new Promise((r) => setTimeout(r, 10));
    if (gcAt.some((t) => t >= startMs && t <= endMs)) withGc++;
    else perRun.push((after - before) / WINDOW);
  }
  obs.disconnect();
  perRun.sort((a, b) => a - b);
  const windows = perRun.length + withGc;
  return {
    stations,
    ports: d.ports.length,
    runs: windows * WINDOW,
    bytesPerRun: Math.round(perRun[Math.floor(perRun.length / 2)] ?? NaN),
    bytesPerRunMin: Math.round(perRun[0] ?? NaN),
    cpuMsPerRun: Math.round((cpuUs / 1000 / (windows * WINDOW)) * 100) / 100,
    windows,
    windowsWithGc: withGc,
  };
}

export function run(opts: BenchOptions): Promise<ControlRunResult[]> {
  const stations = option(opts.args, 'stations', 1000);
  const runs = option(opts.args, 'runs', 300);
  const child = spawnSync(
    process.execPath,
    [
      '--min-semi-space-size=256',
      '--max-semi-space-size=256',
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      String(stations),
      String(runs),
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`control-run: the measuring child failed (${child.status})`);
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ControlRunResult;
  if (!opts.json) {
    console.log(
      `control run, ${result.stations} stations / ${result.ports} ports: ${(result.bytesPerRun / 1024).toFixed(0)} KB allocated per run ` +
        `(median of ${result.windows - result.windowsWithGc} windows of ${WINDOW}, lowest ${(result.bytesPerRunMin / 1024).toFixed(0)} KB), ` +
        `${result.cpuMsPerRun} ms CPU per run` +
        (result.windowsWithGc > 0 ? `; ${result.windowsWithGc} windows had a GC and were left out` : ''),
    );
  }
  return Promise.resolve([result]);
}

if (process.argv[2] === '--child') {
  const result = await measure(Number(process.argv[3]), Number(process.argv[4]));
  console.log(JSON.stringify(result));
}
