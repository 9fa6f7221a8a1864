import { describe, expect, it } from 'vitest';
import { loadHighs } from './highs.ts';
import type { PlanBattery, PlanInput } from './plan-types.ts';
import { plan } from './planner.ts';

const H = 3_600_000;
/** Hourly: the building's net load (a 10 kW peak in hour 2) and the price (hour 0 cheap). */
const BUILDING = [2, 2, 10, 2];
const PRICES = [0.1, 0.4, 0.4, 0.4];
const battery = (o: Partial<PlanBattery> = {}): PlanBattery => ({
  energyKwh: 4,
  minKwh: 2,
  maxKwh: 10,
  maxChargeKw: 5,
  maxDischargeKw: 5,
  efficiency: 1,
  ...o,
});
/** A site of one port (1 kW per A) under a 12 kW root limit the building counts on, a 1 h demand window. */
const site = (b: PlanBattery | undefined, energyKwh = 8): PlanInput => ({
  nowMs: 0,
  horizonMs: 4 * H,
  slotMs: H,
  sessions: [{ id: 'a', port: 0, arrivalMs: 0, departureMs: 4 * H, energyKwh, maxA: 10, kwPerA: 1 }],
  constraints: [{ ports: Int32Array.of(0), coef: Float64Array.of(1), limitA: 12, externalPerKw: 1 }],
  pricePerKwh: (t) => PRICES[Math.floor(t / H)]!,
  externalKw: (t) => BUILDING[Math.floor(t / H)]!,
  demand: {
    windowMs: H,
    windowEnergySoFarKwh: 0,
    periods: [{ startMs: 0, endMs: 30 * 24 * H, ratePerKw: 10, paidKw: 0 }],
  },
  battery: b,
});

describe('planner with a battery (battery-lp.ts)', () => {
  it('shaves the peak, keeps its reserve; its power counts in the import', async () => {
    const highs = await loadHighs();
    const without = plan(highs, site(undefined));
    const p = plan(highs, site(battery()));
    const b = p.battery!;
    expect(b.kw).toHaveLength(4);
    // The peak: without a battery the demand is at least the building's 10 kW; the battery shaves it.
    expect(without.peakKw[0]!).toBeGreaterThanOrEqual(10 - 1e-6);
    expect(b.kw[2]!).toBeLessThan(-1);
    expect(p.peakKw[0]!).toBeLessThan(without.peakKw[0]! - 1);
    // The 10 $/kW demand charge outweighs any price difference: the import is flat at (8 + 16 + 4 − 2) / 4.
    for (let k = 0; k < 4; k++) expect(p.importKw[k]!).toBeCloseTo(5.5, 6);
    // Never below the reserve, never above its power or its maximum energy.
    for (let k = 0; k < 4; k++) {
      expect(b.energyKwh[k]!).toBeGreaterThanOrEqual(2 - 1e-6);
      expect(b.energyKwh[k]!).toBeLessThanOrEqual(10 + 1e-6);
      expect(Math.abs(b.kw[k]!)).toBeLessThanOrEqual(5 + 1e-6);
    }
    // Energy balance (efficiency 1): each slot's energy is the last plus its kWh.
    let e = 4;
    for (let k = 0; k < 4; k++) {
      e += b.kw[k]!;
      expect(b.energyKwh[k]!).toBeCloseTo(e, 6);
    }
    // The import is the car, the building and the battery's power.
    for (let k = 0; k < 4; k++)
      expect(p.importKw[k]!).toBeCloseTo(Math.max(0, p.currentA[0]![k]! + BUILDING[k]! + b.kw[k]!), 6);
    // The car still gets its 8 kWh: energy first.
    expect(p.plannedKwh[0]!).toBeCloseTo(8, 6);
    expect(p.energyCost + p.demandChargeAdded).toBeLessThan(without.energyCost + without.demandChargeAdded);
  });

  it('charges in the cheap hour and gives it back in the dear ones, down to its reserve', async () => {
    const highs = await loadHighs();
    const p = plan(highs, { ...site(battery(), 4), demand: undefined });
    // Hour 0 at 0.1 $/kWh: it charges at its 5 kW (4 → 9 kWh); hours 1-3 at 0.4: it discharges to 2 kWh.
    expect(p.battery!.kw[0]!).toBeCloseTo(5, 6);
    expect(p.battery!.energyKwh[0]!).toBeCloseTo(9, 6);
    expect(p.battery!.energyKwh[3]!).toBeCloseTo(2, 6);
    for (let k = 1; k < 4; k++) expect(p.battery!.kw[k]!).toBeLessThanOrEqual(1e-6);
    // The car takes its 4 kWh in the cheap hour too, beside the battery: 4 + 2 + 5 ≤ 12 kW.
    expect(p.currentA[0]![0]!).toBeCloseTo(4, 6);
    // With 8 kWh the car and the battery share the 12 kW limit in hour 0: the car first (energy first).
    const q = plan(highs, { ...site(battery(), 8), demand: undefined });
    expect(q.currentA[0]![0]!).toBeCloseTo(8, 6);
    expect(q.battery!.kw[0]!).toBeCloseTo(2, 6);
  });

  it('the reserve binds: a battery at its reserve gives nothing until it has charged', async () => {
    const highs = await loadHighs();
    // Charging is no use before the peak here (no room: 0 kW of charge); it starts at its reserve.
    const p = plan(highs, site(battery({ energyKwh: 2, maxChargeKw: 0 })));
    for (let k = 0; k < 4; k++) {
      expect(p.battery!.kw[k]!).toBeCloseTo(0, 6);
      expect(p.battery!.energyKwh[k]!).toBeCloseTo(2, 6);
    }
  });

  it('a discharge makes room under a limit for the car; a charge takes room from it', async () => {
    const highs = await loadHighs();
    // The car needs 36 kWh in 4 h at most 10 kW, under 12 kW less the building: only 38 − 16 = 22 kWh
    // fit without the battery; discharging its 8 kWh above the reserve (efficiency 1) gives 8 more.
    const without = plan(highs, site(undefined, 36));
    expect(without.plannedKwh[0]!).toBeCloseTo(32, 6);
    const p = plan(highs, site(battery({ energyKwh: 10 }), 36));
    expect(p.plannedKwh[0]!).toBeCloseTo(36, 6);
    for (let k = 0; k < 4; k++)
      expect(p.currentA[0]![k]! + BUILDING[k]! + p.battery!.kw[k]!).toBeLessThanOrEqual(12 + 1e-6);
    expect(p.battery!.energyKwh[3]!).toBeCloseTo(2, 6);
  });

  it('plans the horizon with no car (the battery alone)', async () => {
    const highs = await loadHighs();
    const p = plan(highs, { ...site(battery()), sessions: [] });
    expect(p.slotStartsMs).toHaveLength(5);
    expect(p.battery!.kw[2]!).toBeLessThan(-1);
  });

  it('bad battery numbers: a clear error', async () => {
    const highs = await loadHighs();
    expect(() => plan(highs, site(battery({ energyKwh: 1 })))).toThrow(/battery: its energy 1 kWh/);
    expect(() => plan(highs, site(battery({ efficiency: 0 })))).toThrow(/efficiency 0 must be in/);
    expect(() => plan(highs, site(battery({ perKw: new Float64Array(3) })))).toThrow(
      /perKw has 3 entries for 1 limit rows/,
    );
  });
});
