/** The read routes, records and station commands through the API, with a simulated station over real OCPP. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- assertions read JSON bodies */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PowerHistoryRecorder } from './power-history-recorder.ts';
import { startSessionsStation, useApiFixture } from './testing/api-fixture.ts';

const { f, alice, victor } = useApiFixture({ login: ['alice', 'victor'] });
beforeAll(async () => {
  await startSessionsStation(f);
}, 60_000);

describe('live state', () => {
  it('GET /site describes the tree, stations and ports from the site file', async () => {
    const r = await f.call('GET', '/api/v1/site', { headers: victor });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'API test site', timeZone: 'Europe/Amsterdam', supply: '230/400V' });
    expect(r.body.circuits[0]).toEqual({
      id: 'main',
      name: 'Main',
      kind: 'grid',
      parentId: null,
      phases: ['L1', 'L2', 'L3'],
      limitA: 63,
      limitKw: 40,
      hasSchedule: false,
      meterId: null,
    });
    expect(r.body.circuits.find((c: { id: string }) => c.id === 'right').hasSchedule).toBe(true);
    expect(r.body.stations).toEqual([
      { id: 'st-1', name: 'st-1', ocppVersion: '1.6' },
      { id: 'st-2', name: 'st-2', ocppVersion: '2.0.1' },
    ]);
    expect(r.body.ports).toContainEqual({
      id: 'st-1/1',
      stationId: 'st-1',
      circuitId: 'left',
      name: 'st-1 #1',
      phases: 'L1L2L3',
      minA: 6,
      maxA: 32,
      kind: 'ac',
    });
  });

  it('GET /circuits shows per-phase load, limits, capacity and headroom of every circuit', async () => {
    await vi.waitFor(
      async () => {
        const r = await f.call('GET', '/api/v1/circuits', { headers: victor });
        const left = r.body.circuits.find((c: { id: string }) => c.id === 'left');
        expect(left.evLoadA[0]).toBeGreaterThan(5);
      },
      { timeout: 10_000, interval: 100 },
    );
    const r = await f.call('GET', '/api/v1/circuits', { headers: victor });
    expect(r.body.atMs).toEqual(expect.any(Number));
    const left = r.body.circuits.find((c: { id: string }) => c.id === 'left');
    expect(left).toMatchObject({
      id: 'left',
      parentId: 'main',
      limitA: [32, 32, 32],
      effectiveLimitA: [32, 32, 32],
      limitKw: null,
      limitSource: null,
      overrideId: null,
    });
    // SLM: the load is the EV ports' measured load; headroom is what is left below the limit.
    expect(left.loadA).toEqual(left.evLoadA);
    for (let p = 0; p < 3; p++) expect(left.headroomA[p]).toBeCloseTo(32 - left.loadA[p], 1);
    const main = r.body.circuits.find((c: { id: string }) => c.id === 'main');
    expect(main.name).toBe('Main');
    expect(left.name).toBe('Left row');
    expect(main.limitKw).toBe(40);
    expect(main.loadKw).toBeGreaterThan(0);
  });

  it('GET /ports and /ports/:id give state, measured current, limit, reason and session', async () => {
    const r = await f.call('GET', '/api/v1/ports', { headers: victor });
    expect(r.status).toBe(200);
    const p1 = r.body.ports.find((p: { id: string }) => p.id === 'st-1/1');
    expect(p1).toMatchObject({ stationId: 'st-1', circuitId: 'left', connected: true, state: 'charging' });
    expect(p1.limitA).toBeGreaterThanOrEqual(6);
    expect(p1.reason).toEqual(expect.any(String));
    expect(p1.limitedBy.kind).toEqual(expect.any(String));
    expect(p1.measuredA).toHaveLength(3);
    expect(p1.session).toMatchObject({
      idTag: 'TAG-ONE',
      id: expect.any(Number),
      durationS: expect.any(Number),
    });
    expect(Date.parse(p1.session.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    // Fair mode, a 1.6 car that says nothing: no departure or energy to show (ports-deadline.test.ts has them).
    expect(p1.session).toMatchObject({
      departureAt: null,
      departureSource: null,
      energyRequestedKwh: null,
      energyRemainingKwh: null,
      socPct: null,
    });
    expect(p1.reason).not.toMatch(/laxity/);
    const p2 = r.body.ports.find((p: { id: string }) => p.id === 'st-1/2');
    expect(p2.session).toBeNull();
    const offline = r.body.ports.find((p: { id: string }) => p.id === 'st-2/1');
    expect(offline).toMatchObject({ connected: false, state: 'offline', limitA: 0 });

    const one = await f.call('GET', '/api/v1/ports/st-1%2F1', { headers: victor });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe('st-1/1');
    const none = await f.call('GET', '/api/v1/ports/nope', { headers: victor });
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/nope/);
  });

  it('GET /stations and /allocation', async () => {
    const s = await f.call('GET', '/api/v1/stations', { headers: victor });
    expect(s.body.stations).toContainEqual(
      expect.objectContaining({
        id: 'st-1',
        connected: true,
        vendor: 'TestVendor',
        model: 'T1',
        portIds: ['st-1/1', 'st-1/2'],
      }),
    );
    expect(s.body.stations).toContainEqual(
      expect.objectContaining({ id: 'st-2', connected: false, lastSeenAt: null }),
    );
    const a = await f.call('GET', '/api/v1/allocation', { headers: victor });
    expect(a.body.ports).toContainEqual(
      expect.objectContaining({ portId: 'st-1/1', currentA: expect.any(Number), reason: expect.any(String) }),
    );
  });
});

