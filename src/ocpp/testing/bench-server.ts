/**
 * The Fusebox side of `npm run bench -- ocpp`, run as its own process so its memory is measured alone:
 * an OcppServer with a SQLite store for N stations of 2 ports. Talks to the bench over Node IPC:
 * { cmd: 'stats' } and { cmd: 'push', currentA } are answered with a message carrying the same `id`.
 * BENCH_PASSWORD_HASH turns on security profile 1; BENCH_WRITER=inline writes in the main thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Site } from '../../core/site.ts';
import { openStore } from '../../store/store.ts';
import { OcppServer } from '../ocpp-server.ts';
import type { OcppStationSettings } from '../ocpp-settings.ts';
import { testPort } from './ocpp-harness.ts';

interface Request {
  readonly id: number;
  readonly cmd: 'stats' | 'push' | 'exit' | 'reset-loop-delay';
  readonly currentA?: number;
}

const stations = Number(process.env.BENCH_STATIONS ?? 1000);
const portsPerStation = 2;
const passwordHash = process.env.BENCH_PASSWORD_HASH;

const site: Site = {
  timeZone: 'UTC',
  circuits: [
    {
      id: 'main',
      parentId: null,
      limitA: stations * portsPerStation * 8,
      marginA: 0,
      supply: { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] },
    },
  ],
  ports: Array.from({ length: stations }, (_, s) =>
    Array.from({ length: portsPerStation }, (_, p) => testPort(`CP${s}`, p + 1)),
  ).flat(),
  meters: [],
};
const settings: OcppStationSettings[] = Array.from({ length: stations }, (_, s) => ({
  stationId: `CP${s}`,
  securityProfile: passwordHash ? 1 : 0,
  passwordHash,
}));

const dir = mkdtempSync(join(tmpdir(), 'fusebox-bench-'));
const store = openStore(join(dir, 'fusebox.db'), {
  writer: process.env.BENCH_WRITER === 'inline' ? 'inline' : 'thread',
});
const server = await OcppServer.start({
  site,
  stations: settings,
  repo: store.ocpp,
  log: pino({ level: 'error' }),
  settings: { port: 0, host: '127.0.0.1', acceptUnknownIdTags: true, meterValueSampleIntervalS: 10 },
});

let peakRssMb = 0;
setInterval(() => {
  peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20);
}, 250).unref();

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const send = (msg: unknown): void => {
  process.send?.(msg);
};

async function push(currentA: number): Promise<unknown> {
  const ports = server.ports().filter((p) => p.sessionId !== undefined);
  const start = performance.now();
  const results = await Promise.all(ports.map((p) => server.applySetpoint(p.portId, currentA)));
  const ms = performance.now() - start;
  const counts: Record<string, number> = {};
  for (const r of results) counts[r] = (counts[r] ?? 0) + 1;
  return { ms, ports: ports.length, counts };
}

function stats(): unknown {
  const ports = server.ports();
  return {
    rssMb: process.memoryUsage().rss / 2 ** 20,
    peakRssMb: Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20),
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    externalMb: process.memoryUsage().external / 2 ** 20,
    connected: server.connectedStationIds().length,
    defaultsAccepted: ports.filter((p) => p.effectiveLimitA === p.failSafeA).length,
    sessions: ports.filter((p) => p.sessionId !== undefined).length,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
}

process.on('message', (raw: unknown) => {
  const req = raw as Request;
  if (req.cmd === 'reset-loop-delay') {
    loopDelay.reset();
    send({ id: req.id, result: {} });
    return;
  }
  if (req.cmd === 'exit') {
    void server
      .close()
      .then(() => store.close())
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    return;
  }
  const work = req.cmd === 'push' ? push(req.currentA ?? 16) : Promise.resolve(stats());
  work.then(
    (result) => send({ id: req.id, result }),
    (err: unknown) => send({ id: req.id, error: String(err) }),
  );
});

send({ ready: true, url: server.url });
