/**
 * GET /api/v1/plan: the live planner through the real app (real OCPP station, the solve in its worker):
 * per slot the expected import, the price and the demand target; per session its departure, need, planned
 * energy and whether the need is met; the month's peak and its cost from the demand cap; and the metrics.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { describe, expect, it, vi } from 'vitest';
import { siteHead, useApiFixture } from './testing/api-fixture.ts';
import { tariffYaml } from '../config/testing/tariff-yaml.ts';

const SITE = `${siteHead('Plan test site', '{ defaultStayH: 8, defaultEnergyKwh: 10, planner: { horizonH: 12 } }', 63)}stations:
  - { id: st-1, circuit: main, ports: 2 }
${tariffYaml({ demand: '{ floorKw: 20 }', demandPerKw: 11.5, perKwh: 0.3 })}`;

const { f, victor } = useApiFixture({ yaml: SITE, login: ['victor'] });
const { f: plain } = useApiFixture({ login: [] });

describe('GET /api/v1/plan', () => {
  it('says the planner is off on a site without site.allocation.planner', async () => {
    const r = await plain.call('GET', '/api/v1/plan', { headers: await plain.login('victor') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      enabled: false,
      active: false,
      reason: 'the site file has no site.allocation.planner',
      slots: [],
      sessions: [],
    });
  });

  it('plans a session with its configured stay and need: slots, the session met by its departure, metrics', async () => {
    // No session yet: nothing to solve, and the reason says so (a solve of no session failed in HiGHS).
    await vi.waitFor(
      async () => {
        const r = await f.call('GET', '/api/v1/plan', { headers: victor });
        expect(r.body).toMatchObject({
          enabled: true,
          active: false,
          reason: 'no session with a known departure and need',
        });
      },
      { timeout: 30_000, interval: 250 },
    );
    const st = await f.station('st-1', 2);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG-1');
    st.startMeterValues(500);
    let body: any;
    await vi.waitFor(
      async () => {
        const r = await f.call('GET', '/api/v1/plan', { headers: victor });
        expect(r.status).toBe(200);
        body = r.body;
        expect(body.active, body.reason).toBe(true);
        expect(body.sessions).toHaveLength(1);
      },
      { timeout: 120_000, interval: 250 },
    );
    expect(body).toMatchObject({ enabled: true, reason: null, slotMinutes: 15, horizonHours: 12 });
    expect(body.solveMs).toBeGreaterThan(0);
    expect(Date.parse(body.solvedAt)).toBeGreaterThan(0);
    const s = body.sessions[0];
    expect(s).toMatchObject({ portId: 'st-1/1', met: true });
    expect(s.needKwh).toBeGreaterThan(9);
    expect(s.plannedKwh).toBeCloseTo(s.needKwh, 3);
    expect(s.shortKwh).toBeLessThan(0.05);
    // Eight hours from the start, give or take the test's own seconds.
    expect(Date.parse(s.departure) - Date.now()).toBeGreaterThan(7.9 * 3_600_000);
    expect(body.slots.length).toBeGreaterThan(30);
    for (const slot of body.slots) {
      expect(slot.pricePerKwh).toBe(0.3);
      expect(slot.demandTargetKw).toBeGreaterThanOrEqual(20);
      expect(slot.importKw).toBeLessThanOrEqual(slot.demandTargetKw + 1e-6);
    }
    expect(body.demand).toMatchObject({
      periodPeakKw: expect.any(Number),
      estimatedDemandCharge: expect.any(Number),
      currency: 'EUR',
    });
    const m = await f.call('GET', '/metrics');
    expect(m.text).toMatch(/^fusebox_planner_replans_total [1-9]\d*$/m);
    expect(m.text).toMatch(/^fusebox_planner_sessions_short 0$/m);
    expect(m.text).toMatch(/^fusebox_planner_failures_total 0$/m);
    expect(m.text).toMatch(/^fusebox_planner_solve_seconds \d/m);
    await st.close();
  }, 180_000);
});