describe('records', () => {
  it('GET /sessions filters and pages, newest first', async () => {
    const all = await f.call('GET', '/api/v1/sessions', { headers: victor });
    expect(all.body.total).toBe(2);
    expect(all.body.items.map((s: { idTag: string }) => s.idTag)).toEqual(['TAG-TWO', 'TAG-ONE']);
    const stopped = all.body.items[0];
    expect(stopped).toMatchObject({ stationId: 'st-1', portId: 'st-1/2', stopReason: 'EVDisconnected' });
    expect(stopped.stoppedAt).toEqual(expect.any(String));
    const active = await f.call('GET', '/api/v1/sessions?active=true', { headers: victor });
    expect(active.body.items.map((s: { idTag: string }) => s.idTag)).toEqual(['TAG-ONE']);
    expect((await f.call('GET', '/api/v1/sessions?active=false', { headers: victor })).body.total).toBe(1);
    expect((await f.call('GET', '/api/v1/sessions?idTag=TAG-ONE', { headers: victor })).body.total).toBe(1);
    expect((await f.call('GET', '/api/v1/sessions?portId=st-1%2F2', { headers: victor })).body.total).toBe(1);
    const page = await f.call('GET', '/api/v1/sessions?limit=1&offset=1', { headers: victor });
    expect(page.body).toMatchObject({ total: 2, items: [{ idTag: 'TAG-ONE' }] });
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await f.call('GET', `/api/v1/sessions?from=${future}`, { headers: victor })).body.total).toBe(0);
    for (const [q, field] of <[string, string][]>[
      ['from=yesterday', 'querystring.from'],
      ['limit=0', 'querystring.limit'],
      ['active=maybe', 'querystring.active'],
    ]) {
      const bad = await f.call('GET', `/api/v1/sessions?${q}`, { headers: victor });
      expect(bad.status, q).toBe(400);
      expect(bad.body.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
    }
  });

  it('GET /sessions.csv exports the same filters as a CSV attachment', async () => {
    const r = await f.call('GET', '/api/v1/sessions.csv?stationId=st-1', { headers: victor });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="sessions.csv"');
    const lines = r.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,stationId,portId,idTag,startedAt,stoppedAt,energyKwh,durationS,stopReason');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d+,st-1,st-1\/2,TAG-TWO,\d{4}-.*,EVDisconnected$/);
  });

  it('GET /events filters by kind and level and pages', async () => {
    const all = await f.call('GET', '/api/v1/events?limit=5', { headers: victor });
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThan(0);
    expect(all.body.items.length).toBeLessThanOrEqual(5);
    const e = all.body.items[0];
    expect(Object.keys(e).sort()).toEqual([
      'at',
      'data',
      'id',
      'kind',
      'level',
      'message',
      'portId',
      'stationId',
    ]);
    const kind = e.kind as string;
    const byKind = await f.call('GET', `/api/v1/events?kind=${kind}`, { headers: victor });
    expect(byKind.body.items.every((x: { kind: string }) => x.kind === kind)).toBe(true);
    const bad = await f.call('GET', '/api/v1/events?level=loud', { headers: victor });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^querystring\.level/);
  });

  it('GET /history averages the recorded minutes into buckets, site in kW and a circuit in A', async () => {
    const fusebox = f.fusebox;
    const recorder = new PowerHistoryRecorder(fusebox.store.api.records, undefined, 0);
    const snap = fusebox.control.snapshot()!;
    const t0 = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000; // a whole hour, 3 h ago
    for (let m = 0; m < 3; m++)
      for (let k = 0; k < 3; k++)
        recorder.sample(fusebox.control.site(), snap, fusebox.ocpp.ports(), t0 + m * 60_000 + k * 10_000);
    await recorder.flush();
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 5 * 60_000).toISOString();
    const site = await f.call('GET', `/api/v1/history?from=${from}&to=${to}&resolution=1m`, {
      headers: victor,
    });
    expect(site.status).toBe(200);
    expect(site.body.resolutionS).toBe(60);
    expect(site.body.t).toEqual([0, 1, 2, 3, 4].map((m) => t0 + m * 60_000));
    expect(Object.keys(site.body.series).sort()).toEqual(['battery', 'ev', 'grid', 'other', 'pv']);
    expect(site.body.series.ev.slice(0, 3).every((v: number | null) => v !== null && v > 0)).toBe(true);
    expect(site.body.series.ev.slice(3)).toEqual([null, null]);
    expect(site.body.series.grid[0]).toBeNull(); // no grid meter on this site

    const left = await f.call('GET', `/api/v1/history?from=${from}&to=${to}&resolution=15m&circuitId=left`, {
      headers: victor,
    });
    expect(left.body.resolutionS).toBe(900);
    expect(left.body.t).toEqual([t0]);
    expect(left.body.series.limit).toEqual([32]);
    expect(left.body.series.load[0]).toBeGreaterThan(0);

    const auto = await f.call('GET', '/api/v1/history', { headers: victor });
    expect(auto.body.resolutionS).toBe(60);
    expect(auto.body.t.length).toBeLessThanOrEqual(1500);
    const bad = await f.call('GET', '/api/v1/history?circuitId=nowhere', { headers: victor });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^querystring\.circuitId/);
    expect((await f.call('GET', '/api/v1/history?resolution=5m', { headers: victor })).body.message).toMatch(
      /^querystring\.resolution/,
    );
  });
});

