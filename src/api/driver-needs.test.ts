/**
 * PUT/DELETE /api/v1/ports/{portId}/needs over real OCPP and SQLite: a driver gives the session on a port its
 * departure and energy; deadline mode gives that car more of a full circuit, GET /ports says who set them,
 * the car's own NotifyEVChargingNeeds gives way, and bad input gets a clear error.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SCHEMA_MISMATCH } from './response-serializer.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { DEADLINE_ALLOCATION, siteHead, useApiFixture } from './testing/api-fixture.ts';

const HOUR = 3_600_000;
// One 32 A circuit for two 32 A cars that say nothing (1.6) and a 2.0.1 car that states its needs: full.
const SITE = `${siteHead('Driver needs site', DEADLINE_ALLOCATION, 32)}stations:
  - { id: a, circuit: main }
  - { id: b, circuit: main }
  - { id: ev, ocppVersion: 2.0.1, circuit: main }
  - { id: idle, circuit: main }
`;

const { f, alice, victor } = useApiFixture({ yaml: SITE, login: ['alice', 'victor'] });
const carDepartureMs = Math.floor((Date.now() + 6 * HOUR) / 1000) * 1000;
const stations = new Map<string, SimulatedStation>();
beforeAll(async () => {
  for (const id of ['a', 'b']) {
    const st = await f.station(id);
    stations.set(id, st);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, `TAG-${id}`);
    st.startMeterValues(300);
  }
  const ev = await f.station('ev');
  await ev.plugIn(1, { maxCurrentA: 32, phases: 3, departureMs: carDepartureMs, energyWantedWh: 30_000 });
  await ev.start(1, 'TAG-EV');
  ev.startMeterValues(300);
  await f.station('idle');
}, 30_000);

const put = (portId: string, body: unknown, headers = alice) =>
  f.call('PUT', `/api/v1/ports/${encodeURIComponent(portId)}/needs`, { headers, body });

/** PUT the needs of `portId` as alice: 200, and the session now matches `session`. */
async function putOk(portId: string, body: unknown, session: Record<string, unknown>): Promise<void> {
  const r = await put(portId, body);
  expect(r.status, r.text).toBe(200);
  expect(r.body.session).toMatchObject(session);
}

async function portsNow(): Promise<Map<string, any>> {
  const r = await f.call('GET', '/api/v1/ports', { headers: victor });
  expect(r.status).toBe(200);
  return new Map(r.body.ports.map((p: { id: string }) => [p.id, p]));
}

