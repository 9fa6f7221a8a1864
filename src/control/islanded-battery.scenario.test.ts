/**
 * Islanding with a battery on the site (virtual time; docs/control.md "Batteries" and "Islanded operation"):
 * while islanded the battery discharges to hold the islanded limit, so the cars get more than the islanded
 * limit less the building would give them, and the grid connection (the inverter's or generator's supply)
 * never carries more than the islanded limit beyond the cars' response; back on the grid the grid limit
 * holds again. battery.scenario.test.ts covers islanding without a battery and the battery on the grid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Triple } from '../sim/devices/modbus-meter-values.ts';
import { report } from './testing/scenario-metrics.ts';
import { batteryMeterYaml, gridYaml, loadSite } from './testing/grid-day.ts';
import { bigCar, SimHarness } from './testing/sim-harness.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
/** The cars' response and a meter reading: how long a new limit may take to show at the grid meter. */
const RESPONSE_MS = 5_000 + 2_000;

let harness: SimHarness | undefined;
afterEach(() => {
  harness?.loop.stop();
  harness = undefined;
});

async function islandedDay(withBattery: boolean) {
  const r = loadSite(
    `site: { name: s, timeZone: Europe/Berlin }\n${gridYaml({
      grid: 'islanded: { limitA: 40 }',
      meters: withBattery ? batteryMeterYaml() : '',
    })}`,
  );
  const h = new SimHarness({
    site: r.compiled,
    startMs: T0,
    tickMs: 250,
    loads: [{ circuitId: 'grid', profile: (): Triple => [10, 10, 10] }],
    batteries: withBattery ? [{ batteryId: 'bm', capacityKwh: 40, maxKw: 20, socPct: 80 }] : [],
  });
  harness = h;
  let islandedFromMs = Infinity;
  let islandedToMs = Infinity;
  let worstIslanded = 0;
  let worstBack = 0;
  h.world.onTick((s) => {
    const worst = Math.max(s.circuits[0]!, s.circuits[1]!, s.circuits[2]!);
    if (s.atMs >= islandedFromMs + RESPONSE_MS && s.atMs < islandedToMs)
      worstIslanded = Math.max(worstIslanded, worst);
    if (s.atMs >= islandedToMs + RESPONSE_MS) worstBack = Math.max(worstBack, worst);
  });
  const cars = ['a', 'b', 'c'].map((p) => h.world.addEv(`${p}/1`, bigCar(p, T0 + 10_000)));
  await h.advanceTo(T0 + 5 * MIN);

  islandedFromMs = T0 + 5 * MIN;
  h.loop.setGridState('islanded');
  const before = cars.reduce((t, c) => t + c.energyKwh, 0);
  await h.advanceTo(T0 + 15 * MIN);
  const islandedKwh = cars.reduce((t, c) => t + c.energyKwh, 0) - before;
  const reasons = (h.loop.snapshot()!.batteries ?? []).map((b) => b.reason);

  islandedToMs = T0 + 15 * MIN;
  h.loop.setGridState('grid');
  await h.advanceTo(T0 + 20 * MIN);
  return {
    islandedKwh,
    worstIslanded,
    worstBack,
    reasons,
    gridState: h.loop.snapshot()!.gridState,
    backA: h.world.circuitLoad('grid')[0],
    violations: h.world.violations(),
  };
}

describe('islanding with a battery, simulated', () => {
  it('the battery holds the islanded limit so the cars keep charging; back on the grid they come back', async () => {
    const without = await islandedDay(false);
    const withB = await islandedDay(true);
    report('islanding with a battery', {
      withoutIslandedKwh: without.islandedKwh.toFixed(2),
      withIslandedKwh: withB.islandedKwh.toFixed(2),
      worstIslandedA: withB.worstIslanded.toFixed(2),
      reasons: withB.reasons,
    });
    // Islanded, the supply never carries more than 40 A once the cars had time to follow.
    for (const d of [without, withB]) {
      expect(d.worstIslanded).toBeLessThanOrEqual(40 + 1e-6);
      expect(d.worstBack).toBeLessThanOrEqual(100 + 1e-6);
      expect(d.gridState).toBeUndefined();
    }
    // Without the battery the cars share 40 − 10 = 30 A per phase (≈ 20.7 kW for 10 min ≈ 3.45 kWh); with
    // it they get more (≈ 4.6 kWh measured: it discharges to hold the islanded limit).
    expect(without.islandedKwh).toBeLessThan(3.6);
    expect(withB.islandedKwh).toBeGreaterThan(without.islandedKwh * 1.2);
    expect(withB.reasons.some((x) => x.startsWith("discharging to hold circuit 'grid'"))).toBe(true);
    // Back on the grid: the cars take their full current again.
    expect(withB.backA).toBeGreaterThan(90);
  }, 120_000);
});