describe('station commands', () => {
  it('remote stop and start, reset and availability get the station answer; each is audited', async () => {
    const stop = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'remoteStop', portId: 'st-1/1' },
    });
    expect(stop.status).toBe(200);
    expect(stop.body).toEqual({ status: 'Accepted' });
    const start = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'remoteStart', portId: 'st-1/2', idTag: 'REMOTE' },
    });
    expect(start.body).toEqual({ status: 'Accepted' });
    const reset = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'reset', type: 'soft' },
    });
    expect(reset.body).toEqual({ status: 'Accepted' });
    const avail = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'availability', portId: 'st-1/1', available: false },
    });
    expect(avail.body).toEqual({ status: 'Accepted' });
    const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
    expect(audit.body.items.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['alice: remoteStop on st-1: Accepted', 'alice: reset on st-1: Accepted']),
    );
    const metrics = await f.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      /^fusebox_ocpp_messages_total\{direction="out",action="RemoteStopTransaction",version="1\.6"\} 1$/m,
    );
  });

  it('404 for an unknown station, 409 when offline, 400 for a bad body or a port of another station', async () => {
    const cmd = (id: string, body: unknown) =>
      f.call('POST', `/api/v1/stations/${id}/commands`, { headers: alice, body });
    const unknown = await cmd('nope', { command: 'reset', type: 'soft' });
    expect(unknown.status).toBe(404);
    const offline = await cmd('st-2', { command: 'reset', type: 'hard' });
    expect(offline.status).toBe(409);
    expect(offline.body.message).toMatch(/st-2.*not connected/);
    const badCommand = await cmd('st-1', { command: 'explode' });
    expect(badCommand.status).toBe(400);
    expect(badCommand.body.message).toMatch(/^body\.command/);
    const badType = await cmd('st-1', { command: 'reset', type: 'medium' });
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/^body\.type/);
    const otherPort = await cmd('st-1', { command: 'remoteStop', portId: 'st-2/1' });
    expect(otherPort.status).toBe(400);
    expect(otherPort.body.message).toMatch(/^portId: 'st-2\/1' is not a port of station 'st-1'/);
    const viewer = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: victor,
      body: { command: 'reset', type: 'soft' },
    });
    expect(viewer.status).toBe(403);
  });
});
