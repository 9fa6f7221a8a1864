/**
 * Watching the relay (docs/proxy.md, "Watching it"): GET /api/v1/upstream and the Prometheus metrics of a
 * whole Fusebox (fusebox start's composition) relaying a simulated station to a test cloud.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fusebox } from '../app.ts';
import { startFusebox } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { loadSiteConfigText } from '../config/load.ts';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { TestCloud } from './testing/test-cloud.ts';
import { demoLoginCookie, stationOn } from '../testing/test-fusebox.ts';

let dir = '';
let fusebox: Fusebox | undefined;
let cloud: TestCloud | undefined;
const stations: SimulatedStation[] = [];
afterEach(async () => {
  await Promise.allSettled(stations.splice(0).map((s) => s.close()));
  await fusebox?.stop();
  await cloud?.close();
  fusebox = undefined;
  cloud = undefined;
  rmSync(dir, { recursive: true, force: true });
});

interface UpstreamBody {
  relaying: boolean;
  stations: {
    stationId: string;
    state: string;
    outageSince: string | null;
    queueDepth: number;
    oldestQueuedAgeS: number | null;
    lastRelayAt: string | null;
    failed: number;
  }[];
}

describe('GET /api/v1/upstream and the upstream metrics', () => {
  it('shows each station connected, then in outage with its queue, then replayed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-api-'));
    cloud = await TestCloud.start();
    const text = [
      'site: { timeZone: UTC }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations: [{ id: cp1, circuit: main }, { id: cp2, circuit: main }]',
      'upstream:',
      `  url: ${cloud.url}/{stationId}`,
      '  reconnect: { initialDelayMs: 100, maxDelayMs: 400 }',
      '  stations: [{ id: cp2, enabled: false }]',
    ].join('\n');
    const r = loadSiteConfigText(text, 'site.yaml');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    fusebox = await startFusebox({
      loaded: r as LoadedSiteConfig,
      configDir: dir,
      logger: pino({ level: 'silent' }),
      ports: { ocpp: 0, http: 0, ems: 0 },
      storePath: join(dir, 'fusebox.db'),
      demo: true,
    });
    const f = fusebox;
    const cookie = await demoLoginCookie(f);
    const get = async (): Promise<UpstreamBody> => {
      const res = await f.http.inject({ url: '/api/v1/upstream', headers: { cookie } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<UpstreamBody>();
    };
    const cp1 = async () => (await get()).stations.find((s) => s.stationId === 'cp1');

    expect((await f.http.inject({ url: '/api/v1/upstream' })).statusCode).toBe(401);
    const st = stationOn(f, 'cp1');
    stations.push(st);
    await st.connect();
    await eventually(async () => (await cp1())?.state === 'connected', 'cp1 connected upstream');
    const body = await get();
    expect(body.relaying).toBe(true);
    expect(body.stations.find((s) => s.stationId === 'cp2')?.state).toBe('disabled');
    expect((await cp1())!.lastRelayAt).not.toBeNull();
    expect(cloud.of('cp1', ['BootNotification'])).toHaveLength(1);

    // A cloud charging profile goes to the allocator's caps, answered by Fusebox, never to the station.
    await eventually(() => cloud!.clients.has('cp1'), 'cloud sees cp1');
    const profile = {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 31,
        stackLevel: 1,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 9 }] },
      },
    };
    expect(await cloud.call('cp1', 'SetChargingProfile', profile)).toEqual({ status: 'Accepted' });
    expect([...f.cloudProfiles.capsA(Date.now()).values()]).toContain(9);
    // (Fusebox may send its own profile to enforce the cap: never the cloud's, id 31.)
    const cloudId = (x: { payload: unknown }) =>
      (x.payload as { csChargingProfiles?: { chargingProfileId?: number } }).csChargingProfiles
        ?.chargingProfileId;
    expect(st.received.some((x) => x.action === 'SetChargingProfile' && cloudId(x) === 31)).toBe(false);

    await cloud.goDown();
    await eventually(async () => (await cp1())?.state === 'outage', 'outage shown');
    const { transactionId } = await st.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    await st.call('StopTransaction', { transactionId, meterStop: 5, timestamp: new Date().toISOString() });
    const during = (await cp1())!;
    expect(during.queueDepth).toBe(2);
    expect(during.outageSince).not.toBeNull();
    expect(during.oldestQueuedAgeS).toBeGreaterThanOrEqual(0);
    const metrics = (await f.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fusebox_upstream_connected\{station="cp1"\} 0/);
    expect(metrics).toMatch(/fusebox_upstream_queue_depth\{station="cp1"\} 2/);
    expect(metrics).toMatch(/fusebox_upstream_oldest_queued_seconds\{station="cp1"\} \d/);

    cloud.up();
    await eventually(async () => (await cp1())?.queueDepth === 0, 'replayed', 20_000);
    expect((await cp1())!.state).toBe('connected');
    const after = (await f.http.inject({ url: '/metrics' })).body;
    expect(after).toMatch(/fusebox_upstream_connected\{station="cp1"\} 1/);
    expect(after).toMatch(/fusebox_upstream_queue_depth\{station="cp1"\} 0/);
    const events = (await f.http.inject({ url: '/api/v1/events?limit=100', headers: { cookie } })).json<{
      items: { kind: string }[];
    }>();
    const kinds = events.items.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['upstream-outage', 'upstream-restored', 'upstream-replayed']),
    );
  });
});
