/**
 * `npm run bench -- ocpp`: 1,000 simulated stations (2 ports each, half OCPP 1.6, half 2.0.1) against one
 * Fusebox process (a child, so its RSS is Fusebox alone). Measures connect time, CALL round trips during
 * sessions with MeterValues every 10 s, throughput under a burst, time to push a profile to every port.
 * BENCH_STATIONS changes the count; BENCH_AUTH=1 adds security profile 1 (scrypt-hashed passwords).
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { hashStationPassword } from '../src/ocpp/password-hash.ts';
import { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import { percentile } from './support/stats.ts';

interface BenchOptions {
  readonly json: boolean;
}

const STATIONS = Number(process.env.BENCH_STATIONS ?? 1000);
const METER_INTERVAL_MS = 10_000;
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 30_000);
const PASSWORD = 'bench-password-0123456789';

/** Run `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

class FuseboxProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  url = '';

  constructor(private readonly child: ChildProcess) {
    child.on('message', (raw: unknown) => {
      const m = raw as { id?: number; result?: unknown; error?: string };
      if (m.id !== undefined)
        this.waiting.get(m.id)?.(m.error ? Promise.reject(new Error(m.error)) : m.result);
    });
  }

  static async start(env: NodeJS.ProcessEnv): Promise<FuseboxProcess> {
    const script = fileURLToPath(new URL('../src/ocpp/testing/bench-server.ts', import.meta.url));
    const execArgv = ['--import', 'tsx', ...(env.BENCH_NODE_ARGS ? env.BENCH_NODE_ARGS.split(' ') : [])];
    const child = fork(script, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const proc = new FuseboxProcess(child);
    proc.url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`Fusebox exited (${code})`)));
      child.on('message', (m: { ready?: boolean; url?: string }) => {
        if (m.ready) resolve(m.url!);
      });
    });
    return proc;
  }

  request<T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (v: unknown) => void);
      this.child.send({ id, cmd, ...extra });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'exit' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    this.child.kill('SIGKILL');
  }
}

interface Stats {
  rssMb: number;
  peakRssMb: number;
  heapUsedMb: number;
  externalMb: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  connected: number;
  defaultsAccepted: number;
  sessions: number;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CALL round trips the simulated stations time, kept only while `on`. */
interface Recorder {
  on: boolean;
  latencies: number[];
}

/**
 * Steady state for STEADY_MS: every port sends MeterValues every 10 s, spread over the interval; the CALL
 * round trips, and the event-loop delay of Fusebox and of the simulator.
 */
