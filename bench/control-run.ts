/**
 * `npm run bench -- control-run [--stations 1000] [--runs 300] [--semi-space MB] [--v8-own] [--json]`: what one control
 * run allocates and costs in CPU at the soak's size (bench/soak.ts: N stations of 2 ports on 20-station panels
 * under a metered grid connection), without sockets or timers, so that the numbers do not depend on the
 * machine's load as the soak's event-loop delay does. A run is driven as the shell (control-loop.ts run) does
 * it: gather (the gateway's snapshot of every port, made by the real PortRuntime of src/ocpp/port-runtime.ts as
 * OcppServer.ports makes them, and the limits of the ports with a session), the pure plan (src/control/
 * plan-run.ts planRun), the carry-out's map of the snapshots by port and logChanges; not the dispatcher's
 * sends, the sockets, the store or the listeners (dashboard, MQTT). Each run's state and snapshot feed the
 * next, the stations accept the targets at once, cars arrive and leave (a few ports per run), MeterValues
 * arrive (a tenth of the charging ports per run), the grid meter is read every run, 200 ms apart.
 *
 * Bytes per run: the runs are measured in a child Node with `--min-semi-space-size=256 --max-semi-space-size=256 --expose-gc`, in
 * windows of 20 runs; before each window a full GC, then `process.memoryUsage().heapUsed` after minus before,
 * over the window's runs. The young generation is large enough that no GC runs inside a window (checked with a
 * PerformanceObserver on 'gc': a window with a GC is discarded), so the delta is what the runs allocated
 * (objects still live and dead alike). CPU ms per run: `process.cpuUsage()` (user + system) over all measured
 * runs (this one depends on the machine's load).
 *
 * Promoted bytes per run: in a second child with the heap Fusebox runs with (Node's default young generation,
 * or `--max-semi-space-size=MB` with --semi-space; V8 tuned as `fusebox start` tunes it, src/v8-heap.ts, or
 * left as V8 has it with --v8-own), the growth of the old generation (old_space + lo_space) per run over the
 * runs with no major GC in them: the garbage that only a major GC frees (its pauses are the soak's event-loop
 * delay), and the scavenges and major GCs per run.
 *
 * With --json the last line is {"bench":"control-run","results":[{stations, ports, runs, bytesPerRun,
 * bytesPerRunMin, cpuMsPerRun, windows, windowsWithGc, semiSpaceMb, v8Tuned, promotedBytesPerRun,
 * scavengesPer100Runs, majorGcsPer1000Runs}]}.
 */
import { spawnSync } from 'node:child_process';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { PortMeterEvent } from '../src/contracts/station-gateway.ts';
import type { MeterObservation } from '../src/control/capacity-inputs.ts';
import { logChanges } from '../src/control/control-logs.ts';
import { DEFAULT_CONTROL_OPTIONS } from '../src/control/control-options.ts';
import type { ControlLoopOptions } from '../src/control/control-options.ts';
import type { ControlSnapshot } from '../src/control/control-snapshot.ts';
import { portModes } from '../src/control/plan-demands.ts';
import { planRun } from '../src/control/plan-run.ts';
import type { ControlState, PlanEvent } from '../src/control/plan-state.ts';
import { initialControlState } from '../src/control/plan-state.ts';
import { stationOnlyInputs } from '../src/control/testing/plan-inputs.ts';
import { siteFromYaml } from '../src/control/testing/sim-harness.ts';
import { prng } from '../src/core/testing/large-site.ts';
import { PortDirectory } from '../src/ocpp/port-directory.ts';
import { PortRuntime } from '../src/ocpp/port-runtime.ts';
import { tuneHeap } from '../src/v8-heap.ts';
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
  /** Young generation of the promotion child: Node's default, or --semi-space MB. */
  readonly semiSpaceMb: number | 'default';
  /** Whether the promotion child ran with `fusebox start`'s V8 tuning (src/v8-heap.ts); false with --v8-own. */
  readonly v8Tuned: boolean;
  /** Old-generation growth per run (promoted by scavenges or allocated there), runs with no major GC. */
  readonly promotedBytesPerRun: number;
  readonly scavengesPer100Runs: number;
  readonly majorGcsPer1000Runs: number;
}

type Measured = Omit<
  ControlRunResult,
  'semiSpaceMb' | 'v8Tuned' | 'promotedBytesPerRun' | 'scavengesPer100Runs' | 'majorGcsPer1000Runs'
>;
type Promotion = Pick<
  ControlRunResult,
  'promotedBytesPerRun' | 'scavengesPer100Runs' | 'majorGcsPer1000Runs'
>;

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

