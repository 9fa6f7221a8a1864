/**
 * Property: for generated interleavings of station messages, cloud outages and Fusebox restarts, the cloud
 * receives every transaction message a station got an answer for exactly once, in that station's order
 * (plus a repeat of a message whose answer the cloud could not send because its connection dropped), and
 * every 1.6 message of a transaction carries the id the cloud gave it. Real sockets, a real SQLite file
 * kept across the restarts; FUZZ_RUNS=n for the long run (src/testing/fuzz-runs.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { fuzzParams, fuzzTimeoutMs } from '../testing/fuzz-runs.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

type Op = { kind: 'send'; station: number } | { kind: 'down' } | { kind: 'up' } | { kind: 'restart' };

const STATIONS: readonly { id: string; version: OcppVersion }[] = [
  { id: 'CP1', version: '1.6' },
  { id: 'CP2', version: '2.0.1' },
];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.integer({ min: 0, max: 1 }).map((station) => ({ kind: 'send' as const, station })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'down' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'up' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

const iso = (ms: number): string => new Date(ms).toISOString();

/** A station's script: start, two meter values, stop, again; `step` is the next message's place in it. */
interface Script {
  step: number;
  session: number;
  tx: number | undefined;
  seqNo: number;
  readonly acked: string[];
}

/** Sends the station's next message; returns the key the cloud must see it under. */
async function sendNext(st: SimulatedStation, s: Script): Promise<void> {
  const phase = s.step % 4;
  const wh = s.session * 100 + phase;
  const t = Date.now();
  if (st.version === '1.6') {
    if (phase === 0) {
      const r = await st.call<{ transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag: `S${s.session}`,
        meterStart: wh,
        timestamp: iso(t),
      });
      s.tx = r.transactionId;
    } else if (phase < 3) {
      await st.call('MeterValues', {
        connectorId: 1,
        transactionId: s.tx,
        meterValue: [{ timestamp: iso(t), sampledValue: [{ value: String(wh), unit: 'Wh' }] }],
      });
    } else {
      await st.call('StopTransaction', { transactionId: s.tx, meterStop: wh, timestamp: iso(t) });
      s.session++;
    }
  } else {
    const eventType = phase === 0 ? 'Started' : phase === 3 ? 'Ended' : 'Updated';
    await st.call('TransactionEvent', {
      eventType,
      timestamp: iso(t),
      triggerReason: phase === 0 ? 'Authorized' : phase === 3 ? 'EVCommunicationLost' : 'MeterValuePeriodic',
      seqNo: s.seqNo,
      transactionInfo: { transactionId: `tx-${s.session}` },
      evse: { id: 1, connectorId: 1 },
      meterValue: [
        { timestamp: iso(t), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] },
      ],
    });
    s.seqNo++;
    if (phase === 3) s.session++;
  }
  s.acked.push(`${phase}:${wh}`);
  s.step++;
}

/** The key of a transaction message the cloud received (the same as sendNext's). */
function keyOf(action: string, payload: unknown): string | undefined {
  const p = payload as {
    meterStart?: number;
    meterStop?: number;
    meterValue?: { sampledValue: { value: string | number }[] }[];
  };
  const value = Number(p.meterValue?.[0]?.sampledValue[0]?.value);
  if (action === 'StartTransaction') return `0:${p.meterStart}`;
  if (action === 'StopTransaction') return `3:${p.meterStop}`;
  if (action === 'MeterValues' || action === 'TransactionEvent') return `${value % 100}:${value}`;
  return undefined;
}

describe('proxy property: outages and restarts never lose, repeat or reorder a transaction message', () => {
  it(
    'holds for generated interleavings',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), async (ops) => {
          const dir = mkdtempSync(join(tmpdir(), 'fusebox-proxy-prop-'));
          // A slow cloud: the replay is still going on when the stations send their next messages.
          const cloud = await TestCloud.start({ firstTransactionId: 700, answerDelayMs: 25 });
          const scripts: Script[] = STATIONS.map(() => ({
            step: 0,
            session: 0,
            tx: undefined,
            seqNo: 0,
            acked: [],
          }));
          let p: Proxied | undefined;
          let sts: SimulatedStation[] = [];
          const start = async (boot: boolean): Promise<void> => {
            p = await startProxied({
              cloudUrl: cloud.url,
              stations: STATIONS,
              dbPath: join(dir, 'fusebox.db'),
            });
            sts = STATIONS.map(
              (s) => new SimulatedStation({ url: p!.h.url, stationId: s.id, version: s.version, ports: 1 }),
            );
            for (const st of sts) await st.connect({ boot });
          };
          const stop = async (): Promise<void> => {
            await Promise.allSettled(sts.map((s) => s.close()));
            await p?.stop();
          };
          try {
            await start(true);
            for (const op of ops) {
              if (op.kind === 'send') await sendNext(sts[op.station]!, scripts[op.station]!);
              else if (op.kind === 'down') await cloud.goDown();
              else if (op.kind === 'up') {
                cloud.up();
                for (const s of STATIONS)
                  await eventually(() => p!.proxy.status(s.id).state === 'connected', `${s.id} back`, 30_000);
              } else {
                await stop();
                await start(false);
              }
            }
            cloud.up();
            for (const s of STATIONS)
              await eventually(
                () => p!.proxy.status(s.id).queueDepth === 0 && p!.proxy.status(s.id).state === 'connected',
                `${s.id} replayed`,
                30_000,
              );
            STATIONS.forEach((s, i) => {
              const calls = cloud.of(s.id, [
                'StartTransaction',
                'MeterValues',
                'StopTransaction',
                'TransactionEvent',
              ]);
              // A copy whose answer the cloud could not send (its connection dropped meanwhile) is sent again:
              // OCPP gives no way to know whether the cloud kept it. Every other copy counts.
              const got = calls.filter((c) => !c.lost).map((c) => keyOf(c.action, c.payload));
              expect(got, `${s.id}: every answered message once, in order`).toEqual(scripts[i]!.acked);
              const all = calls.map((c) => keyOf(c.action, c.payload));
              expect(all.length - got.length, `${s.id}: repeats only of lost answers`).toBeLessThanOrEqual(
                ops.filter((o) => o.kind === 'down' || o.kind === 'restart').length,
              );
              if (s.version !== '1.6') return;
              // Each meter value and stop carries the id the cloud gave its session's start.
              let given: number | undefined;
              let next = 700;
              for (const c of calls.filter((x) => !x.lost)) {
                const tx = (c.payload as { transactionId?: number }).transactionId;
                if (c.action === 'StartTransaction') given = undefined;
                else {
                  expect(tx, `${s.id} ${c.action}`).toBeGreaterThanOrEqual(700);
                  given ??= tx;
                  expect(tx).toBe(given);
                  next = Math.max(next, tx!);
                }
              }
            });
          } finally {
            await stop();
            await cloud.close();
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        fuzzParams(4),
      );
    },
    fuzzTimeoutMs(4, 30_000),
  );
});
