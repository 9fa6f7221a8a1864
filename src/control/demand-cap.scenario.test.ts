/**
 * The live demand cap in the simulated world (virtual time): a building peak that, with the cars charging,
 * would push the 15-minute demand at the grid connection far above the target; the demand cap lowers the EV
 * load so that every window's average stays at or below it. And the billing period's peak survives a restart
 * (a real SQLite file).
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { describeLimitedBy } from '../core/explain.ts';
import type { Store } from '../store/store.ts';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { DemandCap } from './demand-cap.ts';
import { report } from './testing/scenario-metrics.ts';
import { averages, gridYaml, loadSite, steppedBuilding, windowAverages } from './testing/grid-day.ts';
import { bigCar, SimHarness } from './testing/sim-harness.ts';
import { storePerTest } from '../store/testing/store-per-test.ts';
import { tariffYaml } from '../config/testing/tariff-yaml.ts';

const h0Logger = pino({ level: 'silent' });
const MIN = 60_000;
// Monday 2 March 2026, 10:00 in Berlin (09:00Z): windows on the local clock are on the UTC quarter hours.
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

function loaded(demand: string) {
  return loadSite(
    `site: { name: s, timeZone: Europe/Berlin }\n${gridYaml()}${tariffYaml({ demand, demandPerKw: 10, perKwh: 0.2, days: 'weekdays, weekends' })}`,
    'test.yaml',
    { tariff: true },
  );
}

/** A harness on site `r` from T0, 1 s ticks, the building load of `steps` ([from minute, A]). */
function harness(
  r: ReturnType<typeof loaded>,
  steps: readonly (readonly [number, number])[],
  demandCap?: () => DemandCap,
): SimHarness {
  return new SimHarness({
    site: r.compiled,
    startMs: T0,
    tickMs: 1000,
    loads: [{ circuitId: 'grid', profile: steppedBuilding(T0, steps) }],
    ...(demandCap ? { demandCap } : {}),
  });
}

const db = storePerTest('fusebox-demand-');
let store: Store | undefined;

async function peakDay(withCap: boolean): Promise<{ avgs: number[]; evKwh: number; reasons: Set<string> }> {
  const r = loaded('{ floorKw: 30 }');
  // 15 A (10.4 kW) of building load, 35 A (24.2 kW) from 10:20 to 10:50.
  const h = harness(
    r,
    [
      [0, 15],
      [20, 35],
      [50, 15],
    ],
    withCap ? () => new DemandCap({ tariff: r.tariff!, floorKw: 30, logger: h0Logger }) : undefined,
  );
  const windows = windowAverages(h);
  const reasons = new Set<string>();
  h.loop.onRun((s) => {
    for (const a of s.allocation)
      if (a.limitedBy.kind !== 'idle') reasons.add(describeLimitedBy(a.limitedBy));
  });
  const cars = ['a/1', 'b/1', 'c/1'].map((p, i) => h.world.addEv(p, bigCar(`car${i}`, T0 + 30_000)));
  await h.advanceTo(T0 + 90 * MIN);
  h.loop.stop();
  return {
    avgs: averages(windows, T0, T0 + 90 * MIN),
    evKwh: cars.reduce((t, c) => t + c.energyKwh, 0),
    reasons,
  };
}

describe('the demand cap, simulated', () => {
  it('holds every 15-min window at the grid connection at or below the target through a building peak', async () => {
    const free = await peakDay(false);
    const capped = await peakDay(true);
    const kw = (xs: number[]): string => xs.map((a) => a.toFixed(2)).join(' ');
    report('demand cap, building peak', {
      freeWindowsKw: kw(free.avgs),
      cappedWindowsKw: kw(capped.avgs),
      freeEvKwh: free.evKwh.toFixed(2),
      cappedEvKwh: capped.evKwh.toFixed(2),
      cappedReasons: [...capped.reasons].filter((r) => r.includes('demand cap')),
    });
    // Without the cap, cars and building together go far above 30 kW in every window.
    expect(Math.max(...free.avgs)).toBeGreaterThan(50);
    expect(capped.avgs).toHaveLength(6);
    // With it: every full window at or below the 30 kW target (0.5 % for the cars' response), and the cars
    // use what the target leaves (not paused throughout).
    for (const a of capped.avgs) expect(a).toBeLessThanOrEqual(30 * 1.005);
    for (const a of capped.avgs) expect(a).toBeGreaterThan(27);
    expect(capped.evKwh).toBeGreaterThan(20 * 1.5 * 0.6);
    expect([...capped.reasons].some((r) => r.includes('(demand cap)'))).toBe(true);
  });

  it('keeps the billing period peak across a restart (SQLite), so the cars go on using it', async () => {
    store = db.open(join(db.tmp(), 'fusebox.db'));
    const s = store;
    const r = loaded('{ floorKw: 5 }');
    const caps: DemandCap[] = [];
    const make = (): DemandCap => {
      const c = new DemandCap({ tariff: r.tariff!, floorKw: 5, store: s.demand, logger: h0Logger });
      caps.push(c);
      return c;
    };
    // 40 A (27.6 kW) of building load for the first 15 min sets the month's peak; then 10 A.
    const h = harness(
      r,
      [
        [0, 40],
        [15, 10],
      ],
      make,
    );
    const windows = windowAverages(h);
    h.world.addEv('a/1', bigCar('a', T0 + 30_000));
    h.world.addEv('b/1', bigCar('b', T0 + 30_000));
    await h.advanceTo(T0 + 40 * MIN);
    const before = caps[0]!.state()!;
    expect(before.periodPeakKw).toBeGreaterThan(26);
    expect(before.targetReason).toBe('period peak');
    // The peak is written by the store's writer thread: wait for it on disk (as a real process would have).
    await eventually(
      () => s.demand.peak('2026-03')?.peakKw === before.periodPeakKw,
      'the peak in the database',
      30_000,
    );
    h.kill();
    await h.advanceBy(20_000);
    h.restart();
    await h.advanceBy(2000);
    const after = caps[1]!.state()!;
    // The new process knows the month's peak before any window has ended.
    expect(after.periodPeakKw).toBe(before.periodPeakKw);
    expect(after.targetKw).toBe(before.periodPeakKw);
    await h.advanceTo(T0 + 90 * MIN);
    h.loop.stop();
    const avgs = averages(windows, T0 + 60 * MIN, T0 + 90 * MIN);
    report('demand cap, restart', {
      peakKw: before.periodPeakKw.toFixed(2),
      windowsAfterKw: avgs.map((a) => a.toFixed(2)).join(' '),
    });
    expect(avgs).toHaveLength(2);
    for (const a of avgs) {
      expect(a).toBeLessThanOrEqual(before.periodPeakKw * 1.005);
      // Without the stored peak the target would be the 5 kW floor and the cars would get nothing.
      expect(a).toBeGreaterThan(before.periodPeakKw - 2);
    }
  });
});
