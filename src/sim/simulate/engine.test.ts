import { describe, expect, it } from 'vitest';
import type { SimSession } from '../sessions/sim-session.ts';
import { aggregateNetwork } from './aggregate-network.ts';
import { simulate } from './engine.ts';
import type { Policy, StepInput } from './policy.ts';
import { sortedPolicy } from './policies/sorted-policy.ts';
import { uncontrolledPolicy } from './policies/uncontrolled.ts';
import { randomWorkload } from './testing-workload.ts';
import { siteBatterySpec } from './site-battery.ts';

const T0 = Date.UTC(2019, 2, 4, 8);
const MIN = 60_000;
const session = (over: Partial<SimSession> = {}): SimSession => ({
  id: 'a',
  stationId: 'S1',
  arrivalMs: T0,
  departureMs: T0 + 120 * MIN,
  energyKwh: 10,
  ...over,
});

/** Offers the same pilot to every car, every step. */
function fixedPilot(amps: number): Policy {
  return {
    name: `fixed-${amps}`,
    step: (input: StepInput) => new Float64Array(input.active.length).fill(amps),
  };
}

describe('energy bookkeeping', () => {
  it('delivers pilot × voltage × time while the car needs it', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    const trace = await simulate([session({ energyKwh: 100 })], net, fixedPilot(10), { stepMs: 5 * MIN });
    // 10 A × 200 V = 2 kW for the 2 h stay.
    expect(trace.deliveredKwh[0]).toBeCloseTo(4, 9);
    expect(trace.evKw.length).toBe(24);
    for (const kw of trace.evKw) expect(kw).toBeCloseTo(2, 9);
  });

  it('never delivers more than demanded, and stops drawing once full', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    const trace = await simulate([session({ energyKwh: 1.1 })], net, fixedPilot(30), { stepMs: 5 * MIN });
    expect(trace.deliveredKwh[0]).toBeCloseTo(1.1, 12);
    expect(trace.deliveredKwh[0]).toBeLessThanOrEqual(1.1);
    // 6 kW: 0.5 kWh per step; the third step takes the last 0.1 kWh, later steps nothing.
    expect(trace.evKw[2]).toBeCloseTo(1.2, 9);
    expect(trace.evKw[3]).toBe(0);
  });

  it('caps the draw at the car max power', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    const trace = await simulate([session({ energyKwh: 100, maxPowerKw: 3 })], net, fixedPilot(32), {
      stepMs: MIN,
    });
    expect(trace.deliveredKwh[0]).toBeCloseTo(6, 9);
  });

  it('energy delivered equals the integral of the load, on random workloads and both step sizes', async () => {
    for (const stepMs of [MIN, 5 * MIN]) {
      for (let seed = 1; seed <= 5; seed++) {
        const sessions = randomWorkload(seed, ['A', 'B', 'C', 'D'], 12);
        const net = aggregateNetwork(['A', 'B', 'C', 'D'], 15, 208);
        const trace = await simulate(sessions, net, sortedPolicy('llf'), { stepMs });
        const integral = trace.evKw.reduce((s, kw) => s + (kw * stepMs) / 3_600_000, 0);
        const delivered = trace.deliveredKwh.reduce((s, x) => s + x, 0);
        expect(integral).toBeCloseTo(delivered, 9);
        trace.sessions.forEach((s, i) =>
          expect(trace.deliveredKwh[i]).toBeLessThanOrEqual(s.energyKwh + 1e-12),
        );
      }
    }
  });

  it('tapers: a two-stage battery takes less than an ideal one, and never more than demanded', async () => {
    const net = aggregateNetwork(['S1'], 100, 208);
    const s = [session({ energyKwh: 12, maxPowerKw: 6.6, departureMs: T0 + 150 * MIN })];
    const ideal = await simulate(s, net, uncontrolledPolicy(), { stepMs: 5 * MIN });
    const tapered = await simulate(s, net, uncontrolledPolicy(), {
      stepMs: 5 * MIN,
      taper: { thresholdSoc: 0.5, capacityKwh: 14 },
    });
    expect(ideal.deliveredKwh[0]).toBeCloseTo(12, 9);
    expect(tapered.deliveredKwh[0]).toBeLessThan(11.5);
    expect(tapered.deliveredKwh[0]).toBeGreaterThan(8);
    // The taper shows as a falling draw near the end.
    const last = tapered.evKw.filter((kw) => kw > 0);
    expect(last[last.length - 1]).toBeLessThan(last[0]! / 2);
  });

  it('counts the overload of uncontrolled charging in seconds and ampere-seconds', async () => {
    const net = aggregateNetwork(['S1', 'S2'], 5, 200); // 25 A
    const sessions = [session({ energyKwh: 100 }), session({ id: 'b', stationId: 'S2', energyKwh: 100 })];
    const trace = await simulate(sessions, net, fixedPilot(20), { stepMs: 5 * MIN });
    // 40 A on a 25 A limit for 2 h.
    expect(trace.violationSeconds[0]).toBeCloseTo(7200, 6);
    expect(trace.violationAmpSeconds[0]).toBeCloseTo(15 * 7200, 3);
  });

  it('refuses sessions on stations the network does not have, naming them', async () => {
    const net = aggregateNetwork(['S1'], 10, 200);
    await expect(
      simulate([session({ stationId: 'X9' })], net, fixedPilot(1), { stepMs: MIN }),
    ).rejects.toThrow(/X9/);
  });

  it('building load less PV lowers the limits the policy sees; the grid import stays within the capacity', async () => {
    const net = aggregateNetwork(['A', 'B', 'C', 'D'], 20, 208);
    const sessions = randomWorkload(5, ['A', 'B', 'C', 'D'], 16);
    // 12 kW of building load, minus 6 kW of PV during the middle of the day.
    const buildingKwAt = (): number => 12;
    const pvKwAt = (t: number): number =>
      new Date(t).getUTCHours() >= 11 && new Date(t).getUTCHours() < 14 ? 6 : 0;
    const trace = await simulate(sessions, net, sortedPolicy('edf'), {
      stepMs: 5 * MIN,
      buildingKwAt,
      pvKwAt,
    });
    expect(trace.violationAmpSeconds[0]).toBe(0);
    let busy = 0;
    trace.gridKw.forEach((g, k) => {
      expect(g).toBeLessThanOrEqual(20 + 1e-6);
      expect(g).toBeCloseTo(trace.evKw[k]! + 12 - pvKwAt(trace.startMs + k * trace.stepMs), 9);
      if (trace.evKw[k]! > 7.9) busy++;
    });
    // PV hours let the cars take more than the 8 kW left otherwise.
    expect(busy).toBeGreaterThan(0);
  });
});

