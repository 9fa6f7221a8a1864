/**
 * Deadline mode in the simulated world (virtual time): two cars share a 20 A circuit; one leaves after 90
 * minutes wanting 12 kWh, the other stays 8 hours wanting 30 kWh. Shared equally (fair mode) the first
 * leaves short; served by urgency (deadline mode, from what the cars state) both get what they asked for.
 */
import { describe, expect, it } from 'vitest';
import { bigCar, SimHarness, siteFromYaml } from './testing/sim-harness.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);
const MIN = 60_000;

async function day(
  mode: 'fair' | 'deadline',
): Promise<{ soonKwh: number; lateKwh: number; maxSumA: number }> {
  const site = siteFromYaml(`
site: { name: s, timeZone: Europe/Berlin, allocation: { mode: ${mode} } }
circuits:
  - { id: c, limitA: 20 }
stations:
  - { id: a, circuit: c }
  - { id: b, circuit: c }
`);
  const h = new SimHarness({ site, startMs: T0, tickMs: 1000, gateway: { meterValuesIntervalMs: 30_000 } });
  const soon = h.world.addEv(
    'a/1',
    bigCar('soon', T0 + MIN, { departureMs: T0 + 91 * MIN, energyWantedKwh: 12 }),
  );
  const late = h.world.addEv(
    'b/1',
    bigCar('late', T0 + MIN, { departureMs: T0 + 8 * 60 * MIN, energyWantedKwh: 30 }),
  );
  let maxSumA = 0;
  h.loop.onRun((s) => {
    maxSumA = Math.max(
      maxSumA,
      s.allocation.reduce((t, a) => t + a.currentA, 0),
    );
  });
  await h.advanceTo(T0 + 8 * 60 * MIN + MIN);
  h.loop.stop();
  return { soonKwh: soon.energyKwh, lateKwh: late.energyKwh, maxSumA };
}

describe('deadline mode against fair sharing, simulated', () => {
  it('gets the car that leaves first its energy without failing the other', async () => {
    const fair = await day('fair');
    const deadline = await day('deadline');
    // Fair: 10 A each, 6.9 kW for 1.5 h: about 10.3 kWh, short of 12 (measured 10.34; deadline 12.00).
    expect(fair.soonKwh).toBeLessThan(11.5);
    expect(deadline.soonKwh).toBeGreaterThan(11.9);
    expect(deadline.lateKwh).toBeGreaterThan(29.9);
    for (const r of [fair, deadline]) expect(r.maxSumA).toBeLessThanOrEqual(20 + 1e-9);
  });
});
