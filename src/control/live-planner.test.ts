/**
 * The live planner without a control loop: what it says with nothing to plan (no tariff, no session), and a
 * driver's needs (PUT /api/v1/ports/{portId}/needs) planned in place of the site file's assumptions.
 */
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import { LivePlanner } from './live-planner.ts';
import { siteFromYaml } from './testing/sim-harness.ts';

/** One 32 A circuit `c` with station `a`, the planner on (8 h, 10 kWh by default). */
const plannedSite = () =>
  siteFromYaml(`
site: { name: s, timeZone: Europe/Berlin, allocation: { defaultStayH: 8, defaultEnergyKwh: 10, planner: {} } }
circuits:
  - { id: c, limitA: 32 }
stations:
  - { id: a, circuit: c }
`);

describe('LivePlanner', () => {
  it('with no session to plan solves nothing: no targets, the reason says why, no failure', async () => {
    const cs = plannedSite();
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

  it("plans a session with the driver's departure and need, not the site file's", async () => {
    const cs = plannedSite();
    const t0 = Date.UTC(2026, 0, 5, 8, 0, 0);
    const clock = new VirtualClock(t0);
    const port: PortSnapshot = {
      portId: 'a/1',
      stationId: 'a',
      connectorId: 1,
      connected: true,
      status: 'charging',
      sessionId: 7,
      sessionStartedAtMs: t0,
      sessionStartWh: 1000,
      sessionLastWh: 1000,
      driverNeeds: {
        atMs: t0,
        by: 'depot',
        departureMs: t0 + 2 * 3_600_000,
        energyWh: 15_000,
        meterWh: 1000,
      },
      failSafeA: 10,
      effectiveLimitA: 10,
    };
    const planner = new LivePlanner({
      settings: cs.site.allocation!.planner!,
      site: () => cs,
      ports: () => [port],
      clock,
      logger: pino({ level: 'silent' }),
    });
    planner.start();
    await clock.advanceBy(5000);
    await vi.waitFor(() => expect(planner.status(clock.nowMs()).sessions).toHaveLength(1), {
      timeout: 60_000,
      interval: 100,
    });
    expect(planner.status(clock.nowMs()).sessions[0]).toMatchObject({
      portId: 'a/1',
      sessionId: 7,
      departureMs: t0 + 2 * 3_600_000,
      needKwh: 15,
    });
    await planner.stop();
  }, 90_000);
});
