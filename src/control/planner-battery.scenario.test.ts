/**
 * The site battery in the live plan, in the simulated world (virtual time; each solve in its worker thread,
 * real time): energy at 0.10 €/kWh from 00:00, 0.15 from 02:00 and 0.40 from 05:00, a building drawing
 * about 7 kW, a 40 kWh battery at 20 %. From 02:00 to 05:00 the price is not the day's cheapest, so the
 * real-time rule alone (docs/control.md, "Batteries": charge in the cheapest band) leaves the battery idle;
 * the plan sees the 0.40 hours ahead and charges it in the 0.15 ones, within its power and maximum state of
 * charge, and the real-time layer follows it ("charging as the plan says"). The plan's battery schedule is
 * in the planner's status (GET /api/v1/plan).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { DemandCap } from './demand-cap.ts';
import type { LivePlanStatus } from './live-plan-status.ts';
import { report } from './testing/scenario-metrics.ts';
import {
  bandsTariffYaml,
  batteryMeterYaml,
  gridYaml,
  loadSite,
  plannerSiteYaml,
} from './testing/grid-day.ts';
import { SimHarness } from './testing/sim-harness.ts';

const MIN = 60_000;
// Monday 2 March 2026, 02:00 in Berlin (01:00Z).
const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);

function site(planner: boolean) {
  return loadSite(
    plannerSiteYaml('s', planner) +
      gridYaml({ meters: batteryMeterYaml(10, ', maxSocPct: 90'), stations: ['a'] }) +
      bandsTariffYaml(
        `{ from: '00:00', perKwh: 0.1 }, { from: '02:00', perKwh: 0.15 }, { from: '05:00', perKwh: 0.4 }`,
      ),
    'battery-plan.yaml',
  );
}

let harness: SimHarness | undefined;
afterEach(async () => {
  harness?.loop.stop();
  await harness?.planner?.stop();
  harness = undefined;
});

async function night(planner: boolean) {
  const r = site(planner);
  const h = new SimHarness({
    site: r.compiled,
    startMs: T0,
    tickMs: 5000,
    meterIntervalMs: 5000,
    loads: [{ circuitId: 'grid', profile: () => [10, 10, 10] }],
    batteries: [{ batteryId: 'bm', capacityKwh: 40, maxKw: 10, socPct: 20 }],
    tariff: r.tariff,
    demandCap: () => new DemandCap({ tariff: r.tariff!, floorKw: 20, logger: pino({ level: 'silent' }) }),
  });
  harness = h;
  const reasons = new Set<string>();
  let maxSoc = 0;
  h.loop.onRun((s) => {
    for (const b of s.batteries ?? []) reasons.add(b.reason);
  });
  h.world.onTick(() => (maxSoc = Math.max(maxSoc, h.world.batteries.get('bm')!.socPct)));
  let status: LivePlanStatus | undefined;
  const socAt: number[] = [];
  for (let t = T0; t < T0 + 3 * 60 * MIN; t += MIN) {
    await h.advanceTo(t + MIN);
    if (h.planner) await eventually(() => !h.planner!.solving(), 'the plan solved', 120_000);
    if (t + MIN === T0 + 10 * MIN) status = h.planner?.status(h.clock.nowMs());
    if ((t + MIN - T0) % (60 * MIN) === 0) socAt.push(h.world.batteries.get('bm')!.socPct);
  }
  return { reasons, socAt, maxSoc, status, violations: h.world.violations() };
}

describe('the site battery in the live plan, simulated', () => {
  it('the plan charges the battery before the dear hours where the cheapest-band rule would not; the real-time layer follows it', async () => {
    const alone = await night(false);
    const planned = await night(true);
    report('battery in the plan', {
      aloneSocPct: alone.socAt.map((x) => x.toFixed(1)).join(' '),
      plannedSocPct: planned.socAt.map((x) => x.toFixed(1)).join(' '),
    });
    // Without a plan: 0.15 is not the day's cheapest price, the battery stays at 20 %.
    expect(alone.socAt.at(-1)!).toBeCloseTo(20, 0);
    expect(alone.reasons.has('charging as the plan says')).toBe(false);
    // With the plan: it charges (10 kW for 3 h would be 30 kWh, 75 %), never above its 90 % maximum.
    expect(planned.reasons.has('charging as the plan says')).toBe(true);
    expect(planned.socAt.at(-1)!).toBeGreaterThan(50);
    expect(planned.maxSoc).toBeLessThanOrEqual(90.5);
    for (const v of [alone.violations, planned.violations]) expect(v).toEqual([]);
    // The plan's status shows the battery's schedule: kW and SoC per slot, charging before 05:00 (slots
    // 0..11 from 02:10), the SoC within reserve..max.
    const st = planned.status!;
    expect(st.battery).toMatchObject({ batteryId: 'bm' });
    expect(st.battery!.targetKw).toBeGreaterThan(1);
    expect(st.slots.length).toBeGreaterThan(12);
    const charged = st.slots.filter((s) => s.startMs < T0 + 3 * 60 * MIN).map((s) => s.batteryKw!);
    expect(Math.max(...charged)).toBeGreaterThan(5);
    for (const s of st.slots) {
      expect(s.batterySocPct!).toBeGreaterThanOrEqual(10 - 1e-6);
      expect(s.batterySocPct!).toBeLessThanOrEqual(90 + 1e-6);
    }
    // In the dear hours the plan discharges (the real-time layer discharges only to hold limits).
    expect(Math.min(...st.slots.map((s) => s.batteryKw!))).toBeLessThan(-1);
  }, 900_000);
});
