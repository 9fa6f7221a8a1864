/**
 * Fusebox between stations and a cloud central system (docs/proxy.md): a real upstream CSMS (ocpp-rpc on
 * 127.0.0.1) that assigns its own transaction ids, a real OcppServer and SQLite file, simulated stations.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { closeAfterEach } from './testing/close-after-each.ts';
import type { Proxied } from './testing/proxied-harness.ts';
import { startProxied } from './testing/proxied-harness.ts';
import { TestCloud } from './testing/test-cloud.ts';

let cloud: TestCloud | undefined;
let p: Proxied | undefined;
const stations = closeAfterEach(() => [p, cloud]);

const iso = (ms: number): string => new Date(ms).toISOString();

function station16(url: string, id = 'CP1'): SimulatedStation {
  const st = new SimulatedStation({ url, stationId: id, version: '1.6', ports: 1 });
  stations.push(st);
  return st;
}

async function upstreamConnected(id = 'CP1'): Promise<void> {
  await eventually(() => p!.proxy.status(id).state === 'connected', `${id} upstream connected`);
}

/**
 * A test cloud (gone down first with `cloudDown`) and a proxy for one 1.6 station CP1, which is connected
 * (and relayed upstream when the cloud is up): the start most cases here share.
 */
async function proxiedCp1({ cloudDown = false } = {}): Promise<{ cloud: TestCloud; st: SimulatedStation }> {
  const c = await TestCloud.start();
  cloud = c;
  if (cloudDown) await c.goDown();
  p = await startProxied({ cloudUrl: c.url, stations: [{ id: 'CP1', version: '1.6' }] });
  const st = station16(p.h.url);
  await st.connect();
  if (!cloudDown) await upstreamConnected();
  return { cloud: c, st };
}

