/** Cloud profiles survive a restart (a real SQLite file, table cloud_profiles). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { openStore } from '../store/store.ts';
import { CloudProfiles } from './cloud-profiles.ts';
import { cloudSite } from './testing/cloud-site.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const SITE = cloudSite(false);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const port = (connectorId: number, sessionId?: number): PortSnapshot => ({
  portId: `s/${connectorId}`,
  stationId: 's',
  connectorId,
  connected: true,
  status: sessionId === undefined ? 'available' : 'charging',
  ...(sessionId !== undefined ? { sessionId, sessionStartedAtMs: T0 } : {}),
  failSafeA: 0,
  effectiveLimitA: 0,
});

const profile = (id: number, connectorId: number, purpose: string, limit: number) => ({
  connectorId,
  csChargingProfiles: {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      startSchedule: new Date(T0).toISOString(),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    },
  },
});

describe('CloudProfiles in SQLite', () => {
  it('keeps the profiles (and the session a TxProfile is bound to) across a restart; cleared ones stay gone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-cloud-'));
    const path = join(dir, 'fusebox.db');
    const ports = [port(1, 41), port(2)];
    const make = (store: ReturnType<typeof openStore>) =>
      new CloudProfiles({
        site: SITE,
        port: (id) => ports.find((p) => p.portId === id),
        logger: pino({ level: 'silent' }),
        now: () => T0,
        store: store.cloudProfiles,
      });

    let store = openStore(path);
    let cloud = make(store);
    expect(cloud.set('s', '1.6', profile(1, 0, 'TxDefaultProfile', 12))).toBe('Accepted');
    expect(cloud.set('s', '1.6', profile(2, 1, 'TxProfile', 8))).toBe('Accepted');
    expect(cloud.set('s', '1.6', profile(3, 2, 'TxDefaultProfile', 20))).toBe('Accepted');
    expect(cloud.clear('s', '1.6', { id: 3 })).toBe('Accepted');
    expect(Object.fromEntries(cloud.capsA(T0))).toEqual({ 's/1': 8, 's/2': 12 });
    await store.close();

    store = openStore(path);
    cloud = make(store);
    expect(cloud.list().map((p) => [p.profileId, p.sessionId])).toEqual([
      [1, undefined],
      [2, 41],
    ]);
    expect(Object.fromEntries(cloud.capsA(T0))).toEqual({ 's/1': 8, 's/2': 12 });
    // The transaction ended while Fusebox was down: its TxProfile goes, from the file too.
    ports[0] = port(1);
    expect(Object.fromEntries(cloud.capsA(T0))).toEqual({ 's/1': 12, 's/2': 12 });
    await store.close();

    store = openStore(path);
    expect(
      make(store)
        .list()
        .map((p) => p.profileId),
    ).toEqual([1]);
    await store.close();
  });

  it('drops a stored profile that is no longer valid, with a warning naming it, and keeps the others', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-cloud-'));
    const path = join(dir, 'fusebox.db');
    let store = openStore(path);
    const insert = store.db.prepare(
      `INSERT INTO cloud_profiles (station_id, profile_id, ocpp_version, payload, received_ms, session_id)
       VALUES (?, ?, '1.6', ?, ?, NULL)`,
    );
    insert.run('s', 1, JSON.stringify(profile(1, 0, 'TxDefaultProfile', 12)), T0);
    insert.run('s', 2, '{"connectorId": 1, "csChargingProf', T0);
    insert.run('s', 3, JSON.stringify(profile(3, 1, 'TxDefaultProfile', -4)), T0);
    const lines: string[] = [];
    const cloud = new CloudProfiles({
      site: SITE,
      port: (id) => [port(1), port(2)].find((p) => p.portId === id),
      logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }),
      now: () => T0,
      store: store.cloudProfiles,
    });
    expect(cloud.list().map((p) => p.profileId)).toEqual([1]);
    expect(Object.fromEntries(cloud.capsA(T0))).toEqual({ 's/1': 12, 's/2': 12 });
    const dropped = lines.filter((l) => l.includes('stored cloud charging profile dropped'));
    expect(dropped).toHaveLength(2);
    expect(dropped.join('')).toMatch(/"profileId":2/);
    const msgs = dropped.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual([
      expect.stringMatching(/^stored cloud charging profile dropped: .*not JSON/),
      expect.stringMatching(/^stored cloud charging profile dropped: .*chargingSchedulePeriod\.0\.limit/),
    ]);
    await store.close();
    store = openStore(path);
    expect(store.cloudProfiles.all().map((p) => p.profileId)).toEqual([1]);
    await store.close();
  });
});
