/** The demand cap through the API: its state, the pinned target (operator only, audited, stored), metrics. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { TEST_SITE, useApiFixture } from './testing/api-fixture.ts';
import { tariffYaml } from '../config/testing/tariff-yaml.ts';

const TARIFF = tariffYaml({ name: 'Test TOU', demand: '{ floorKw: 20 }', demandPerKw: 11.5, perKwh: 0.3 });

const { f, alice, victor } = useApiFixture({ yaml: TEST_SITE + TARIFF, login: ['alice', 'victor'] });
const { f: plain } = useApiFixture({ login: [] });

describe('GET /api/v1/demand', () => {
  it('gives the window so far, the target and why, the period peak and the estimated demand charge', async () => {
    const r = await f.call('GET', '/api/v1/demand', { headers: victor });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      enabled: true,
      circuitId: 'main',
      measuredBy: 'estimate', // the test site has no grid meter
      windowMinutes: 15,
      targetKw: 20,
      targetReason: 'floor',
      pin: null,
      // Nothing is drawn: 0 kW, also if a window ended since the start (then periodPeakAt is that window).
      periodPeakKw: 0,
      estimatedDemandCharge: 0,
      currency: 'EUR',
    });
    expect(Date.parse(r.body.windowEnd) - Date.parse(r.body.windowStart)).toBe(15 * 60_000);
    expect(r.body.period).toMatch(/^\d{4}-\d{2}$/);
  });

  it('says the cap is off on a site without tariff.demand', async () => {
    const r = await plain.call('GET', '/api/v1/demand', { headers: await plain.login('victor') });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ enabled: false, detail: 'the site file has no tariff.demand: no demand cap' });
  });
});

describe('PUT /api/v1/demand/target', () => {
  it('pins and unpins the target: operators only, audited, stored, shown in the metrics', async () => {
    expect(
      (await f.call('PUT', '/api/v1/demand/target', { headers: victor, body: { targetKw: 12 } })).status,
    ).toBe(403);
    const bad = await f.call('PUT', '/api/v1/demand/target', { headers: alice, body: { targetKw: -3 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/targetKw/);

    const pinned = await f.call('PUT', '/api/v1/demand/target', { headers: alice, body: { targetKw: 12 } });
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({
      targetKw: 12,
      targetReason: 'pinned',
      pin: { targetKw: 12, by: 'alice' },
    });
    expect(f.fusebox.store.demand.pin()).toMatchObject({ targetKw: 12, by: 'alice' });
    const metrics = await f.call('GET', '/metrics');
    expect(metrics.text).toMatch(/^fusebox_demand_target_kilowatts 12$/m);
    expect(metrics.text).toMatch(/^fusebox_demand_period_peak_kilowatts 0$/m);

    const unpinned = await f.call('PUT', '/api/v1/demand/target', {
      headers: alice,
      body: { targetKw: null },
    });
    expect(unpinned.body).toMatchObject({ targetKw: 20, targetReason: 'floor', pin: null });
    expect(f.fusebox.store.demand.pin()).toBeNull();
    const audit = await f.call('GET', '/api/v1/events?kind=audit', { headers: alice });
    const messages = audit.body.items.map((e: { message: string }) => e.message);
    expect(messages).toContain('alice: demand target pinned at 12 kW');
    expect(messages).toContain('alice: demand target unpinned');
  });

  it('is in the OpenAPI document', async () => {
    const doc = await f.call('GET', '/api/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/demand', '/api/v1/demand/target']),
    );
  });
});
