/**
 * upstream.offlineUnknownIdTags (docs/proxy.md): while the cloud is down, Fusebox decides on id tags it does
 * not know (neither the local list nor the cache of the cloud's answers): accept, reject, or accept up to N
 * kWh, then stop the session itself. A real OcppServer and SQLite file, a simulated station, a cloud that is down.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { UpstreamSettings } from '../contracts/upstream.ts';
import { closeAfterEach } from './testing/close-after-each.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { rawStation, settingsFor, startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';
import { STOP_RESEND_AFTER_MS } from './offline-caps.ts';

let cloud: TestCloud | undefined;
let p: Proxied | undefined;
const stations = closeAfterEach(() => [p, cloud]);

const iso = (ms: number): string => new Date(ms).toISOString();

async function downCloudWith(
  policy: UpstreamSettings['offlineUnknownIdTags'],
  version: '1.6' | '2.0.1' = '1.6',
): Promise<SimulatedStation> {
  cloud = await TestCloud.start();
  await cloud.goDown();
  p = await startProxied({
    cloudUrl: cloud.url,
    stations: [{ id: 'CP1', version }],
    settings: { ...settingsFor(cloud.url), offlineUnknownIdTags: policy },
  });
  const st = new SimulatedStation({ url: p.h.url, stationId: 'CP1', version, ports: 1 });
  stations.push(st);
  await st.connect();
  await eventually(() => p!.proxy.status('CP1').state === 'outage', 'outage seen');
  return st;
}

const meterValues = (transactionId: number, wh: number) => ({
  connectorId: 1,
  transactionId,
  meterValue: [
    {
      timestamp: iso(Date.now()),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    },
  ],
});

describe('unknown id tags while the cloud is down (upstream.offlineUnknownIdTags)', () => {
  it('reject: an unknown tag is refused though ocpp.acceptUnknownIdTags is true; a local-list tag is not', async () => {
    const st = await downCloudWith('reject');
    await p!.h.store.ocpp.saveIdTag({
      idTag: 'STAFF',
      status: 'Accepted',
      source: 'local',
      updatedMs: Date.now(),
    });
    expect(await st.call('Authorize', { idTag: 'STRANGER' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    const started = await st.call<{ idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag: 'STRANGER',
      meterStart: 0,
      timestamp: iso(Date.now()),
    });
    expect(started.idTagInfo.status).toBe('Invalid');
    expect(await st.call('Authorize', { idTag: 'STAFF' })).toMatchObject({
      idTagInfo: { status: 'Accepted' },
    });
  });

  it('acceptUpToKwh: the session of an unknown tag is stopped by Fusebox once it reaches N kWh', async () => {
    const st = await downCloudWith({ acceptUpToKwh: 2 });
    const { accepted, transactionId } = await st.start(1, 'STRANGER');
    expect(accepted).toBe(true);
    const tx = Number(transactionId);
    await st.call('MeterValues', meterValues(tx, 1500));
    expect(st.received.filter((r) => r.action === 'RemoteStopTransaction')).toEqual([]);
    await st.call('MeterValues', meterValues(tx, 2100));
    await eventually(
      () => st.received.some((r) => r.action === 'RemoteStopTransaction'),
      'Fusebox stops the session at 2 kWh',
      20_000,
    );
    const stops = st.received.filter((r) => r.action === 'RemoteStopTransaction');
    expect(stops.map((r) => r.payload)).toEqual([{ transactionId: tx }]);
    // The station stops (its StopTransaction is answered and queued for the cloud) and Fusebox says why.
    await eventually(() => p!.h.server.port('CP1-1')?.sessionId === undefined, 'session ended', 20_000);
    const ev = p!.h.store.db
      .prepare("SELECT message FROM events WHERE kind = 'upstream-offline-limit'")
      .all() as { message: string }[];
    expect(ev).toHaveLength(1);
    expect(ev[0]!.message).toMatch(/STRANGER.*2 kWh/);
    // Further readings of the same session do not stop it twice.
    expect(st.received.filter((r) => r.action === 'RemoteStopTransaction')).toHaveLength(1);
  });

  it('acceptUpToKwh: a tag the cloud accepted before (cached) is not capped', async () => {
    const st = await downCloudWith({ acceptUpToKwh: 2 });
    await p!.h.store.ocpp.saveIdTag({
      idTag: 'REGULAR',
      status: 'Accepted',
      source: 'cache',
      updatedMs: Date.now(),
    });
    const { transactionId } = await st.start(1, 'REGULAR');
    await st.call('MeterValues', meterValues(Number(transactionId), 5000));
    expect(p!.h.server.port('CP1-1')?.sessionId).toBeDefined();
    expect(st.received.filter((r) => r.action === 'RemoteStopTransaction')).toEqual([]);
  });

  it('acceptUpToKwh, OCPP 2.0.1: the TransactionEvent answer accepts the tag, RequestStopTransaction at N kWh', async () => {
    const st = await downCloudWith({ acceptUpToKwh: 1 }, '2.0.1');
    await st.plugIn(1);
    const { accepted, transactionId } = await st.start(1, 'STRANGER');
    expect(accepted).toBe(true);
    const updated = (seqNo: number, wh: number) => ({
      eventType: 'Updated',
      timestamp: iso(Date.now()),
      triggerReason: 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId },
      meterValue: [
        {
          timestamp: iso(Date.now()),
          sampledValue: [
            { value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
          ],
        },
      ],
    });
    await st.call('TransactionEvent', updated(100, 400));
    expect(st.received.filter((r) => r.action === 'RequestStopTransaction')).toEqual([]);
    await st.call('TransactionEvent', updated(101, 1200));
    await eventually(
      () => st.received.some((r) => r.action === 'RequestStopTransaction'),
      'Fusebox stops the session at 1 kWh',
      20_000,
    );
    expect(st.received.filter((r) => r.action === 'RequestStopTransaction').map((r) => r.payload)).toEqual([
      { transactionId },
    ]);
  });

  /** A down cloud, Fusebox with a 2 kWh offline limit, a raw 1.6 station whose stops get `stopAnswer(n)`. */
  async function cappedRawStation(
    stopAnswer: (n: number) => Record<string, unknown>,
    options: { offlineStopRetryMs?: number; now?: () => number } = {},
  ) {
    cloud = await TestCloud.start();
    await cloud.goDown();
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: [{ id: 'CP1', version: '1.6' }],
      settings: { ...settingsFor(cloud.url), offlineUnknownIdTags: { acceptUpToKwh: 2 } },
      ...options,
    });
    const stops: number[] = [];
    const st = await rawStation(p.h.url, 'CP1', '1.6', (call) => {
      if (call.method !== 'RemoteStopTransaction') return {};
      stops.push(performance.now());
      return stopAnswer(stops.length);
    });
    await st.client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await eventually(() => p!.proxy.status('CP1').state === 'outage', 'outage seen');
    const { transactionId: tx } = (await st.client.call('StartTransaction', {
      connectorId: 1,
      idTag: 'STRANGER',
      meterStart: 0,
      timestamp: iso(Date.now()),
    })) as { transactionId: number };
    const reading = (wh: number) => st.client.call('MeterValues', meterValues(tx, wh));
    return { st, stops, reading };
  }

  const limitEvents = (): number =>
    (
      p!.h.store.db
        .prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'upstream-offline-limit'")
        .get() as { n: number }
    ).n;

  it('acceptUpToKwh: a stop the station refuses is sent again with its next reading', async () => {
    // The timed retry is a minute away: only the reading can bring the second stop.
    const { st, stops, reading } = await cappedRawStation(
      (n) => ({ status: n === 1 ? 'Rejected' : 'Accepted' }),
      { offlineStopRetryMs: 60_000 },
    );
    try {
      await reading(2100);
      await eventually(() => stops.length === 1, 'first stop asked', 20_000);
      // The refusal reaches Fusebox after the station's handler returned: wait until it is in.
      await eventually(
        async () => {
          await reading(2200);
          return stops.length === 2;
        },
        'stop asked again with a reading after the refusal',
        20_000,
      );
      expect(limitEvents()).toBe(1);
      // Accepted: no more stops, whatever the readings.
      await reading(2300);
      await st.client.call('Heartbeat', {});
      expect(stops.length).toBe(2);
    } finally {
      await st.client.close({ force: true });
    }
  });

  it('acceptUpToKwh: a refused or failed stop is retried without readings, each wait twice the last', async () => {
    const retryMs = 200;
    const { st, stops, reading } = await cappedRawStation(
      (n) => {
        if (n === 2) throw new Error('the station fails the call');
        return { status: n === 3 ? 'Accepted' : 'Rejected' };
      },
      { offlineStopRetryMs: retryMs },
    );
    try {
      await reading(2100);
      await eventually(() => stops.length === 3, 'stopped on the third try, without another reading', 20_000);
      // A timer never fires early; the answer reaches Fusebox after the station noted the time.
      expect(stops[1]! - stops[0]!).toBeGreaterThanOrEqual(retryMs - 2);
      expect(stops[2]! - stops[1]!).toBeGreaterThanOrEqual(2 * retryMs - 2);
      await new Promise((r) => setTimeout(r, 4 * retryMs));
      expect(stops.length).toBe(3);
      expect(limitEvents()).toBe(1);
    } finally {
      await st.client.close({ force: true });
    }
  });

  it('acceptUpToKwh: a session still sending readings a minute after its station accepted the stop is stopped again', async () => {
    let offsetMs = 0;
    const { st, stops, reading } = await cappedRawStation(() => ({ status: 'Accepted' }), {
      now: () => Date.now() + offsetMs,
    });
    try {
      await reading(2100);
      await eventually(() => stops.length === 1, 'first stop asked', 20_000);
      await st.client.call('Heartbeat', {});
      offsetMs = STOP_RESEND_AFTER_MS - 5_000;
      await reading(2200);
      await st.client.call('Heartbeat', {});
      expect(stops.length).toBe(1);
      offsetMs = STOP_RESEND_AFTER_MS + 1_000;
      await reading(2300);
      await eventually(() => stops.length === 2, 'the stop sent again', 20_000);
      expect(limitEvents()).toBe(1);
    } finally {
      await st.client.close({ force: true });
    }
  });
});