describe("a driver's needs", () => {
  it('gives the car the driver says leaves early more of the full circuit, and GET /ports says the driver set it', async () => {
    // All three sessions in the allocation first.
    await vi.waitFor(
      async () => {
        const ports = await portsNow();
        for (const id of ['a/1', 'b/1', 'ev/1'])
          expect(ports.get(id)?.session?.energyRemainingKwh, id).toEqual(expect.any(Number));
        expect(ports.get('b/1').session).toMatchObject({ departureSource: 'site', energySource: 'site' });
      },
      { timeout: 15_000, interval: 100 },
    );
    const departureAt = new Date(Math.floor((Date.now() + HOUR) / 1000) * 1000).toISOString();
    await putOk(
      'b/1',
      { departureAt, energyKwh: 18 },
      { departureAt, departureSource: 'driver', energyRequestedKwh: 18, energySource: 'driver' },
    );
    await vi.waitFor(
      async () => {
        const a = await f.call('GET', '/api/v1/allocation', { headers: victor });
        const of = (id: string) => a.body.ports.find((p: { portId: string }) => p.portId === id);
        // 18 kWh within the hour needs ~26 A on three phases: b gets the most, a and ev what is left.
        expect(of('b/1').currentA).toBeGreaterThan(of('a/1').currentA);
        expect(of('b/1').currentA).toBeGreaterThan(of('ev/1').currentA);
        expect(of('b/1').currentA).toBeGreaterThanOrEqual(20);
        expect(of('a/1').limitedBy.kind).toBe('circuit');
        expect(of('a/1').currentA + of('b/1').currentA + of('ev/1').currentA).toBeLessThanOrEqual(32);
        expect(of('b/1').reason).toMatch(
          /least laxity first: leaves (\d{1,2} \w{3} )?\d\d:\d\d, needs 1[78](\.\d)? kWh$/,
        );
      },
      { timeout: 15_000, interval: 100 },
    );
    await vi.waitFor(
      async () => {
        const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
        const item = audit.body.items.find((e: { message: string }) => /on b\/1/.test(e.message));
        expect(item?.message).toMatch(/^alice: needs of session \d+ on b\/1: leaves \S+, needs 18 kWh$/);
        expect(item?.data.user).toBe('alice');
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("wins over what the car said, one field at a time; DELETE gives the car's back", async () => {
    const before = (await portsNow()).get('ev/1').session;
    expect(before).toMatchObject({
      departureAt: new Date(carDepartureMs).toISOString(),
      departureSource: 'car',
      energyRequestedKwh: 30,
      energySource: 'car',
    });
    const departureAt = new Date(Math.floor((Date.now() + 2 * HOUR) / 1000) * 1000).toISOString();
    await putOk(
      'ev/1',
      { departureAt },
      { departureAt, departureSource: 'driver', energyRequestedKwh: 30, energySource: 'car' },
    );
    const cleared = await f.call('DELETE', '/api/v1/ports/ev%2F1/needs', { headers: alice });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.session).toMatchObject({
      departureAt: new Date(carDepartureMs).toISOString(),
      departureSource: 'car',
    });
  });

  it('refuses bad input with a clear error naming the field, a port without a session, and a viewer', async () => {
    const now = Date.now();
    const cases: [unknown, number, RegExp][] = [
      [{}, 400, /^departureAt: give departureAt or energyKwh/],
      [{ departureAt: new Date(now - HOUR).toISOString() }, 400, /^departureAt: .* is not in the future/],
      [
        { departureAt: new Date(now + 8 * 24 * HOUR).toISOString() },
        400,
        /^departureAt: at most 7 days ahead/,
      ],
      [{ departureAt: 'tomorrow' }, 400, /departureAt: expected an ISO-8601 date-time/],
      [{ energyKwh: 0 }, 400, /energyKwh: must be more than 0 kWh/],
      [{ energyKwh: -5 }, 400, /energyKwh: must be more than 0 kWh/],
      [{ energyKwh: 1e6 }, 400, /energyKwh: at most 2000 kWh/],
      [{ energyKwh: '20' }, 400, /energyKwh: expected the energy/],
      [{ energyKwh: 20, soc: 80 }, 400, /soc/],
    ];
    for (const [body, status, message] of cases) {
      const r = await put('a/1', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.message, JSON.stringify(body)).toMatch(message);
    }
    const idle = await put('idle/1', { energyKwh: 20 });
    expect(idle.status).toBe(409);
    expect(idle.body.message).toMatch(/port idle\/1 has no session/);
    expect((await f.call('DELETE', '/api/v1/ports/idle%2F1/needs', { headers: alice })).status).toBe(409);
    const unknown = await put('nope/1', { energyKwh: 20 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/no port 'nope\/1'/);
    expect((await put('a/1', { energyKwh: 20 }, victor)).status).toBe(403);
    // Nothing of it reached the session.
    expect((await portsNow()).get('a/1').session.departureSource).toBe('site');
    expect(f.logLines.filter((l) => l.includes(SCHEMA_MISMATCH))).toEqual([]);
  });

  it('belongs to the session: a new session on the port starts without it', async () => {
    const departureAt = new Date(Math.floor((Date.now() + 3 * HOUR) / 1000) * 1000).toISOString();
    expect((await put('a/1', { departureAt, energyKwh: 10 })).status).toBe(200);
    expect((await portsNow()).get('a/1').session.departureSource).toBe('driver');
    const st = stations.get('a')!;
    await st.stop(1, 'EVDisconnected');
    await st.unplug(1);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG-a2');
    await vi.waitFor(
      async () => {
        const s = (await portsNow()).get('a/1').session;
        expect(s).toMatchObject({ idTag: 'TAG-a2', departureSource: 'site', energySource: 'site' });
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});