/** The driver: a site, its ports as the gateway keeps them, and the loop's state between runs. */
export class Driver {
  readonly cs;
  readonly modes;
  readonly opts: ControlLoopOptions = DEFAULT_CONTROL_OPTIONS;
  /** The gateway's ports (src/ocpp/port-runtime.ts), by port id in site order as OcppServer keeps them. */
  readonly runtimes = new Map<string, PortRuntime>();
  state: ControlState;
  previous: ControlSnapshot | null = null;
  events: PlanEvent[] = [];
  nowMs = T0;
  private nextSession = 1;
  private readonly rnd = prng(7);
  private readonly logger = pino({ level: 'info' }, { write: () => undefined });

  constructor(stations: number) {
    this.cs = siteFromYaml(siteYaml(stations));
    this.modes = portModes(this.cs);
    this.state = initialControlState(this.opts);
    const directory = new PortDirectory(this.cs.site);
    this.cs.ports.forEach((sp, i) => {
      const rt = new PortRuntime(directory.get(sp.id)!, 10_000);
      rt.status = 'available';
      this.accept(rt, 6);
      this.runtimes.set(sp.id, rt);
      if (i % 3 !== 0) this.startSession(rt);
    });
  }

  get ports(): readonly PortRuntime[] {
    return [...this.runtimes.values()];
  }

  private startSession(rt: PortRuntime): void {
    rt.status = 'charging';
    rt.startSession({
      sessionId: this.nextSession,
      transactionRef: String(this.nextSession++),
      startedMs: this.nowMs,
      meterStartWh: 0,
    });
  }

  /** The station accepted a limit (smart-charging.ts: sent, then resolved). */
  private accept(rt: PortRuntime, a: number): void {
    rt.setpoints.resolve(rt.setpoints.sent(a, this.nowMs + this.opts.setpointExpiryMs), 'accepted');
  }

  private meter(rt: PortRuntime): PortMeterEvent {
    const a = Math.min(rt.setpoints.effectiveLimitA(this.nowMs), 16) * (0.8 + 0.2 * this.rnd());
    return {
      portId: rt.portId,
      sessionId: rt.session?.sessionId,
      atMs: this.nowMs,
      currentA: [a, a, a],
      conductorsInUse: [true, true, true],
      maxCurrentA: a,
      energyWh: ((this.nowMs - (rt.session?.startedMs ?? this.nowMs)) / 3_600_000) * a * 690,
      powerKw: (a * 690) / 1000,
    };
  }

