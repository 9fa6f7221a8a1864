/** The live planner without a control loop: what it says with nothing to plan (no tariff, no session). */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import { LivePlanner } from './live-planner.ts';
import { siteFromYaml } from './testing/sim-harness.ts';

describe('LivePlanner', () => {
  it('with no session to plan solves nothing: no targets, the reason says why, no failure', async () => {
    const cs = siteFromYaml(`
site: { name: s, timeZone: Europe/Berlin, allocation: { defaultStayH: 8, defaultEnergyKwh: 10, planner: {} } }
circuits:
  - { id: c, limitA: 32 }
stations:
  - { id: a, circuit: c }
`);
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 8, 0, 0));
    const planner = new LivePlanner({
      settings: cs.site.allocation!.planner!,
      site: () => cs,
      ports: () => [],
      clock,
      logger: pino({ level: 'silent' }),
    });
    planner.start();
    await clock.advanceBy(5000);
    // A solve, if one had started, ends within this (real time) and would count as a failure.
    await new Promise((r) => setTimeout(r, 3000));
    expect(planner.solving()).toBe(false);
    expect(planner.targets(clock.nowMs())).toBeNull();
    expect(planner.status(clock.nowMs())).toMatchObject({
      active: false,
      reason: 'no session with a known departure and need',
    });
    expect(planner.metrics()).toMatchObject({ replans: 0, failures: 0 });
    await planner.stop();
  }, 60_000);
});