async function steadyState(
  sims: readonly SimulatedStation[],
  fusebox: FuseboxProcess,
  recorder: Recorder,
  timers: NodeJS.Timeout[],
  say: (line: string) => void,
): Promise<{ steadyPerSecond: number; callP50Ms: number; callP99Ms: number }> {
  // Steady state: every port sends MeterValues every 10 s, spread over the interval.
  await fusebox.request('reset-loop-delay');
  const benchLoop = monitorEventLoopDelay({ resolution: 5 });
  benchLoop.enable();
  recorder.on = true;
  recorder.latencies = [];
  let steadyCalls = 0;
  const steadyStart = performance.now();
  for (const st of sims) {
    const tick = (): void => {
      for (const c of [1, 2]) {
        steadyCalls++;
        st.sendMeterValues(c).catch(() => undefined);
      }
    };
    const first = setTimeout(() => {
      tick();
      timers.push(setInterval(tick, METER_INTERVAL_MS));
    }, Math.random() * METER_INTERVAL_MS);
    timers.push(first);
  }
  await new Promise((r) => setTimeout(r, STEADY_MS));
  for (const t of timers) clearTimeout(t);
  recorder.on = false;
  const steadySeconds = (performance.now() - steadyStart) / 1000;
  const sorted = [...recorder.latencies].sort((a, b) => a - b);
  const callP50Ms = percentile(sorted, 50);
  const callP99Ms = percentile(sorted, 99);
  say(
    `  steady: ${(recorder.latencies.length / steadySeconds).toFixed(0)} CALLs/s answered, round trip p50 ${callP50Ms.toFixed(
      2,
    )} ms, p99 ${callP99Ms.toFixed(2)} ms (${recorder.latencies.length} calls)`,
  );
  void steadyCalls;
  benchLoop.disable();
  const during = await fusebox.request<Stats>('stats');
  say(
    `  event-loop delay p99: Fusebox ${during.loopDelayP99Ms.toFixed(1)} ms (max ${during.loopDelayMaxMs.toFixed(
      1,
    )}), simulator ${(benchLoop.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  return { steadyPerSecond: recorder.latencies.length / steadySeconds, callP50Ms, callP99Ms };
}

/** Every port reports at once: how fast Fusebox answers them all, in messages per second. */
async function burst(sims: readonly SimulatedStation[], say: (line: string) => void): Promise<number> {
  // Burst: every port reports at once; how fast does Fusebox answer them all?
  await new Promise((r) => setTimeout(r, 500));
  const burstStart = performance.now();
  await Promise.all(sims.flatMap((st) => [st.sendMeterValues(1), st.sendMeterValues(2)]));
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const messagesPerSecond = (STATIONS * 2) / burstSeconds;
  say(
    `  burst: ${STATIONS * 2} MeterValues answered in ${(burstSeconds * 1000).toFixed(0)} ms = ${messagesPerSecond.toFixed(0)} msg/s`,
  );
  return messagesPerSecond;
}

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => {
    if (!opts.json) console.log(line);
    else console.error(line);
  };
  const auth = process.env.BENCH_AUTH === '1';
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_STATIONS: String(STATIONS) };
  if (auth) env.BENCH_PASSWORD_HASH = await hashStationPassword(PASSWORD);
  const fusebox = await FuseboxProcess.start(env);
  const recorder: Recorder = { on: false, latencies: [] };
  const sims = Array.from(
    { length: STATIONS },
    (_, i) =>
      new SimulatedStation({
        url: fusebox.url,
        stationId: `CP${i}`,
        version: i % 2 === 0 ? '1.6' : '2.0.1',
        ports: 2,
        password: auth ? PASSWORD : undefined,
        keepReceived: 0,
        onCallDone: (_action, ms) => {
          if (recorder.on) recorder.latencies.push(ms);
        },
      }),
  );
  const timers: NodeJS.Timeout[] = [];
  try {
    say(
      `ocpp: ${STATIONS} stations x 2 ports${auth ? ', security profile 1' : ''}, Fusebox in pid-separate process`,
    );
    const t0 = performance.now();
    await pool(sims, 200, (st) => st.connect());
    const connectSeconds = (performance.now() - t0) / 1000;
    say(`  connected and booted: ${connectSeconds.toFixed(2)} s`);

    await until(
      'fail-safe defaults',
      async () => (await fusebox.request<Stats>('stats')).defaultsAccepted === STATIONS * 2,
    );
    say(
      `  fail-safe defaults accepted on all ${STATIONS * 2} ports: ${((performance.now() - t0) / 1000).toFixed(2)} s after start`,
    );

    await pool(sims, 200, async (st) => {
      for (const c of [1, 2]) {
        await st.plugIn(c, { maxCurrentA: 32, phases: c === 1 ? 3 : 1 });
        await st.start(c, `TAG-${st.stationId}-${c}`);
      }
    });
    await until('sessions', async () => (await fusebox.request<Stats>('stats')).sessions === STATIONS * 2);
    say(`  sessions running on all ports`);

    const { steadyPerSecond, callP50Ms, callP99Ms } = await steadyState(sims, fusebox, recorder, timers, say);
    const messagesPerSecond = await burst(sims, say);

    const pushed = await fusebox.request<{ ms: number; ports: number; counts: Record<string, number> }>(
      'push',
      {
        currentA: 16,
      },
    );
    say(
      `  new profile to all ${pushed.ports} ports: ${pushed.ms.toFixed(0)} ms (${JSON.stringify(pushed.counts)})`,
    );
    const stats = await fusebox.request<Stats>('stats');
    say(
      `  Fusebox RSS: ${stats.rssMb.toFixed(0)} MB, peak ${stats.peakRssMb.toFixed(0)} MB (JS heap ${stats.heapUsedMb.toFixed(
        0,
      )} MB, external ${stats.externalMb.toFixed(0)} MB)`,
    );
    return [
      {
        stations: STATIONS,
        connectSeconds: round(connectSeconds),
        messagesPerSecond: Math.round(messagesPerSecond),
        steadyMessagesPerSecond: Math.round(steadyPerSecond),
        callP50Ms: round(callP50Ms),
        callP99Ms: round(callP99Ms),
        profilesToAllMs: Math.round(pushed.ms),
        rssMb: Math.round(stats.rssMb),
        peakRssMb: Math.round(stats.peakRssMb),
        auth: auth ? 'profile 1' : 'none',
      },
    ];
  } finally {
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled(sims.map((s) => s.close()));
    await fusebox.stop();
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