describe('OCPP 1.6 relay', () => {
  it('relays station calls to the cloud and answers the station with the cloud answer, payloads unchanged', async () => {
    cloud = await TestCloud.start({ passwords: { CP1: 'cloud-secret' } });
    p = await startProxied({
      cloudUrl: cloud.url,
      stations: [{ id: 'CP1', version: '1.6' }],
      passwords: { CP1: 'cloud-secret' },
    });
    const st = station16(p.h.url);
    await st.connect({ boot: false });
    await upstreamConnected();

    const boot = { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: 'f1' };
    const bootAnswer = await st.call<{ interval: number; status: string }>('BootNotification', boot);
    expect(bootAnswer).toMatchObject({ status: 'Accepted', interval: 123 }); // the cloud's interval, not Fusebox's
    const status = { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: iso(Date.now()) };
    await st.call('StatusNotification', status);
    expect(await st.call('Authorize', { idTag: 'BLOCKED' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    const start = { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: iso(Date.now()) };
    const started = await st.call<{ transactionId: number }>('StartTransaction', start);
    expect(started.transactionId).toBe(1000); // the cloud's id
    const meter = {
      connectorId: 1,
      transactionId: 1000,
      meterValue: [
        {
          timestamp: iso(Date.now()),
          sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        },
      ],
    };
    await st.call('MeterValues', meter);
    const stop = { transactionId: 1000, meterStop: 2500, timestamp: iso(Date.now() + 1), reason: 'Local' };
    await st.call('StopTransaction', stop);
    expect(await st.call('DataTransfer', { vendorId: 'acme', data: 'x' })).toEqual({
      status: 'Accepted',
      data: 'cloud:x',
    });

    const sent = cloud.of('CP1').map((c) => [c.action, c.payload]);
    expect(sent).toEqual([
      ['BootNotification', boot],
      ['StatusNotification', status],
      ['Authorize', { idTag: 'BLOCKED' }],
      ['StartTransaction', start],
      ['MeterValues', meter],
      ['StopTransaction', stop],
      ['DataTransfer', { vendorId: 'acme', data: 'x' }],
    ]);
    // Fusebox watched it all: the session is in its store with the energy the station reported.
    const row = p.h.store.db
      .prepare('SELECT energy_wh, stopped_ms FROM sessions WHERE station_id = ?')
      .get('CP1') as { energy_wh: number; stopped_ms: number | null };
    expect(row.energy_wh).toBe(1500);
    expect(row.stopped_ms).not.toBeNull();
    // The cloud's answer to the Authorize is cached for outages.
    expect(await p.h.store.ocpp.findIdTag('BLOCKED')).toMatchObject({ status: 'Blocked', source: 'cache' });
    expect(p.proxy.status('CP1').lastRelayMs).toBeGreaterThan(0);
  });

  it('relays cloud calls to the station and their answers back; cloud profiles never reach the station', async () => {
    const { cloud, st } = await proxiedCp1();
    await eventually(() => cloud.clients.has('CP1'), 'cloud sees CP1');

    const conf = await cloud.call('CP1', 'GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(conf).toHaveProperty('configurationKey');
    expect(
      st.received.some(
        (r) =>
          r.action === 'GetConfiguration' && JSON.stringify(r.payload) === '{"key":["HeartbeatInterval"]}',
      ),
    ).toBe(true);
    expect(await cloud.call('CP1', 'Reset', { type: 'Soft' })).toEqual({ status: 'Accepted' });
    expect(await cloud.call('CP1', 'DataTransfer', { vendorId: 'acme', data: 'y' })).toEqual({
      status: 'UnknownVendorId',
    });
    const got = st.received.map((r) => r.action);
    expect(got).toEqual(expect.arrayContaining(['GetConfiguration', 'Reset', 'DataTransfer']));
    expect(st.received.find((r) => r.action === 'Reset')!.payload).toEqual({ type: 'Soft' });

    const profile = {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 77,
        stackLevel: 5,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] },
      },
    };
    const before = st.received.filter((r) => r.action === 'SetChargingProfile').length;
    expect(await cloud.call('CP1', 'SetChargingProfile', profile)).toEqual({ status: 'Rejected' });
    expect(await cloud.call('CP1', 'ClearChargingProfile', { id: 77 })).toEqual({ status: 'Unknown' });
    expect(st.received.filter((r) => r.action === 'SetChargingProfile').length).toBe(before);
    expect(
      st.received.some(
        (r) => r.action === 'ClearChargingProfile' && (r.payload as { id?: number }).id === 77,
      ),
    ).toBe(false);

    // GetCompositeSchedule: answered from the limit Fusebox has in force on the port.
    await eventually(() => p!.h.server.effectiveLimitA('CP1-1') > 0, 'fail-safe default in force');
    const limit = p!.h.server.effectiveLimitA('CP1-1');
    const schedule = (await cloud.call('CP1', 'GetCompositeSchedule', {
      connectorId: 1,
      duration: 3600,
    })) as {
      status: string;
      chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
    };
    expect(schedule.status).toBe('Accepted');
    expect(schedule.chargingSchedule.chargingSchedulePeriod[0]!.limit).toBe(limit);
  });

  it('a cloud RemoteStart starts a session Fusebox then manages', async () => {
    const { cloud, st } = await proxiedCp1();
    await st.plugIn(1);
    expect(await cloud.call('CP1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'APP' })).toEqual({
      status: 'Accepted',
    });
    await eventually(() => cloud.of('CP1', ['StartTransaction']).length === 1, 'cloud got the start');
    await eventually(() => p!.h.server.port('CP1-1')?.sessionId !== undefined, 'Fusebox has the session');
  });

  it('answers locally during an outage and replays to the cloud in order, with the cloud transaction ids', async () => {
    cloud = await TestCloud.start({ firstTransactionId: 5000 });
    await cloud.goDown();
    p = await startProxied({ cloudUrl: cloud.url, stations: [{ id: 'CP1', version: '1.6' }] });
    const st = station16(p.h.url);
    expect((await st.connect()).status).toBe('Accepted'); // answered by Fusebox
    const t0 = Date.now();
    const start = { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: iso(t0) };
    const { transactionId: local } = await st.call<{ transactionId: number }>('StartTransaction', start);
    const meters = [1, 2, 3].map((k) => ({
      connectorId: 1,
      transactionId: local,
      meterValue: [
        {
          timestamp: iso(t0 + k * 1000),
          sampledValue: [{ value: String(k * 1000), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        },
      ],
    }));
    for (const m of meters) await st.call('MeterValues', m);
    const stop = {
      transactionId: local,
      meterStop: 3500,
      timestamp: iso(t0 + 4000),
      reason: 'EVDisconnected',
    };
    await st.call('StopTransaction', stop);
    expect(p.proxy.status('CP1')).toMatchObject({ state: 'outage', queueDepth: 5 });
    expect(p.proxy.status('CP1').outageSinceMs).toBeGreaterThan(0);

    cloud.up();
    await eventually(() => p!.proxy.status('CP1').queueDepth === 0, 'queue drained', 20_000);
    const tx = cloud.of('CP1', ['StartTransaction', 'MeterValues', 'StopTransaction']);
    expect(tx.map((c) => [c.action, c.payload])).toEqual([
      ['StartTransaction', start],
      ...meters.map((m) => ['MeterValues', { ...m, transactionId: 5000 }]),
      ['StopTransaction', { ...stop, transactionId: 5000 }],
    ]);
    // The boot Fusebox answered is told to the cloud first.
    expect(cloud.of('CP1')[0]!.action).toBe('BootNotification');
    // A later message with the local id is relayed live with the cloud's id.
    expect(p.proxy.status('CP1')).toMatchObject({ state: 'connected', queueDepth: 0 });
  });

  it('keeps a message the cloud answers with a CALLERROR, marked failed, and goes on', async () => {
    const { cloud, st } = await proxiedCp1({ cloudDown: true });
    const { transactionId } = await st.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 0,
      timestamp: iso(Date.now()),
    });
    await st.call('StopTransaction', { transactionId, meterStop: 10, timestamp: iso(Date.now() + 1) });
    let refused = 0;
    cloud.answers.set('StartTransaction', () => {
      refused++;
      throw new Error('no');
    });
    cloud.up();
    await eventually(() => p!.proxy.status('CP1').queueDepth === 0, 'queue drained', 20_000);
    expect(refused).toBe(1);
    expect(p!.proxy.status('CP1').failed).toBe(1);
    expect(cloud.of('CP1', ['StopTransaction'])).toHaveLength(1);
    const row = p!.h.store.db.prepare("SELECT error_code FROM proxy_outbox WHERE state = 'failed'").get() as {
      error_code: string;
    };
    expect(row.error_code).toMatch(/InternalError|GenericError/);
  });

  it('a queued message the cloud does not answer in time is sent again, though the station stays silent', async () => {
    const { cloud, st } = await proxiedCp1({ cloudDown: true });
    await st.call('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 0,
      timestamp: iso(Date.now()),
    });
    let attempts = 0;
    cloud.answers.set('StartTransaction', () => {
      attempts++;
      // The first copy is never answered (a cloud that hangs): the proxy's 5 s call timeout runs out.
      return attempts === 1
        ? new Promise(() => undefined)
        : { transactionId: 4242, idTagInfo: { status: 'Accepted' } };
    });
    cloud.up();
    await eventually(() => p!.proxy.status('CP1').queueDepth === 0, 'sent again and answered', 30_000);
    expect(attempts).toBe(2);
  }, 40_000);

  it('an upstream close does not drop the station, a station reconnect does not drop the upstream', async () => {
    const { cloud, st } = await proxiedCp1();
    await st.reconnect();
    await eventually(() => st.connected, 'station back');
    await st.heartbeat();
    expect(cloud.connects.get('CP1')).toBe(1);
    await cloud.goDown();
    await eventually(() => p!.proxy.status('CP1').state === 'outage', 'outage seen');
    expect(st.connected).toBe(true);
    await st.heartbeat(); // answered locally
    cloud.up();
    await upstreamConnected();
    expect(cloud.connects.get('CP1')).toBe(2);
  });
});

