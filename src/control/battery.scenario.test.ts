/**
 * Batteries and islanding in the simulated world (virtual time, docs/control.md "Batteries" and "Islanded
 * operation"): the demand target held through a building peak with the battery discharging so the cars keep
 * charging; a battery that falls silent mid-discharge (no limit exceeded beyond the cars' response); the site
 * going islanded and back.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tariffYaml } from '../config/testing/tariff-yaml.ts';
import { DemandCap } from './demand-cap.ts';
import {
  averages,
  batteryMeterYaml,
  gridYaml,
  loadSite,
  steppedBuilding,
  windowAverages,
} from './testing/grid-day.ts';
import { report } from './testing/scenario-metrics.ts';
import { bigCar, SimHarness } from './testing/sim-harness.ts';

const silent = pino({ level: 'silent' });
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const SITE = 'site: { name: s, timeZone: Europe/Berlin }\n';
const building = (steps: readonly (readonly [number, number])[]) => steppedBuilding(T0, steps);

let harness: SimHarness | undefined;
afterEach(() => {
  harness?.loop.stop();
  harness = undefined;
});

async function demandDay(withBattery: boolean) {
  const r = loadSite(
    SITE +
      gridYaml({ meters: withBattery ? batteryMeterYaml() : '' }) +
      tariffYaml({ demand: '{ floorKw: 30 }', demandPerKw: 10, perKwh: 0.2, days: 'weekdays, weekends' }),
  );
  const h = new SimHarness({
    site: r.compiled,
    startMs: T0,
    tickMs: 1000,
    loads: [
      {
        circuitId: 'grid',
        profile: building([
          [0, 15],
          [20, 35],
          [50, 15],
        ]),
      },
    ],
    demandCap: () => new DemandCap({ tariff: r.tariff!, floorKw: 30, logger: silent }),
    batteries: withBattery ? [{ batteryId: 'bm', capacityKwh: 40, maxKw: 20, socPct: 80 }] : [],
    tariff: r.tariff,
  });
  harness = h;
  const windows = windowAverages(h);
  const reasons = new Set<string>();
  h.loop.onRun((s) => {
    for (const b of s.batteries ?? []) reasons.add(b.reason);
  });
  const cars = ['a/1', 'b/1', 'c/1'].map((p, i) => h.world.addEv(p, bigCar(`car${i}`, T0 + 30_000)));
  await h.advanceTo(T0 + 90 * MIN);
  return {
    avgs: averages(windows, T0, T0 + 90 * MIN),
    evKwh: cars.reduce((t, c) => t + c.energyKwh, 0),
    socPct: h.world.batteries.get('bm')?.socPct ?? null,
    reasons,
    violations: h.world.violations(),
  };
}

describe('batteries, simulated', () => {
  it('holds the demand target through a building peak and the cars get more with the battery', async () => {
    const without = await demandDay(false);
    const withB = await demandDay(true);
    report('battery, demand target through a building peak', {
      withoutWindowsKw: without.avgs.map((a) => a.toFixed(2)).join(' '),
      withWindowsKw: withB.avgs.map((a) => a.toFixed(2)).join(' '),
      withoutEvKwh: without.evKwh.toFixed(2),
      withEvKwh: withB.evKwh.toFixed(2),
      batterySocPct: withB.socPct?.toFixed(1),
      reasons: [...withB.reasons],
    });
    expect(withB.avgs).toHaveLength(6);
    for (const a of withB.avgs) expect(a).toBeLessThanOrEqual(30 * 1.005);
    expect(withB.violations).toEqual([]);
    // The battery covered part of the building peak: the cars charged more than without it.
    expect(withB.socPct!).toBeLessThan(80);
    expect(withB.evKwh).toBeGreaterThan(without.evKwh * 1.1);
    expect([...withB.reasons].some((r) => r.startsWith("discharging to hold circuit 'grid'"))).toBe(true);
  });

  it("a battery that falls silent mid-discharge: no limit exceeded beyond the cars' response", async () => {
    const r = loadSite(SITE + gridYaml({ limitA: 63, meters: batteryMeterYaml(), stations: ['a', 'b'] }));
    const h = new SimHarness({
      site: r.compiled,
      startMs: T0,
      tickMs: 500,
      loads: [{ circuitId: 'grid', profile: building([[0, 40]]) }],
      batteries: [{ batteryId: 'bm', capacityKwh: 40, maxKw: 20, socPct: 80 }],
    });
    harness = h;
    h.world.addEv('a/1', bigCar('a', T0 + 10_000));
    h.world.addEv('b/1', bigCar('b', T0 + 10_000));
    await h.advanceTo(T0 + 5 * MIN);
    const before = h.loop.snapshot()!.batteries![0]!;
    // Discharging, measured: the cars get the building load it covers (40 A + 2 × 32 A > 63 A).
    expect(before.measuredKw!).toBeLessThan(-5);
    const evBefore = h.world.circuitLoad('grid')[0] - 40 - (before.measuredKw! * 1000) / 690;
    expect(evBefore).toBeGreaterThan(63 - 40 + 5);
    expect(h.world.violations()).toEqual([]);

    h.world.batteries.get('bm')!.silent = true;
    await h.advanceTo(T0 + 8 * MIN);
    const after = h.loop.snapshot()!.batteries![0]!;
    expect(after.reason).toContain('stale');
    expect(after.commandKw).toBe(0);
    const v = h.world.violations();
    report('battery silent mid-discharge', {
      overloads: v.map((o) => `${o.dimension} ${o.overMs} ms, max ${o.maxOver.toFixed(2)}`),
    });
    // The jump shows at the grid meter within a reading; the cars follow their decrease within their response.
    for (const o of v) expect(o.overMs).toBeLessThanOrEqual(5_000 + 2_000);
    const [l1] = h.world.circuitLoad('grid');
    expect(l1).toBeLessThanOrEqual(63 + 1e-6);
  });

  it('islanding and return: the islanded limit holds, the reason says so, and the cars come back', async () => {
    const r = loadSite(SITE + gridYaml({ grid: 'islanded: { limitA: 40 }' }));
    const h = new SimHarness({
      site: r.compiled,
      startMs: T0,
      tickMs: 250,
      loads: [{ circuitId: 'grid', profile: building([[0, 10]]) }],
    });
    harness = h;
    let worstIslanded = 0;
    let islandedFromMs = Infinity;
    h.world.onTick((s) => {
      if (s.atMs >= islandedFromMs + 5_000 + 2_000)
        worstIslanded = Math.max(worstIslanded, s.circuits[0]!, s.circuits[1]!, s.circuits[2]!);
    });
    for (const p of ['a', 'b', 'c']) h.world.addEv(`${p}/1`, bigCar(p, T0 + 10_000));
    await h.advanceTo(T0 + 5 * MIN);
    expect(h.world.circuitLoad('grid')[0]).toBeGreaterThan(90);

    islandedFromMs = T0 + 5 * MIN;
    h.loop.setGridState('islanded');
    await h.advanceTo(T0 + 10 * MIN);
    islandedFromMs = Infinity;
    const s = h.loop.snapshot()!;
    expect(s.gridState).toBe('islanded');
    expect(s.capacities.get('grid')!.source).toBe('islanded');
    expect(s.limits.get('grid')).toMatchObject({ limitA: 40, sourceA: 'islanded' });
    expect(worstIslanded).toBeGreaterThan(30);
    expect(worstIslanded).toBeLessThanOrEqual(40 + 1e-6);

    h.loop.setGridState('grid');
    await h.advanceTo(T0 + 15 * MIN);
    expect(h.loop.snapshot()!.gridState).toBeUndefined();
    expect(h.world.circuitLoad('grid')[0]).toBeGreaterThan(90);
    report('islanding and return', { worstIslandedA: worstIslanded.toFixed(2) });
  });
});
