/**
 * `npm run bench -- proxy`: Fusebox relaying BENCH_STATIONS (500) simulated OCPP 1.6 stations to a cloud
 * central system (src/proxy/testing/test-cloud.ts), all in this process on 127.0.0.1.
 * - addedP50Ms / addedP99Ms: round trip of a Heartbeat through Fusebox to the cloud, minus the same from
 *   a direct connection to the same cloud (percentile against percentile).
 * - replayMessagesPerSecond: the cloud down for BENCH_OUTAGE_MIN (60) minutes of traffic (per station a
 *   StartTransaction, a MeterValues a minute, a StopTransaction), then back: queued messages over the time
 *   from the first replayed message the cloud receives to every queue empty (the reconnect backoff before
 *   it is printed apart).
 * - lost / duplicated: transaction messages the cloud lacks or has twice, against what the stations sent.
 */
import type { RpcClient } from '../src/ocpp/rpc.ts';
import { createRpcClient } from '../src/ocpp/rpc.ts';
import type { Proxied } from '../src/proxy/testing/proxied-harness.ts';
import { startProxied } from '../src/proxy/testing/proxied-harness.ts';
import { TestCloud } from '../src/proxy/testing/test-cloud.ts';
import { SimulatedStation } from '../src/sim/ocpp-station.ts';
import type { BenchOptions } from './run.ts';

const STATIONS = Number(process.env.BENCH_STATIONS ?? 500);
const OUTAGE_MIN = Number(process.env.BENCH_OUTAGE_MIN ?? 60);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 10);
const CONCURRENCY = 50;

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

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const r1 = (x: number): number => Math.round(x * 1000) / 1000;

export async function run(opts: BenchOptions): Promise<unknown[]> {
  const say = (line: string): void => {
    if (!opts.json) console.log(line);
    else console.error(line);
  };
  const cloud = await TestCloud.start({ firstTransactionId: 1 });
  const ids = Array.from({ length: STATIONS }, (_, i) => `P${String(i).padStart(4, '0')}`);
  let p: Proxied | undefined;
  const stations: SimulatedStation[] = [];
  const direct: RpcClient[] = [];
  try {
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: ids.map((id) => ({ id, version: '1.6' as const })),
      reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
    });
    const proxied = p;
    say(`${STATIONS} stations relayed to a cloud on ${cloud.url}`);
    await pool(ids, CONCURRENCY, async (id) => {
      const st = new SimulatedStation({ url: proxied.h.url, stationId: id, version: '1.6', ports: 1 });
      stations.push(st);
      await st.connect();
    });
    await until(() => ids.every((id) => proxied.proxy.status(id).state === 'connected'), 120_000, 'links');
    await pool(ids, CONCURRENCY, async (id) => {
      const c = createRpcClient({
        endpoint: cloud.url,
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
    await pool(ids, CONCURRENCY, async (id) => {
      const st = byId.get(id)!;
      const d = direct[ids.indexOf(id)] ?? direct[0]!;
      for (let k = 0; k < ROUND_TRIPS; k++) {
        let t = performance.now();
        await st.call('Heartbeat', {});
        relayed.push(performance.now() - t);
        t = performance.now();
        await d.call('Heartbeat', {});
        straight.push(performance.now() - t);
      }
    });
    relayed.sort((a, b) => a - b);
    straight.sort((a, b) => a - b);
    const addedP50Ms = percentile(relayed, 50) - percentile(straight, 50);
    const addedP99Ms = percentile(relayed, 99) - percentile(straight, 99);
    say(
      `Heartbeat round trip: relayed p50 ${r1(percentile(relayed, 50))} ms p99 ${r1(percentile(relayed, 99))} ms; ` +
        `direct p50 ${r1(percentile(straight, 50))} ms p99 ${r1(percentile(straight, 99))} ms ` +
        `(${relayed.length} each)`,
    );

    // A one-hour outage: every station's traffic is answered by Fusebox and queued.
    await cloud.goDown();
    await until(
      () => ids.every((id) => proxied.proxy.status(id).state !== 'connected'),
      60_000,
      'outage seen',
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
    const queued = ids.reduce((n, id) => n + proxied.proxy.status(id).queueDepth, 0);
    say(
      `outage: ${queued} messages answered by Fusebox and queued in ${r1((performance.now() - built) / 1000)} s`,
    );
    const before = cloud.calls.length;
    const upAt = performance.now();
    cloud.up();
    await until(() => cloud.calls.length > before, 60_000, 'the first replayed message');
    const firstAt = performance.now();
    await until(() => ids.every((id) => proxied.proxy.status(id).queueDepth === 0), 600_000, 'replay');
    const replaySeconds = (performance.now() - firstAt) / 1000;
    const replayMessagesPerSecond = Math.round(queued / replaySeconds);
    say(
      `replay: ${queued} messages in ${r1(replaySeconds)} s from the first one the cloud got ` +
        `(${r1((firstAt - upAt) / 1000)} s after it was back: reconnect backoff) = ${replayMessagesPerSecond} messages/s`,
    );

    let lost = 0;
    let duplicated = 0;
    const calls = cloud.calls.slice(before);
    for (const id of ids) {
      const got = calls
        .filter((c) => c.stationId === id && c.action !== 'StatusNotification' && c.action !== 'Heartbeat')
        .filter((c) => c.action !== 'BootNotification')
        .map((c) => {
          const q = c.payload as { meterStop?: number; meterValue?: { sampledValue: { value: string }[] }[] };
          if (c.action === 'StartTransaction') return 'start';
          if (c.action === 'StopTransaction') return `stop ${q.meterStop}`;
          return `meter ${q.meterValue?.[0]?.sampledValue[0]?.value}`;
        });
      const want = sent.get(id) ?? [];
      const counts = new Map<string, number>();
      for (const k of got) counts.set(k, (counts.get(k) ?? 0) + 1);
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
    await p?.dispose();
    await cloud.close();
  }
}
