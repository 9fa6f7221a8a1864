/**
 * The proxy bench's processes (bench/proxy.ts): a test cloud in a child process
 * (src/proxy/testing/cloud-child.ts), the real `fusebox start` in another, on a generated site file with
 * `upstream:`, and in this process the simulated stations (connected to Fusebox) and one direct client per
 * station (connected straight to the cloud).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OcppVersion } from '../../src/contracts/station-gateway.ts';
import { subprotocolOf } from '../../src/ocpp/ocpp-version.ts';
import type { RpcClient } from '../../src/ocpp/rpc.ts';
import { createRpcClient } from '../../src/ocpp/rpc.ts';
import { SimulatedStation } from '../../src/sim/devices/ocpp-station.ts';
import { freePort } from '../../src/testing/free-port.ts';

export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Polls `step` (every 250 ms) until `pred` holds. */
export async function until(
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

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); undefined elsewhere. */
export function cpuMsOf(pid: number | undefined): number | undefined {
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

/** A child process that prints `url <url>` and answers IPC requests `{ id, ... }` with `{ id, body }`. */
export class Child {
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
  version: OcppVersion,
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
        (id, i) =>
          `  - { id: ${id}, ocppVersion: '${version}', circuit: panel-${Math.floor(i / 20)}, ports: 1 }`,
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

export interface UpstreamState {
  readonly stationId: string;
  connected: boolean;
  queueDepth: number;
}

/** What a relayed station and a direct client have in common: a CALL and its answer. */
export interface Caller {
  call(action: string, payload: unknown): Promise<unknown>;
}

export interface Rig {
  readonly ids: readonly string[];
  readonly version: OcppVersion;
  readonly cloud: Child;
  readonly cloudUrl: string;
  readonly fuseboxPid: number | undefined;
  /** The stations, connected to Fusebox (relayed), by id. */
  readonly stations: ReadonlyMap<string, SimulatedStation>;
  /** One client per station straight to the cloud, by the station's id. */
  readonly direct: ReadonlyMap<string, RpcClient>;
  /** Per station, from Fusebox's /metrics (the API needs a login): link open, queue depth. */
  upstream(): Promise<UpstreamState[]>;
  /** Waits until every station's state satisfies `pred` (polling /metrics). */
  waitAll(pred: (x: UpstreamState) => boolean, timeoutMs: number, what: string): Promise<UpstreamState[]>;
  close(): Promise<void>;
}

/** Spawns `fusebox start` on the site and waits for /readyz. */
async function startFusebox(
  sitePath: string,
  dir: string,
  http: string,
): Promise<{ process: ChildProcess; alive: () => void }> {
  const logPath = join(dir, 'fusebox.log');
  const log = createWriteStream(logPath);
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const extra = (process.env.BENCH_FUSEBOX_ARGS ?? '').split(' ').filter((a) => a !== '');
  const fusebox = spawn(
    process.execPath,
    [...extra, '--import', 'tsx', cli, 'start', '--config', sitePath, '--log-format', 'json'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
  );
  fusebox.stdout.pipe(log);
  fusebox.stderr.pipe(log);
  let exited = false;
  fusebox.once('exit', () => (exited = true));
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
  return { process: fusebox, alive };
}

async function stop(fusebox: ChildProcess | undefined): Promise<void> {
  if (!fusebox || fusebox.exitCode !== null || fusebox.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const hard = setTimeout(() => fusebox.kill('SIGKILL'), 20_000);
    fusebox.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    fusebox.kill('SIGTERM');
  });
}

/** Starts the cloud and Fusebox, connects `ids` through Fusebox and straight to the cloud. */
export async function startRig(
  ids: readonly string[],
  version: OcppVersion,
  concurrency: number,
  say: (line: string) => void,
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-proxy-bench-'));
  const cloudScript = fileURLToPath(new URL('../../src/proxy/testing/cloud-child.ts', import.meta.url));
  const cloud = new Child(
    spawn(process.execPath, ['--import', 'tsx', cloudScript], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    }),
    'the cloud',
  );
  let fusebox: ChildProcess | undefined;
  const stations = new Map<string, SimulatedStation>();
  const direct = new Map<string, RpcClient>();
  const close = async (): Promise<void> => {
    await Promise.allSettled([...direct.values()].map((c) => c.close({ force: true })));
    await Promise.allSettled([...stations.values()].map((s) => s.close()));
    await stop(fusebox);
    cloud.process.disconnect();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cloudUrl = await cloud.url;
    const ports = { ocpp: await freePort(), http: await freePort() };
    const sitePath = join(dir, 'site.yaml');
    writeFileSync(sitePath, siteYaml(ids, version, ports, join(dir, 'fusebox.db'), cloudUrl));
    const http = `http://127.0.0.1:${ports.http}`;
    const started = await startFusebox(sitePath, dir, http);
    fusebox = started.process;
    const upstream = async (): Promise<UpstreamState[]> => {
      started.alive();
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
    const waitAll: Rig['waitAll'] = async (pred, timeoutMs, what) => {
      let states: UpstreamState[] = [];
      await until(
        () => states.every(pred),
        timeoutMs,
        what,
        async () => void (states = await upstream()),
      );
      return states;
    };
    say(
      `${ids.length} OCPP ${version} stations relayed by Fusebox (pid ${fusebox.pid}, work dir ${dir}) ` +
        `to a cloud on ${cloudUrl}`,
    );
    const url = `ws://127.0.0.1:${ports.ocpp}/ocpp`;
    await pool(ids, concurrency, async (id) => {
      const st = new SimulatedStation({ url, stationId: id, version, ports: 1, keepReceived: 0 });
      stations.set(id, st);
      await st.connect();
    });
    await waitAll((x) => x.connected, 120_000, 'links');
    await pool(ids, concurrency, async (id) => {
      const protocols = [subprotocolOf(version)];
      const c = createRpcClient({ endpoint: cloudUrl, identity: `D-${id}`, protocols, strictMode: false });
      direct.set(id, c);
      await c.connect();
    });
    return {
      ids,
      version,
      cloud,
      cloudUrl,
      fuseboxPid: fusebox.pid,
      stations,
      direct,
      upstream,
      waitAll,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
