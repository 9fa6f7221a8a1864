import { describe, expect, it } from 'vitest';
import { loadHighs } from './highs.ts';
import type { Plan, PlanInput, PlanSession } from './plan-types.ts';
import { plan, slotBoundaries } from './planner.ts';

const H = 3_600_000;
/** One circuit of `limitA` over `ports` ports, 1 kW per A (hand-checkable numbers). */
function circuit(limitA: number, ports: number, externalPerKw?: number): PlanInput['constraints'][number] {
  return {
    ports: Int32Array.from({ length: ports }, (_, i) => i),
    coef: new Float64Array(ports).fill(1),
    limitA,
    externalPerKw,
  };
}
const car = (id: string, port: number, leaveH: number, energyKwh: number, maxA = 10): PlanSession => ({
  id,
  port,
  arrivalMs: 0,
  departureMs: leaveH * H,
  energyKwh,
  maxA,
  kwPerA: 1,
});

describe('planner', () => {
  it('a depot: every car gets its need by its departure at the lowest cost (hand-checked optimum)', async () => {
    const highs = await loadHighs();
    // Hourly prices 0.3, 0.1, 0.2, 0.1 $/kWh; 10 A (= 10 kW) shared by two ports.
    const prices = [0.3, 0.1, 0.2, 0.1];
    const p = plan(highs, {
      nowMs: 0,
      horizonMs: 4 * H,
      slotMs: H,
      sessions: [car('a', 0, 4, 10), car('b', 1, 2, 5)],
      constraints: [circuit(10, 2)],
      pricePerKwh: (t) => prices[Math.floor(t / H)]!,
    });
    // b (leaves at 2 h) takes its 5 kWh in the cheap hour 1; a takes the rest of hour 1 and 5 kWh in hour 3.
    // Optimum 5·0.1 + 10·0.1 = 1.5 $; the dear hours 0 and 2 stay empty.
    expect(p.energyCost).toBeCloseTo(1.5, 6);
    expect([...p.plannedKwh]).toEqual([expect.closeTo(10, 6), expect.closeTo(5, 6)]);
    expect(p.currentA[1]![1]).toBeCloseTo(5, 6);
    expect(p.currentA[0]![0]! + p.currentA[1]![0]!).toBeCloseTo(0, 6);
    expect(p.currentA[0]![2]!).toBeCloseTo(0, 6);
    for (let k = 0; k < 4; k++)
      expect(p.currentA[0]![k]! + p.currentA[1]![k]!).toBeLessThanOrEqual(10 + 1e-6);
  });

  it('respects price bands: nothing in the dear band while the cheap ones suffice', async () => {
    const highs = await loadHighs();
    // 15-min slots over 6 h; the middle two hours cost 5× more.
    const slot = 15 * 60_000;
    const p = plan(highs, {
      nowMs: 0,
      horizonMs: 6 * H,
      slotMs: slot,
      sessions: [car('a', 0, 6, 30)],
      constraints: [circuit(10, 1)],
      pricePerKwh: (t) => (t >= 2 * H && t < 4 * H ? 0.5 : 0.1),
    });
    expect(p.plannedKwh[0]).toBeCloseTo(30, 6);
    p.slotStartsMs.slice(0, -1).forEach((t, k) => {
      if (t >= 2 * H && t < 4 * H) expect(p.currentA[0]![k]).toBeCloseTo(0, 6);
    });
    expect(p.energyCost).toBeCloseTo(3, 6);
  });

  it('holds the demand target when the needs allow it, and raises it as little as needed when not', async () => {
    const highs = await loadHighs();
    const input = (needKwh: number): PlanInput => ({
      nowMs: 0,
      horizonMs: 4 * H,
      slotMs: 15 * 60_000,
      sessions: [car('a', 0, 4, needKwh)],
      constraints: [circuit(100, 1, 1)],
      pricePerKwh: () => 0.1,
      // The building draws 2 kW in the second hour.
      externalKw: (t) => (t >= H && t < 2 * H ? 2 : 0),
      demand: {
        windowMs: 15 * 60_000,
        windowEnergySoFarKwh: 0,
        periods: [{ startMs: 0, endMs: 30 * 24 * H, ratePerKw: 10, paidKw: 4 }],
      },
    });
    const held = plan(highs, input(12));
    expect(held.plannedKwh[0]).toBeCloseTo(12, 6);
    for (const kw of held.importKw) expect(kw).toBeLessThanOrEqual(4 + 1e-6);
    expect(held.demandChargeAdded).toBeCloseTo(0, 6);
    // 16 kWh in 4 h with 2 kWh of building load in the way: 18 kWh / 4 h = 4.5 kW, the least peak.
    const raised = plan(highs, input(16));
    expect(raised.plannedKwh[0]).toBeCloseTo(16, 6);
    expect(raised.peakKw[0]).toBeCloseTo(4.5, 6);
    expect(raised.demandChargeAdded).toBeCloseTo(5, 6);
  });

  it('puts energy first: a dear demand charge never buys a kWh less', async () => {
    const highs = await loadHighs();
    const p = plan(highs, {
      nowMs: 0,
      horizonMs: 2 * H,
      slotMs: 15 * 60_000,
      sessions: [car('a', 0, 2, 20)],
      constraints: [circuit(10, 1)],
      pricePerKwh: () => 0.5,
      demand: {
        windowMs: 15 * 60_000,
        windowEnergySoFarKwh: 0,
        periods: [{ startMs: 0, endMs: 10 * H, ratePerKw: 60, paidKw: 0 }],
      },
    });
    expect(p.plannedKwh[0]).toBeCloseTo(20, 6);
    expect(p.peakKw[0]).toBeCloseTo(10, 6);
  });

  it('counts the energy already drawn in the running window against the target', async () => {
    const highs = await loadHighs();
    // 7.5 min into a 15-min window that already averaged 8 kW: 1 kWh drawn; paid 6 kW.
    const now = 7.5 * 60_000;
    const p = plan(highs, {
      nowMs: now,
      horizonMs: H,
      slotMs: 15 * 60_000,
      sessions: [{ ...car('a', 0, 1, 3), arrivalMs: now }],
      constraints: [circuit(100, 1)],
      pricePerKwh: () => 0.1,
      demand: {
        windowMs: 15 * 60_000,
        windowEnergySoFarKwh: 1,
        periods: [{ startMs: 0, endMs: 10 * H, ratePerKw: 10, paidKw: 6 }],
      },
    });
    // The rest of the window may add 0.5 kWh at most (6 kW × 0.25 h − 1 kWh) = 4 kW for 7.5 min.
    expect(p.currentA[0]![0]).toBeLessThanOrEqual(4 + 1e-6);
    expect(p.plannedKwh[0]).toBeCloseTo(3, 6);
    expect(p.demandChargeAdded).toBeCloseTo(0, 6);
  });

  it('slots start now and follow the epoch-aligned grid up to the last departure', () => {
    const b = slotBoundaries({
      nowMs: 10 * 60_000,
      horizonMs: 24 * H,
      slotMs: 15 * 60_000,
      sessions: [car('a', 0, 1, 1)],
      constraints: [],
      pricePerKwh: () => 0,
    });
    expect([...b].map((t) => t / 60_000)).toEqual([10, 15, 30, 45, 60]);
  });

  it('rejects a demand window that is not a multiple of the slot, naming both', async () => {
    const highs = await loadHighs();
    expect(() =>
      plan(highs, {
        nowMs: 0,
        horizonMs: H,
        slotMs: 10 * 60_000,
        sessions: [],
        constraints: [],
        pricePerKwh: () => 0,
        demand: { windowMs: 15 * 60_000, windowEnergySoFarKwh: 0, periods: [] },
      }),
    ).toThrow(/demand window \(900000 ms\).*slot \(600000 ms\)/);
  });

  it('a re-plan from the previous plan (warm start) finds the same optimum in fewer simplex iterations', async () => {
    const highs = await loadHighs();
    const slot = 15 * 60_000;
    // 12 cars on 12 ports under one 40 A circuit, two price bands, a demand charge: a real LP, not a tie.
    const sessions = Array.from({ length: 12 }, (_, i) => car(`c${i}`, i, 2 + (i % 7), 4 + (i % 5) * 3, 16));
    const at = (nowMs: number, ss: PlanSession[], warm?: Plan): PlanInput => ({
      nowMs,
      horizonMs: 12 * H,
      slotMs: slot,
      sessions: ss,
      constraints: [circuit(40, 12)],
      pricePerKwh: (t) => ((t / H) % 6 < 3 ? 0.3 : 0.1),
      externalKw: (t) => ((t / H) % 4 < 2 ? 5 : 0),
      demand: {
        windowMs: slot,
        windowEnergySoFarKwh: 0,
        periods: [{ startMs: 0, endMs: 24 * H, ratePerKw: 10, paidKw: 20 }],
      },
      warmStart: warm,
    });
    const first = plan(highs, at(0, sessions));
    // The cars took what the plan said in its first slot; the next re-plan starts a slot later.
    const left = sessions.map((s, i) => ({
      ...s,
      arrivalMs: slot,
      energyKwh: s.energyKwh - first.currentA[i]![0]! * s.kwPerA * 0.25,
    }));
    const cold = plan(highs, at(slot, left));
    const warm = plan(highs, at(slot, left, first));
    const total = (p: Plan): number => p.plannedKwh.reduce((a, b) => a + b, 0);
    expect(total(warm)).toBeCloseTo(total(cold), 6);
    expect(warm.energyCost + warm.demandChargeAdded).toBeCloseTo(cold.energyCost + cold.demandChargeAdded, 6);
    expect(cold.iterations).toBeGreaterThan(0);
    expect(warm.iterations!).toBeLessThan(cold.iterations! / 2);
  });
});