describe('site battery', () => {
  const spec = siteBatterySpec({ capacityKwh: 20, maxKw: 10, roundTripEfficiency: 0.81, initialSocPct: 50 });
  /** Offers `amps` to every car and commands the battery `kw` (charging positive). */
  const withBattery = (amps: number, kw: number): Policy => ({
    ...fixedPilot(amps),
    batteryCommandKw: () => kw,
  });

  it('discharges within its power and down to its reserve, losing √η each way; the grid import counts it', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    const trace = await simulate([session({ energyKwh: 100 })], net, withBattery(10, -25), {
      stepMs: 5 * MIN,
      battery: spec,
    });
    const kw = trace.battery!.kw;
    // 10 kW (its maximum), not the 25 commanded: 10/12 kWh a step out at the AC side, /0.9 from storage.
    expect(kw[0]).toBeCloseTo(-10, 9);
    // 10 kWh stored above the 10 % reserve (2 kWh) at 50 %: 8 kWh × 0.9 = 7.2 kWh to the grid.
    const out = -kw.reduce((s, x) => s + x, 0) * (5 / 60);
    expect(out).toBeCloseTo(7.2, 9);
    expect(trace.battery!.finalSocPct).toBeCloseTo(10, 9);
    trace.gridKw.forEach((g, k) => expect(g).toBeCloseTo(trace.evKw[k]! + kw[k]!, 9));
    expect(trace.gridKw[0]).toBeCloseTo(2 - 10, 9);
  });

  it('charges up to its maximum state of charge, with no car plugged in too', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    // The car is full after 15 min; the battery goes on charging for an hour with no car to charge.
    const trace = await simulate(
      [session({ arrivalMs: T0, departureMs: T0 + 180 * MIN, energyKwh: 0.5 })],
      net,
      withBattery(10, 10),
      { stepMs: 5 * MIN, battery: spec },
    );
    // 10 kWh to fill from 50 %: 10 / 0.9 ≈ 11.1 kWh at the AC side.
    const inKwh = trace.battery!.kw.reduce((s, x) => s + x, 0) * (5 / 60);
    expect(inKwh).toBeCloseTo(10 / 0.9, 9);
    expect(trace.battery!.finalSocPct).toBeCloseTo(100, 9);
  });

  it('its charge counts on the limits: a charge above the room left is a violation', async () => {
    const net = aggregateNetwork(['S1'], 5, 200); // 25 A
    const trace = await simulate([session({ energyKwh: 100 })], net, withBattery(20, 2), {
      stepMs: 5 * MIN,
      battery: spec,
    });
    // 20 A of car + 2 kW / 200 V = 10 A of battery: 5 A over for as long as the battery charges.
    const charging = trace.battery!.kw.filter((x) => x > 0).length;
    expect(charging).toBeGreaterThan(0);
    expect(trace.violationAmpSeconds[0]).toBeCloseTo(5 * charging * 300, 6);
  });

  it('a policy that does not command it leaves it idle', async () => {
    const net = aggregateNetwork(['S1'], 100, 200);
    const trace = await simulate([session()], net, uncontrolledPolicy(), { stepMs: 5 * MIN, battery: spec });
    expect(trace.battery!.kw.every((x) => x === 0)).toBe(true);
    expect(trace.battery!.finalSocPct).toBe(50);
  });

  it('a step with no car and the battery idle counts no violation, as without a battery', async () => {
    const net = aggregateNetwork(['S1'], 5, 200); // 25 A
    // 6 kW of building on a 5 kW limit: the building's own overload is not the policy's.
    const trace = await simulate([session({ energyKwh: 0.1 })], net, withBattery(10, 0), {
      stepMs: 5 * MIN,
      battery: spec,
      buildingKwAt: () => 6,
    });
    const without = await simulate([session({ energyKwh: 0.1 })], net, fixedPilot(10), {
      stepMs: 5 * MIN,
      buildingKwAt: () => 6,
    });
    expect(trace.violationSeconds[0]).toBe(without.violationSeconds[0]);
  });
});
