/**
 * GET /api/v1/plan with a site battery, through the real app: a simulated SunSpec battery over real Modbus
 * TCP (its meter reads the state of charge), the planner schedules it even with no car (docs/control.md,
 * "The planner"): per slot its power and state of charge, within its reserve and maximum.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedMeters } from '../sim/devices/modbus-meter-server.ts';
import type { ApiFixture } from './testing/api-fixture.ts';
import { siteHead, startApiFixture } from './testing/api-fixture.ts';

let sim: SimulatedMeters | undefined;
let f: ApiFixture | undefined;

beforeAll(async () => {
  sim = await SimulatedMeters.start({
    devices: [{ unitId: 3, model: { sunspec: [124, 802] }, battery: { maxKw: 10, capacityKwh: 40 } }],
  });
  sim.set(3, { socPct: 50 });
  f = await startApiFixture({
    yaml: `${siteHead('Plan battery site', '{ defaultStayH: 8, defaultEnergyKwh: 10, planner: { horizonH: 6 } }', 63)}meters:
  - id: bat
    role: battery
    circuit: main
    driver: { type: modbus, host: 127.0.0.1, port: ${sim.port}, unitId: 3, preset: sunspec }
    battery: { capacityKwh: 40, maxChargeKw: 10, maxDischargeKw: 10, reserveSocPct: 20, maxSocPct: 90, control: { type: sunspec } }
stations:
  - { id: st-1, circuit: main, ports: 1 }
tariff:
  currency: EUR
  seasons:
    - name: all
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
      prices: [{ days: [weekdays, weekends, holidays], bands: [{ from: '00:00', perKwh: 0.3 }] }]
`,
  });
}, 60_000);
afterAll(async () => {
  await f?.stop();
  await sim?.close();
}, 30_000);

describe('GET /api/v1/plan with a battery', () => {
  it('shows the battery schedule: kW and SoC per slot within reserve..max, with no car', async () => {
    const headers = await f!.login('alice');
    let body: any;
    await vi.waitFor(
      async () => {
        const r = await f!.call('GET', '/api/v1/plan', { headers });
        expect(r.status).toBe(200);
        body = r.body;
        expect(body.battery, JSON.stringify(body)).not.toBeNull();
      },
      { timeout: 120_000, interval: 250 },
    );
    expect(body.battery).toMatchObject({ batteryId: 'bat', targetKw: expect.any(Number) });
    // No car: the cars' targets are not in force, the battery's schedule is.
    expect(body).toMatchObject({ enabled: true, active: false, sessions: [] });
    expect(body.slots.length).toBeGreaterThan(20);
    for (const s of body.slots) {
      expect(Math.abs(s.batteryKw)).toBeLessThanOrEqual(10 + 1e-6);
      expect(s.batterySocPct).toBeGreaterThanOrEqual(20 - 1e-6);
      expect(s.batterySocPct).toBeLessThanOrEqual(90 + 1e-6);
    }
    expect(body.battery.targetKw).toBeCloseTo(body.slots[0].batteryKw, 6);
    const m = await f!.call('GET', '/metrics');
    expect(m.text).toMatch(/^fusebox_planner_battery_kw -?\d/m);
  }, 180_000);
});
