/**
 * `npm run bench -- proxy`: the real `fusebox start` (a child process, on a generated site file with
 * `upstream:`) relaying BENCH_STATIONS (500) simulated OCPP 1.6 stations, which run in this process, to a
 * cloud central system in a second child process (src/proxy/testing/cloud-child.ts), all on 127.0.0.1. The
 * stations, Fusebox and the cloud each have their own event loop, so a relayed round trip differs from a
 * direct one by what Fusebox adds only.
 * - addedP50Ms / addedP99Ms: round trip of a Heartbeat from this process through Fusebox to the cloud,
 *   minus the same from this process straight to the cloud (percentile against percentile).
 * - replayMessagesPerSecond: the cloud down for BENCH_OUTAGE_MIN (60) minutes of traffic (per station a
 *   StartTransaction, a MeterValues a minute, a StopTransaction), then back: queued messages over the time
 *   from the first replayed message the cloud receives to the last (timed by the cloud; the reconnect
 *   backoff before it is printed apart).
 * - lost / duplicated: transaction messages the cloud lacks or has twice, against what the stations sent.
 * BENCH_CONCURRENCY (50): stations calling at once in the latency and outage phases.
 * BENCH_FUSEBOX_ARGS: extra node options for the Fusebox child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RpcClient } from '../src/ocpp/rpc.ts';
import { createRpcClient } from '../src/ocpp/rpc.ts';
import { SimulatedStation } from '../src/sim/devices/ocpp-station.ts';
import type { BenchOptions } from './run.ts';
import { freePort } from '../src/testing/free-port.ts';

const STATIONS = Number(process.env.BENCH_STATIONS ?? 500);
const OUTAGE_MIN = Number(process.env.BENCH_OUTAGE_MIN ?? 60);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Polls `step` (every 250 ms) until `pred` holds. */
async function until(
  pred: () => boolean,
  timeoutMs: number,
  what: string,
  step: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await step();
    if (pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const r1 = (x: number): number => Math.round(x * 1000) / 1000;

/** A child process that prints `url <url>` and answers IPC requests `{ id, ... }` with `{ id, body }`. */
class Child {
  private nextId = 0;
  private readonly waiting = new Map<number, (body: unknown) => void>();
  readonly url: Promise<string>;
  constructor(
    readonly process: ChildProcess,
    what: string,
  ) {
    process.on('message', (m: { id: number; body: unknown }) => {
      this.waiting.get(m.id)?.(m.body);
      this.waiting.delete(m.id);
    });
    this.url = new Promise<string>((resolve, reject) => {
      let buffer = '';
      process.once('exit', (code) => reject(new Error(`${what} exited early (${code})`)));
      process.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const m = /^url (\S+)$/m.exec(buffer);
        if (m) resolve(m[1]!);
      });
    });
  }

  ask<T>(request: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, (body) => resolve(body as T));
      this.process.send({ id, ...request });
    });
  }
}

function siteYaml(
  ids: readonly string[],
  ports: { ocpp: number; http: number },
  db: string,
  cloud: string,
): string {
  const panels = Math.ceil(ids.length / 20);
  return (
    [
      'site: { name: Proxy bench, timeZone: UTC, supply: 230/400V }',
      'circuits:',
      `  - { id: grid, kind: grid, limitA: ${panels * 250} }`,
      ...Array.from({ length: panels }, (_, p) => `  - { id: panel-${p}, parent: grid, limitA: 250 }`),
      'stations:',
      ...ids.map(
        (id, i) => `  - { id: ${id}, ocppVersion: '1.6', circuit: panel-${Math.floor(i / 20)}, ports: 1 }`,
      ),
      `ocpp: { host: 127.0.0.1, port: ${ports.ocpp}, acceptUnknownIdTags: true }`,
      `http: { host: 127.0.0.1, port: ${ports.http} }`,
      `store: { path: ${db} }`,
      'upstream:',
      `  url: ${cloud}/{stationId}`,
      '  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }',
    ].join('\n') + '\n'
  );
}

