/**
 * The Fusebox policies drive the site battery with the live loop's dispatch (src/core/battery.ts): it
 * discharges so the cars get more than the limits give them, charges from PV surplus, never takes a limit
 * past what it gives, keeps its reserve; uncontrolled leaves it idle.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../engine.ts';
import type { RunOptions } from '../run-one.ts';
import { runOne } from '../run-one.ts';
import type { PolicyName } from '../scenario.ts';
import { buildSetup } from '../scenario.ts';
import { siteBatterySpec } from '../site-battery.ts';
import { randomWorkload } from '../testing-workload.ts';
import { fuseboxPolicy } from './fusebox-policy.ts';
import { loadTariffFile } from '../../world/profiles-data/tariff-file.ts';
import { datasetPath } from '../../testing/datasets.ts';
import { aggregateNetwork } from '../aggregate-network.ts';
import { aggregateSite } from '../scenario.ts';

const MIN = 60_000;
const STATIONS = ['A', 'B', 'C', 'D', 'E', 'F'];
const battery = siteBatterySpec({ capacityKwh: 40, maxKw: 10, initialSocPct: 100 });

async function run(
  policy: PolicyName,
  kind: 'aggregate' | 'caltech' | 'caltech-linear',
  capacityKw: number,
  opts: Partial<RunOptions>,
  seed = 3,
) {
  const stationIds = kind === 'aggregate' ? STATIONS : [];
  const setup = buildSetup({ kind, stationIds }, capacityKw);
  const ids = kind === 'aggregate' ? STATIONS : setup.network.evses.slice(0, 12).map((e) => e.id);
  const sessions = randomWorkload(seed, ids, 30);
  return runOne(sessions, setup, policy, { stepMs: 5 * MIN, ...opts });
}

describe('fusebox policy with a site battery', () => {
  it('discharges so the cars get more than the limit gives them, within its reserve, never past a limit', async () => {
    for (const kind of ['aggregate', 'caltech', 'caltech-linear'] as const) {
      const cap = kind === 'aggregate' ? 12 : 15;
      const without = await run('fusebox', kind, cap, {});
      const withB = await run('fusebox', kind, cap, { battery });
      expect(withB.metrics.violationAmpSeconds, kind).toBe(0);
      expect(withB.metrics.deliveredKwh, kind).toBeGreaterThan(without.metrics.deliveredKwh + 5);
      const kw = withB.trace.battery!.kw;
      expect(Math.min(...kw), kind).toBeLessThan(-1);
      expect(Math.min(...kw), kind).toBeGreaterThanOrEqual(-10 - 1e-9);
      expect(withB.trace.battery!.finalSocPct, kind).toBeGreaterThanOrEqual(10 - 1e-9);
    }
  }, 120_000);

  it('charges from the PV surplus exported at the grid connection', async () => {
    const net = aggregateNetwork(['A'], 20, 230);
    const sessions = [
      {
        id: 'a',
        stationId: 'A',
        arrivalMs: Date.UTC(2019, 2, 4, 8),
        departureMs: Date.UTC(2019, 2, 4, 12),
        energyKwh: 2,
      },
    ];
    const spec = siteBatterySpec({ capacityKwh: 40, maxKw: 10, initialSocPct: 20 });
    const trace = await simulate(sessions, net, fuseboxPolicy(aggregateSite(net)), {
      stepMs: 5 * MIN,
      pvKwAt: () => 6,
      battery: spec,
    });
    // 6 kW of PV, a car of 2 kWh: most of the time the PV is exported, and the battery takes it.
    const charged = trace.battery!.kw.filter((x) => x > 0);
    expect(charged.length).toBeGreaterThan(10);
    for (const x of charged) expect(x).toBeLessThanOrEqual(6 + 1e-9);
    expect(trace.battery!.finalSocPct).toBeGreaterThan(40);
    expect(trace.violationAmpSeconds[0]).toBe(0);
  });

  it('the planner (--objective cost) drives it with the same dispatch: it discharges and charges, never past a limit', async () => {
    const tariff = loadTariffFile(
      datasetPath('tariffs/sce_tou_ev_4_march_2019.json'),
      'America/Los_Angeles',
    ).tariff;
    const r = await run('fusebox', 'aggregate', 12, { objective: 'cost', tariff, battery });
    expect(r.metrics.violationAmpSeconds).toBe(0);
    expect(Math.min(...r.trace.battery!.kw)).toBeLessThan(-1);
    // Charged back in the cheapest band of the day (before 08:00 local, after the cars).
    expect(Math.max(...r.trace.battery!.kw)).toBeGreaterThan(1);
  }, 120_000);

  it('uncontrolled leaves it idle', async () => {
    const r = await run('uncontrolled', 'aggregate', 12, { battery });
    expect(r.trace.battery!.kw.every((x) => x === 0)).toBe(true);
    expect(r.trace.battery!.finalSocPct).toBe(100);
  });
});

describe('the offline optimum with a site battery', () => {
  it('plans it: a bound on what fusebox delivers with it, and more than without it, never past a limit', async () => {
    for (const kind of ['aggregate', 'caltech-linear'] as const) {
      const cap = kind === 'aggregate' ? 12 : 15;
      const offline = await run('offline', kind, cap, {});
      const offlineB = await run('offline', kind, cap, { battery });
      const fuseboxB = await run('fusebox', kind, cap, { battery });
      expect(offlineB.metrics.violationAmpSeconds, kind).toBe(0);
      expect(offlineB.metrics.deliveredKwh, kind).toBeGreaterThan(offline.metrics.deliveredKwh + 5);
      expect(offlineB.metrics.deliveredKwh, kind).toBeGreaterThanOrEqual(
        fuseboxB.metrics.deliveredKwh - 0.01,
      );
      expect(offlineB.trace.battery!.finalSocPct, kind).toBeGreaterThanOrEqual(10 - 1e-6);
    }
  }, 120_000);

  it('with the cost objective: the same energy, and a cost no higher than the planner with the battery', async () => {
    const tariff = loadTariffFile(
      datasetPath('tariffs/sce_tou_ev_4_march_2019.json'),
      'America/Los_Angeles',
    ).tariff;
    const opts = { objective: 'cost' as const, tariff, battery };
    const offline = await run('offline', 'aggregate', 12, opts);
    const planner = await run('fusebox', 'aggregate', 12, opts);
    const total = (m: { energyCost: number; demandCharge: number }): number => m.energyCost + m.demandCharge;
    expect(offline.metrics.violationAmpSeconds).toBe(0);
    expect(offline.metrics.deliveredKwh).toBeGreaterThanOrEqual(planner.metrics.deliveredKwh - 0.01);
    expect(offline.metrics.deliveredKwh).toBeGreaterThan(
      (await run('offline', 'aggregate', 12, { battery })).metrics.deliveredKwh - 0.05,
    );
    if (offline.metrics.deliveredKwh < planner.metrics.deliveredKwh + 0.01)
      expect(total(offline.metrics)).toBeLessThanOrEqual(total(planner.metrics) + 0.01);
    expect(Math.min(...offline.trace.battery!.kw)).toBeLessThan(-1);
  }, 120_000);
});