  /** What changes between two runs: cars arrive and leave, MeterValues arrive, the grid meter is read. */
  private step(): ReadonlyMap<string, MeterObservation> {
    this.nowMs += RUN_EVERY_MS;
    const ports = this.ports;
    const n = ports.length;
    for (let k = 0; k < 4; k++) {
      const rt = ports[Math.floor(this.rnd() * n)]!;
      if (rt.session === undefined) this.startSession(rt);
      else {
        rt.endSession();
        rt.status = 'available';
        rt.lastMeter = undefined;
        this.events.push({ kind: 'forget-limits', portId: rt.portId });
      }
    }
    for (let k = 0; k < n / 10; k++) {
      const rt = ports[Math.floor(this.rnd() * n)]!;
      if (rt.session !== undefined) rt.lastMeter = this.meter(rt);
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

  /**
   * One run as the shell (src/control/control-loop.ts run) does it: gather (the gateway's snapshot of every
   * port as OcppServer.ports makes it, the limits of the ports with a session), plan, keep the state, the
   * carry-out's map of the snapshots by port, logChanges; the stations accept the targets.
   */
  run(): void {
    const meters = this.step();
    const ports = [...this.runtimes.keys()].map((id) =>
      this.runtimes.get(id)!.snapshot(true, this.nowMs, true),
    );
    const inputs = stationOnlyInputs(this.cs, this.opts, ports, {
      modes: this.modes,
      meters,
      events: this.events,
      previous: this.previous,
    });
    const plan = planRun(this.state, inputs, this.nowMs);
    this.state = plan.state;
    this.events = [];
    const snapshots = new Map(ports.map((p) => [p.portId, p]));
    logChanges(this.logger, this.opts.deadBandA, this.previous, plan.snapshot);
    this.previous = plan.snapshot;
    // The stations accept every change of more than the dead band at once (the dispatcher's answers).
    for (const [portId, a] of plan.commands.targets) {
      const p = snapshots.get(portId)!;
      if (Math.abs(p.effectiveLimitA - a) <= this.opts.deadBandA) continue;
      this.accept(this.runtimes.get(portId)!, a);
      this.events.push({ kind: 'limit', portId, atMs: this.nowMs, limitA: a });
    }
  }
}

/** In the child: warm up, then the measured windows. */
async function measure(stations: number, runs: number): Promise<Measured> {
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

/**
 * In a second child, with the young generation Fusebox runs with (Node's default, or --semi-space MB): what
 * of a run's garbage V8 moves to the old generation, where only a major GC frees it. Per run, the growth of
 * old_space + lo_space, over the runs with no major GC in them; and how many scavenges and major GCs ran.
 */
async function promotion(stations: number, runs: number, tuned: boolean): Promise<Promotion> {
  if (tuned) {
    const t = tuneHeap();
    if ('error' in t) throw new Error(`control-run: ${t.error}`);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('control-run: the measuring child needs --expose-gc');
  const d = new Driver(stations);
  for (let i = 0; i < WARMUP; i++) d.run();
  const old = (): number => {
    let used = 0;
    for (const sp of getHeapSpaceStatistics())
      if (sp.space_name === 'old_space' || sp.space_name === 'lo_space') used += sp.space_used_size;
    return used;
  };
  let scavenges = 0;
  let majors = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  gc();
  await new Promise((r) => setImmediate(r));
  let grown = 0;
  let counted = 0;
  for (let i = 0; i < runs; i++) {
    const majorsBefore = majors;
    const before = old();
    d.run();
    const after = old();
    // The observer's entries arrive in a later task: wait for them before judging this run.
    await new Promise((r) => setImmediate(r));
    if (majors !== majorsBefore) continue;
    grown += after - before;
    counted++;
  }
  obs.disconnect();
  return {
    promotedBytesPerRun: Math.round(grown / Math.max(1, counted)),
    scavengesPer100Runs: Math.round((scavenges / runs) * 1000) / 10,
    majorGcsPer1000Runs: Math.round((majors / runs) * 10000) / 10,
  };
}

function child<T>(
  flags: readonly string[],
  mode: string,
  stations: number,
  runs: number,
  extra: readonly string[] = [],
): T {
  const out = spawnSync(
    process.execPath,
    [
      ...flags,
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      mode,
      String(stations),
      String(runs),
      ...extra,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (out.status !== 0) throw new Error(`control-run: the measuring child failed (${out.status})`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as T;
}

export function run(opts: BenchOptions): Promise<ControlRunResult[]> {
  const stations = option(opts.args, 'stations', 1000);
  const runs = option(opts.args, 'runs', 300);
  const semi = opts.args.some((a) => a.startsWith('--semi-space'))
    ? option(opts.args, 'semi-space', 16)
    : null;
  const measured = child<Measured>(
    ['--min-semi-space-size=256', '--max-semi-space-size=256'],
    '--child',
    stations,
    runs,
  );
  const v8Tuned = !opts.args.includes('--v8-own');
  const promoted = child<Promotion>(
    semi === null ? [] : [`--max-semi-space-size=${semi}`],
    '--child-promotion',
    stations,
    Math.max(runs, 300),
    v8Tuned ? [] : ['--v8-own'],
  );
  const result: ControlRunResult = { ...measured, semiSpaceMb: semi ?? 'default', v8Tuned, ...promoted };
  if (!opts.json) {
    console.log(
      `control run, ${result.stations} stations / ${result.ports} ports: ${(result.bytesPerRun / 1024).toFixed(0)} KB allocated per run ` +
        `(median of ${result.windows - result.windowsWithGc} windows of ${WINDOW}, lowest ${(result.bytesPerRunMin / 1024).toFixed(0)} KB), ` +
        `${result.cpuMsPerRun} ms CPU per run` +
        (result.windowsWithGc > 0 ? `; ${result.windowsWithGc} windows had a GC and were left out` : ''),
    );
    console.log(
      `young generation ${semi === null ? "Node's default" : `--max-semi-space-size=${semi}`}, ` +
        `${v8Tuned ? 'V8 tuned as fusebox start tunes it' : "V8's own settings (--v8-own)"}: ` +
        `${(result.promotedBytesPerRun / 1024).toFixed(0)} KB per run to the old generation, ` +
        `${result.scavengesPer100Runs} scavenges per 100 runs, ${result.majorGcsPer1000Runs} major GCs per 1,000 runs`,
    );
  }
  return Promise.resolve([result]);
}

if (process.argv[2] === '--child') {
  const result = await measure(Number(process.argv[3]), Number(process.argv[4]));
  console.log(JSON.stringify(result));
} else if (process.argv[2] === '--child-promotion') {
  const result = await promotion(
    Number(process.argv[3]),
    Number(process.argv[4]),
    process.argv[5] !== '--v8-own',
  );
  console.log(JSON.stringify(result));
}