interface UpstreamState {
  readonly stationId: string;
  connected: boolean;
  queueDepth: number;
}

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => {
    if (!opts.json) console.log(line);
    else console.error(line);
  };
  const ids = Array.from({ length: STATIONS }, (_, i) => `P${String(i).padStart(4, '0')}`);
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-proxy-bench-'));
  const cloudChild = new Child(
    spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../src/proxy/testing/cloud-child.ts', import.meta.url))],
      {
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    ),
    'the cloud',
  );
  let fusebox: ChildProcess | undefined;
  const stations: SimulatedStation[] = [];
  const direct: RpcClient[] = [];
  try {
    const cloudUrl = await cloudChild.url;
    const ports = { ocpp: await freePort(), http: await freePort() };
    const sitePath = join(dir, 'site.yaml');
    writeFileSync(sitePath, siteYaml(ids, ports, join(dir, 'fusebox.db'), cloudUrl));
    const logPath = join(dir, 'fusebox.log');
    const log = createWriteStream(logPath);
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const extra = (process.env.BENCH_FUSEBOX_ARGS ?? '').split(' ').filter((a) => a !== '');
    fusebox = spawn(
      process.execPath,
      [...extra, '--import', 'tsx', cli, 'start', '--config', sitePath, '--log-format', 'json'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    fusebox.stdout!.pipe(log);
    fusebox.stderr!.pipe(log);
    let exited = false;
    fusebox.once('exit', () => (exited = true));
    const http = `http://127.0.0.1:${ports.http}`;
    const alive = (): void => {
      if (exited) throw new Error(`proxy bench: Fusebox exited; see ${logPath}`);
    };
    let ready = false;
    await until(
      () => ready,
      120_000,
      'Fusebox ready',
      async () => {
        alive();
        ready = await fetch(`${http}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
    );
    /** Per station, from Fusebox's /metrics (the API needs a login): link open, queue depth. */
    const upstream = async (): Promise<UpstreamState[]> => {
      alive();
      const text = await (await fetch(`${http}/metrics`)).text();
      const by = new Map<string, UpstreamState>();
      const re = /^fusebox_upstream_(connected|queue_depth)\{station="([^"]+)"\} (\S+)$/gm;
      for (const m of text.matchAll(re)) {
        const x = by.get(m[2]!) ?? { stationId: m[2]!, connected: false, queueDepth: 0 };
        if (m[1] === 'connected') x.connected = m[3] === '1';
        else x.queueDepth = Number(m[3]);
        by.set(x.stationId, x);
      }
      return ids.map((id) => by.get(id) ?? { stationId: id, connected: false, queueDepth: 0 });
    };
    say(
      `${STATIONS} stations relayed by Fusebox (pid ${fusebox.pid}, work dir ${dir}) to a cloud on ${cloudUrl}`,
    );
    await pool(ids, CONCURRENCY, async (id) => {
      const st = new SimulatedStation({
        url: `ws://127.0.0.1:${ports.ocpp}/ocpp`,
        stationId: id,
        version: '1.6',
        ports: 1,
        keepReceived: 0,
      });
      stations.push(st);
      await st.connect();
    });
    let states: UpstreamState[] = [];
    await until(
      () => states.every((x) => x.connected),
      120_000,
      'links',
      async () => void (states = await upstream()),
    );
    await pool(ids, CONCURRENCY, async (id) => {
      const c = createRpcClient({
        endpoint: cloudUrl,
        identity: `D-${id}`,
        protocols: ['ocpp1.6'],
        strictMode: false,
      });
      direct.push(c);
      await c.connect();
    });

    // Added latency: the same CALL, through Fusebox and straight to the cloud, interleaved.
    const relayed: number[] = [];
    const straight: number[] = [];
    const byId = new Map(stations.map((s) => [s.stationId, s]));
    const directOf = new Map(ids.map((id, i) => [id, direct[i]!]));
    const cpuBefore = cpuMsOf(fusebox.pid);
    await pool(ids, CONCURRENCY, async (id) => {
      const st = byId.get(id)!;
      const d = directOf.get(id)!;
      for (let k = 0; k < ROUND_TRIPS; k++) {
        let t = performance.now();
        await st.call('Heartbeat', {});
        relayed.push(performance.now() - t);
        t = performance.now();
        await d.call('Heartbeat', {});
        straight.push(performance.now() - t);
      }
    });
    const cpuAfter = cpuMsOf(fusebox.pid);
    relayed.sort((a, b) => a - b);
    straight.sort((a, b) => a - b);
    const addedP50Ms = percentile(relayed, 50) - percentile(straight, 50);
    const addedP99Ms = percentile(relayed, 99) - percentile(straight, 99);
    say(
      `Heartbeat round trip: relayed p50 ${r1(percentile(relayed, 50))} ms p99 ${r1(percentile(relayed, 99))} ms; ` +
        `direct p50 ${r1(percentile(straight, 50))} ms p99 ${r1(percentile(straight, 99))} ms ` +
        `(${relayed.length} each, ${CONCURRENCY} stations at a time)`,
    );
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      say(
        `Fusebox CPU time per relayed round trip: ${r1(((cpuAfter - cpuBefore) * 1000) / relayed.length)} µs ` +
          '(user + system, from /proc: the load of the machine does not change it much)',
      );

    // A one-hour outage: every station's traffic is answered by Fusebox and queued.
    await cloudChild.ask({ cmd: 'down' });
    await until(
      () => states.every((x) => !x.connected),
      60_000,
      'outage seen',
      async () => void (states = await upstream()),
    );
    const sent = new Map<string, string[]>();
    const t0 = Date.parse('2026-01-01T08:00:00Z');
    const built = performance.now();
    await pool(ids, CONCURRENCY, async (id) => {
      const st = byId.get(id)!;
      const keys: string[] = [];
      const { transactionId } = await st.call<{ transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag: `T-${id}`,
        meterStart: 0,
        timestamp: new Date(t0).toISOString(),
      });
      keys.push('start');
      for (let m = 1; m <= OUTAGE_MIN; m++) {
        await st.call('MeterValues', {
          connectorId: 1,
          transactionId,
          meterValue: [
            {
              timestamp: new Date(t0 + m * 60_000).toISOString(),
              sampledValue: [{ value: String(m * 183), unit: 'Wh' }],
            },
          ],
        });
        keys.push(`meter ${m * 183}`);
      }
      await st.call('StopTransaction', {
        transactionId,
        meterStop: OUTAGE_MIN * 183 + 1,
        timestamp: new Date(t0 + (OUTAGE_MIN + 1) * 60_000).toISOString(),
      });
      keys.push(`stop ${OUTAGE_MIN * 183 + 1}`);
      sent.set(id, keys);
    });
    const queued = (await upstream()).reduce((n, x) => n + x.queueDepth, 0);
    say(
      `outage: ${queued} messages answered by Fusebox and queued in ${r1((performance.now() - built) / 1000)} s`,
    );
    const replay = await cloudChild.ask<{ got: number; firstAfterMs: number; spanMs: number }>({
      cmd: 'up',
      expect: queued,
    });
    const replayMessagesPerSecond = Math.round(queued / (replay.spanMs / 1000));
    await until(
      () => states.every((x) => x.queueDepth === 0),
      600_000,
      'queues empty',
      async () => void (states = await upstream()),
    );
    say(
      `replay: ${queued} messages in ${r1(replay.spanMs / 1000)} s from the first one the cloud got ` +
        `(${r1(replay.firstAfterMs / 1000)} s after it was back: reconnect backoff) = ${replayMessagesPerSecond} messages/s`,
    );

    let lost = 0;
    let duplicated = 0;
    const calls = await cloudChild.ask<[string, string, unknown][]>({
      cmd: 'calls',
      actions: ['StartTransaction', 'StopTransaction', 'MeterValues'],
    });
    const gotBy = new Map<string, string[]>();
    for (const [stationId, action, payload] of calls) {
      const q = payload as { meterStop?: number; meterValue?: { sampledValue: { value: string }[] }[] };
      const key =
        action === 'StartTransaction'
          ? 'start'
          : action === 'StopTransaction'
            ? `stop ${q.meterStop}`
            : `meter ${q.meterValue?.[0]?.sampledValue[0]?.value}`;
      gotBy.set(stationId, [...(gotBy.get(stationId) ?? []), key]);
    }
    for (const id of ids) {
      const want = sent.get(id) ?? [];
      const counts = new Map<string, number>();
      for (const k of gotBy.get(id) ?? []) counts.set(k, (counts.get(k) ?? 0) + 1);
      for (const k of want) if (!counts.has(k)) lost++;
      for (const n of counts.values()) if (n > 1) duplicated += n - 1;
    }
    say(`lost ${lost}, duplicated ${duplicated}`);
    return [
      {
        stations: STATIONS,
        addedP50Ms: r1(addedP50Ms),
        addedP99Ms: r1(addedP99Ms),
        replayMessagesPerSecond,
        lost,
        duplicated,
      },
    ];
  } finally {
    await Promise.allSettled(direct.map((c) => c.close({ force: true })));
    await Promise.allSettled(stations.map((s) => s.close()));
    if (fusebox && fusebox.exitCode === null && fusebox.signalCode === null) {
      const f = fusebox;
      await new Promise<void>((resolve) => {
        const hard = setTimeout(() => f.kill('SIGKILL'), 20_000);
        f.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        f.kill('SIGTERM');
      });
    }
    cloudChild.process.disconnect();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
