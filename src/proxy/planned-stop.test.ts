/**
 * A planned stop (SIGTERM, an upgrade) while Fusebox replays its queue to the cloud: the message in flight is
 * answered and its answer committed before the cloud links close, so after the restart the cloud gets
 * nothing twice (docs/proxy.md). Found by the proxy property test (proxy.fuzz.test.ts) under load: a restart
 * during a replay cut off the in-flight StartTransaction, which was sent again after the restart. Real
 * sockets, a real SQLite file kept across the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

const STATION = { id: 'CP1', version: '1.6' as const };
const iso = (ms: number): string => new Date(ms).toISOString();

describe('a planned stop during a replay', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('lets the message in flight be answered and committed: the cloud gets each message once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-planned-stop-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    // A slow cloud: its answer to the first replayed message is still due when Fusebox is told to stop.
    const cloud = await TestCloud.start({ firstTransactionId: 700, answerDelayMs: 400 });
    cleanups.push(() => cloud.close());
    const dbPath = join(dir, 'fusebox.db');
    const run = async (boot: boolean): Promise<{ p: Proxied; st: SimulatedStation }> => {
      const p = await startProxied({ cloudUrl: cloud.url, stations: [STATION], dbPath });
      const st = new SimulatedStation({ url: p.h.url, stationId: STATION.id, version: '1.6', ports: 1 });
      await st.connect({ boot });
      return { p, st };
    };
    let { p, st } = await run(true);
    cleanups.push(async () => {
      await st.close();
      await p.stop();
    });
    await eventually(() => p.proxy.status(STATION.id).state === 'connected', 'linked', 10_000);

    // The cloud away: the start and a meter value are answered by Fusebox and queued.
    await cloud.goDown();
    const t = Date.now();
    const { transactionId } = await st.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG1',
      meterStart: 100,
      timestamp: iso(t),
    });
    await st.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: iso(t + 1000), sampledValue: [{ value: '150', unit: 'Wh' }] }],
    });
    expect(p.proxy.status(STATION.id).queueDepth).toBe(2);

    // Back: the replay sends the start; Fusebox is stopped while the cloud's answer is due.
    cloud.up();
    await eventually(() => cloud.of(STATION.id, ['StartTransaction']).length === 1, 'start replayed', 10_000);
    await st.close();
    await p.stop();

    ({ p, st } = await run(false));
    await eventually(
      () => p.proxy.status(STATION.id).queueDepth === 0 && p.proxy.status(STATION.id).state === 'connected',
      'replayed after the restart',
      15_000,
    );
    // Every copy counts, lost answers too: the stop waited for the answer instead of cutting it off.
    const starts = cloud.of(STATION.id, ['StartTransaction']);
    expect(starts.map((c) => Boolean(c.lost))).toEqual([false]);
    const values = cloud.of(STATION.id, ['MeterValues']);
    expect(values).toHaveLength(1);
    // The meter value carries the id the cloud gave the start, which the first process committed.
    expect((values[0]!.payload as { transactionId: number }).transactionId).toBe(700);
  });
});