describe('OCPP 2.0.1 relay', () => {
  it('relays live, and replays TransactionEvents answered during an outage with offline: true', async () => {
    cloud = await TestCloud.start();
    p = await startProxied({ cloudUrl: cloud.url, stations: [{ id: 'CP2', version: '2.0.1' }] });
    const st = new SimulatedStation({ url: p.h.url, stationId: 'CP2', version: '2.0.1', ports: 1 });
    stations.push(st);
    await st.connect({ boot: false });
    await upstreamConnected('CP2');
    const boot = { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } };
    expect(await st.call('BootNotification', boot)).toMatchObject({ status: 'Accepted', interval: 123 });
    const ev = (seqNo: number, eventType: string, wh: number, extra: object = {}) => ({
      eventType,
      timestamp: iso(Date.now() + seqNo),
      triggerReason: eventType === 'Started' ? 'Authorized' : 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: 'tx-1' },
      evse: { id: 1, connectorId: 1 },
      meterValue: [
        {
          timestamp: iso(Date.now() + seqNo),
          sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }],
        },
      ],
      ...extra,
    });
    const live = ev(0, 'Started', 0, { idToken: { idToken: 'TAG', type: 'ISO14443' } });
    await st.call('TransactionEvent', live);
    await cloud.goDown();
    await eventually(() => p!.proxy.status('CP2').state === 'outage', 'outage seen');
    const offline = [ev(1, 'Updated', 500), ev(2, 'Updated', 1000), ev(3, 'Ended', 1200)];
    for (const e of offline) await st.call('TransactionEvent', e);
    expect(p.proxy.status('CP2').queueDepth).toBe(3);
    cloud.up();
    await eventually(() => p!.proxy.status('CP2').queueDepth === 0, 'queue drained', 20_000);
    expect(cloud.of('CP2', ['TransactionEvent']).map((c) => c.payload)).toEqual([
      live,
      ...offline.map((e) => ({ ...e, offline: true })),
    ]);
  });

  it('relays cloud calls down (GetVariables, RequestStartTransaction) and keeps cloud profiles from the station', async () => {
    cloud = await TestCloud.start();
    p = await startProxied({ cloudUrl: cloud.url, stations: [{ id: 'CP2', version: '2.0.1' }] });
    const st = new SimulatedStation({ url: p.h.url, stationId: 'CP2', version: '2.0.1', ports: 1 });
    stations.push(st);
    await st.connect();
    await upstreamConnected('CP2');
    await eventually(() => cloud!.clients.has('CP2'), 'cloud sees CP2');
    const query = {
      getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchThing' } }],
    };
    expect(await cloud.call('CP2', 'GetVariables', query)).toEqual({
      getVariableResult: [
        {
          attributeStatus: 'UnknownVariable',
          component: { name: 'OCPPCommCtrlr' },
          variable: { name: 'NoSuchThing' },
        },
      ],
    });
    expect(
      st.received.find(
        (r) => r.action === 'GetVariables' && JSON.stringify(r.payload) === JSON.stringify(query),
      ),
    ).toBeDefined();

    await st.plugIn(1);
    expect(
      await cloud.call('CP2', 'RequestStartTransaction', {
        evseId: 1,
        remoteStartId: 9,
        idToken: { idToken: 'APP', type: 'Central' },
      }),
    ).toEqual({ status: 'Accepted' });
    await eventually(() => cloud!.of('CP2', ['TransactionEvent']).length >= 1, 'cloud got the Started event');
    await eventually(() => p!.h.server.port('CP2-1')?.sessionId !== undefined, 'Fusebox manages the session');

    const before = st.received.filter((r) => r.action === 'SetChargingProfile').length;
    const profile = {
      evseId: 1,
      chargingProfile: {
        id: 5,
        stackLevel: 3,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [
          { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
        ],
      },
    };
    expect(await cloud.call('CP2', 'SetChargingProfile', profile)).toEqual({ status: 'Rejected' });
    expect(st.received.filter((r) => r.action === 'SetChargingProfile').length).toBe(before);
    const schedule = (await cloud.call('CP2', 'GetCompositeSchedule', { evseId: 1, duration: 600 })) as {
      status: string;
      schedule: { evseId: number; chargingSchedulePeriod: { limit: number }[] };
    };
    expect(schedule.status).toBe('Accepted');
    expect(schedule.schedule.evseId).toBe(1);
    expect(schedule.schedule.chargingSchedulePeriod[0]!.limit).toBe(p.h.server.effectiveLimitA('CP2-1'));
  });
});
