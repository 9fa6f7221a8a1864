/**
 * GET /ports in deadline mode through the API, over real OCPP and SQLite: a 2.0.1 car states its departure and energy
 * (NotifyEVChargingNeeds) and the session shows them, what it still needs and its SoC, and the reason line
 * shows its urgency; 1.6 cars that say nothing show the site file's stays (the port's, the station's, the
 * site default) and who set them.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCHEMA_MISMATCH } from './response-serializer.ts';
import { DEADLINE_ALLOCATION, siteHead, useApiFixture } from './testing/api-fixture.ts';

const HOUR = 3_600_000;
// A 32 A circuit for four 32 A cars: full, so who leaves first matters.
const SITE = `${siteHead('Deadline API site', DEADLINE_ALLOCATION, 32)}stations:
  - { id: ev, ocppVersion: 2.0.1, circuit: main }
  - id: old
    circuit: main
    stayH: 3
    ports:
      - {}
      - { stayH: 1.5, energyKwh: 6 }
  - { id: plain, circuit: main }
`;

/** "10:30" in the site's zone, as the reason line words a departure on the same day. */
// The reason shows the time of day, after the date ("6 Dec 00:30") when it is not today in the site's zone:
// the patterns accept both, so the tests pass at any hour.
const clock = (ms: number): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);

const { f, victor: headers } = useApiFixture({ yaml: SITE, login: ['victor'] });
const departureMs = Math.floor((Date.now() + HOUR) / 1000) * 1000;
beforeAll(async () => {
  const ev = await f.station('ev');
  await ev.plugIn(1, {
    maxCurrentA: 32,
    phases: 3,
    departureMs,
    energyWantedWh: 15_000,
    socPct: 40,
    capacityWh: 60_000,
  });
  await ev.start(1, 'TAG-EV');
  await ev.sendMeterValues(1);
  // Meter values keep the control loop running (and retrying a setpoint a busy machine let time out).
  ev.startMeterValues(300);
  const old = await f.station('old', 2);
  const plain = await f.station('plain');
  for (const [st, connector] of [
    [old, 1],
    [old, 2],
    [plain, 1],
  ] as const) {
    await st.plugIn(connector, { maxCurrentA: 32, phases: 3 });
    await st.start(connector, `TAG-${st.stationId}-${connector}`);
  }
  old.startMeterValues(300);
  plain.startMeterValues(300);
}, 30_000);
afterAll(async () => f?.stop());

/** The ports once the allocator has all four sessions' demands. */
async function settledPorts(): Promise<Map<string, any>> {
  let ports = new Map<string, any>();
  await vi.waitFor(
    async () => {
      const r = await f.call('GET', '/api/v1/ports', { headers });
      expect(r.status).toBe(200);
      ports = new Map(r.body.ports.map((p: { id: string }) => [p.id, p]));
      for (const id of ['ev/1', 'old/1', 'old/2', 'plain/1'])
        expect(ports.get(id)?.session?.energyRemainingKwh, id).toEqual(expect.any(Number));
      // 40 % at the start; it rises by a few hundredths a second as the car charges.
      expect(ports.get('ev/1').session.socPct).toBeCloseTo(40, 0);
    },
    { timeout: 10_000, interval: 100 },
  );
  return ports;
}

describe('GET /ports in deadline mode', () => {
  it('shows what the 2.0.1 car said: departure, energy asked and still needed, SoC; its urgency in the reason', async () => {
    const ports = await settledPorts();
    const ev = ports.get('ev/1');
    expect(ev.session).toMatchObject({
      idTag: 'TAG-EV',
      departureAt: new Date(departureMs).toISOString(),
      departureSource: 'car',
      energyRequestedKwh: 15,
    });
    expect(ev.session.socPct).toBeGreaterThanOrEqual(40);
    expect(ev.session.socPct).toBeLessThan(41);
    // What the allocator counts: asked less delivered since (next to nothing yet).
    expect(ev.session.energyRemainingKwh).toBeGreaterThan(14);
    expect(ev.session.energyRemainingKwh).toBeLessThanOrEqual(15);
    expect(ev.reason).toMatch(
      new RegExp(
        `; least laxity first: leaves (\\d{1,2} \\w{3} )?${clock(departureMs)}, needs 1[45](\\.\\d)? kWh$`,
      ),
    );
    // The same words in /ports/:id and /allocation.
    const one = await f.call('GET', '/api/v1/ports/ev%2F1', { headers });
    expect(one.body.session.departureSource).toBe('car');
    expect(one.body.reason).toMatch(/least laxity first: leaves (\d{1,2} \w{3} )?\d\d:\d\d/);
    const allocation = await f.call('GET', '/api/v1/allocation', { headers });
    const a = allocation.body.ports.find((p: { portId: string }) => p.portId === 'ev/1');
    expect(a.reason).toMatch(/least laxity first: leaves (\d{1,2} \w{3} )?\d\d:\d\d/);
  });

  it("shows the site file's stays for cars that say nothing, and who set each", async () => {
    const ports = await settledPorts();
    const started = (id: string): number => Date.parse(ports.get(id).session.startedAt);
    const departs = (id: string): number => Date.parse(ports.get(id).session.departureAt);
    expect(ports.get('old/1').session).toMatchObject({
      departureSource: 'station',
      energyRequestedKwh: 20,
      socPct: null,
    });
    expect(ports.get('old/2').session).toMatchObject({ departureSource: 'port', energyRequestedKwh: 6 });
    expect(ports.get('plain/1').session).toMatchObject({ departureSource: 'site', energyRequestedKwh: 20 });
    // startedAt is the stored session's (whole seconds on OCPP 1.6): within a second of the control loop's.
    expect(Math.abs(departs('old/1') - started('old/1') - 3 * HOUR)).toBeLessThan(1500);
    expect(Math.abs(departs('old/2') - started('old/2') - 1.5 * HOUR)).toBeLessThan(1500);
    expect(Math.abs(departs('plain/1') - started('plain/1') - 8 * HOUR)).toBeLessThan(1500);
    for (const id of ['old/1', 'plain/1'])
      expect(ports.get(id).session.energyRemainingKwh).toBeGreaterThan(19);
    expect(ports.get('plain/1').reason).toMatch(
      /least laxity first: leaves (\d{1,2} \w{3} )?\d\d:\d\d, needs (19|20) kWh$/,
    );
  });

  it('gives the car that leaves first more of the full circuit, and every answer matches its schema', async () => {
    await vi.waitFor(
      async () => {
        const r = await f.call('GET', '/api/v1/ports', { headers });
        const limit = (id: string): number => r.body.ports.find((p: { id: string }) => p.id === id).limitA;
        // 15 kWh in an hour needs ~21.7 A: it gets more than the car that stays 8 h.
        expect(limit('ev/1')).toBeGreaterThan(limit('plain/1'));
        expect(limit('ev/1') + limit('old/1') + limit('old/2') + limit('plain/1')).toBeLessThanOrEqual(32);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(f.logLines.filter((l) => l.includes(SCHEMA_MISMATCH))).toEqual([]);
  });
});
