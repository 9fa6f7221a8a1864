/**
 * Scenario: Fusebox restarts while a circuit is full and a new car plugs in right after (restart-guard.ts).
 * Until each older session's limit is confirmed (or every profile of the previous process has expired), it
 * counts at the most it may draw, and the new car is admitted only into what remains. Negative controls
 * run the same worlds with the guard off (restartGraceMs: 0) and an offline station's empty ports at 0 A
 * (countOfflineEmptyPorts: false; that rule alone covers a car started unseen on a station still away), and
 * without the uncontrolled-port rule (uncontrolledPorts: false), which by itself counts the hung station,
 * whose profiles time out, at its maximum.
 * Virtual time; SCENARIO_REPORT=1 prints.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import { describeOverloads, report } from './testing/scenario-metrics.ts';
import { bigCar, SimHarness } from './testing/sim-harness.ts';
import { slmSite } from './testing/scenario-sites.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const EXPIRY_MS = DEFAULT_CONTROL_OPTIONS.setpointExpiryMs;

/** SLM: one 40 A circuit, three single-port stations; fail-safe default 13.3 A each. */
const SITE = slmSite(['a', 'b', 'x'], { name: 'restart' });

type Trouble =
  /** Station a reconnects but never answers a SetChargingProfile (a hung firmware). */
  | 'hung'
  /** Station a's connection comes back only 90 s after Fusebox (reconnect back-off). */
  | 'late'
  /** Station a is offline at the restart; a car started on it while Fusebox was down (not known). */
  | 'unseen-session';

interface Outcome {
  readonly h: SimHarness;
  readonly restartAtMs: number;
  /** Highest load on any phase of the circuit from the restart on, in A. */
  readonly peakA: number;
  /** From the restart on: time any phase was over 40 A (ms), the largest excess (A), the last tick over. */
  readonly overMs: number;
  readonly maxOverA: number;
  readonly lastOverAtMs: number | null;
  readonly overloads: string[];
  /** Energy the new car got in the 10 minutes after the restart, in kWh. */
  readonly newCarKwh: number;
}

/**
 * Cars on a and b fill the circuit (20 A each, profiles renewed at half life); Fusebox is killed, restarted
 * 10 s later, and a car plugs into x 1 s after that. Runs until 10 minutes after the restart.
 */
async function restartWhileFull(
  trouble: Trouble,
  guard: boolean,
  store = true,
  offlineRule = guard,
  uncontrolledRule = guard,
): Promise<Outcome> {
  const h = new SimHarness({
    site: SITE,
    startMs: T0,
    tickMs: 100,
    control: {
      ...(guard ? {} : { restartGraceMs: 0 }),
      countOfflineEmptyPorts: offlineRule,
      uncontrolledPorts: uncontrolledRule,
    },
    rememberSetpoints: store,
  });
  const killAtMs = T0 + 200_000;
  const restartAtMs = killAtMs + 10_000;
  if (trouble !== 'unseen-session') h.world.addEv('a/1', bigCar('a', T0));
  h.world.addEv('b/1', bigCar('b', T0 + 1000));
  if (trouble === 'unseen-session') h.world.addEv('a/1', bigCar('a', killAtMs + 2000));
  await h.advanceTo(killAtMs);
  if (trouble !== 'unseen-session') {
    expect(h.gateway.stationLimitA('a/1')).toBe(20);
    expect(h.gateway.stationLimitA('b/1')).toBe(20);
  } else {
    expect(h.gateway.stationLimitA('b/1')).toBe(32);
  }
  h.kill();
  if (trouble === 'late' || trouble === 'unseen-session') h.gateway.setStationOnline('a', false);
  if (trouble === 'hung') h.gateway.setStationBehaviour('a', 'no-answer');
  await h.advanceTo(restartAtMs);
  let peakA = 0;
  let overMs = 0;
  let maxOverA = 0;
  let lastOverAtMs: number | null = null;
  h.world.onTick((s) => {
    const load = Math.max(s.circuits[0]!, s.circuits[1]!, s.circuits[2]!);
    peakA = Math.max(peakA, load);
    if (load > 40 + 1e-9) {
      overMs += s.tickMs;
      maxOverA = Math.max(maxOverA, load - 40);
      lastOverAtMs = s.atMs;
    }
  });
  h.restart();
  await h.advanceBy(1000);
  const x = h.world.addEv('x/1', bigCar('x', h.clock.nowMs()));
  if (trouble === 'late') {
    await h.advanceTo(restartAtMs + 90_000);
    h.gateway.setStationOnline('a', true);
  }
  await h.advanceTo(restartAtMs + 600_000);
  return {
    h,
    restartAtMs,
    peakA,
    overMs,
    maxOverA,
    lastOverAtMs,
    overloads: describeOverloads(h.world.violations()),
    newCarKwh: x.energyKwh,
  };
}

describe('restart while a circuit is full, a new car plugs in right after', () => {
  for (const trouble of ['hung', 'late', 'unseen-session'] as const) {
    it(`never exceeds the limit on any phase: older sessions count at the most they may draw until confirmed (${trouble})`, async () => {
      const on = await restartWhileFull(trouble, true);
      const off = await restartWhileFull(trouble, false);
      const numbers = (o: Outcome) => ({
        peakA: +o.peakA.toFixed(2),
        overS: o.overMs / 1000,
        maxOverA: +o.maxOverA.toFixed(2),
        lastOverS: o.lastOverAtMs === null ? null : (o.lastOverAtMs - o.restartAtMs) / 1000,
        newCarKwh: +o.newCarKwh.toFixed(2),
        over: o.overloads,
      });
      report(`restart/${trouble}`, { guard: numbers(on), noGuard: numbers(off) });
      if (trouble === 'unseen-session') {
        // a's car started while Fusebox was dead, b still at its 32 A: over until b's re-asserted default is
        // followed (200 ms answer + 3 s car response); the design window of scenario 4, not the restart's.
        expect(on.lastOverAtMs! - on.restartAtMs).toBeLessThan(4000);
      } else {
        expect(on.overloads).toEqual([]);
        expect(on.peakA).toBeLessThanOrEqual(40 + 1e-9);
      }
      if (trouble === 'hung') {
        // a's profiles time out: it is uncontrolled and counts at its 32 A maximum (uncontrolled-ports.ts),
        // so b and the new car share what is left.
        expect(on.h.loop.snapshot()!.uncontrolled.get('a/1')).toMatchObject({
          reason: 'timeout',
          countedA: 32,
        });
      } else {
        // The new car still charged: held back only while the older limits were not confirmed.
        expect(on.newCarKwh).toBeGreaterThan(1);
      }
      // Negative control: without the guard the same world goes over after the restart by at least 5 A, for
      // longer than any car response.
      expect(off.maxOverA).toBeGreaterThan(5);
      expect(off.overMs).toBeGreaterThan(30_000);
      expect(off.lastOverAtMs! - off.restartAtMs).toBeGreaterThan(30_000);
    });
  }

  it('needs the stored setpoints: counting the hung station at its default only is not enough', async () => {
    // Without the uncontrolled-port rule, which counts the hung station at its maximum by itself.
    const blind = await restartWhileFull('hung', true, false, true, false);
    report('restart/hung without stored setpoints', {
      overS: blind.overMs / 1000,
      maxOverA: +blind.maxOverA.toFixed(2),
    });
    // a's old 20 A profile is unknown: a counts at 13.4 A, b and x get 26.6 A, 6.6 A over until it expires.
    expect(blind.maxOverA).toBeGreaterThan(5);
    expect(blind.overMs).toBeGreaterThan(30_000);
  });

  it('without the guard, counting the empty ports of a station that is away at their default covers a car started unseen there', async () => {
    const ruleOnly = await restartWhileFull('unseen-session', false, true, true);
    report('restart/unseen-session, offline rule without the guard', {
      overS: ruleOnly.overMs / 1000,
      maxOverA: +ruleOnly.maxOverA.toFixed(2),
    });
    // Over only while b still has its 32 A profile from before the restart (as with the guard).
    expect(ruleOnly.lastOverAtMs! - ruleOnly.restartAtMs).toBeLessThan(4000);
  });

  it('the guard lets go when the grace period ends: the hung station counts at its default then (uncontrolled-port rule off)', async () => {
    const on = await restartWhileFull('hung', true, true, true, false);
    const snap = on.h.loop.snapshot()!;
    expect(snap.unknownPorts.size).toBe(0);
    // a's old 20 A profile has expired by now; a still counts (its re-assert never answered) at its default.
    const defaultA = on.h.gateway.failSafeA('a/1');
    expect(on.h.gateway.stationLimitA('a/1')).toBe(defaultA);
    const fixed = snap.fixed.find((f) => f.portId === 'a/1');
    expect(fixed?.conductorA[0]).toBe(defaultA);
    expect(on.h.clock.nowMs()).toBeGreaterThan(on.restartAtMs + EXPIRY_MS);
  });

  it('with the uncontrolled-port rule, the hung station counts at its maximum, not its default, after the grace', async () => {
    const on = await restartWhileFull('hung', true);
    const snap = on.h.loop.snapshot()!;
    expect(snap.unknownPorts.size).toBe(0);
    expect(on.h.gateway.stationLimitA('a/1')).toBe(on.h.gateway.failSafeA('a/1'));
    expect(snap.fixed.find((f) => f.portId === 'a/1')?.conductorA[0]).toBe(32);
    expect(snap.uncontrolled.get('a/1')?.reason).toBe('timeout');
    expect(on.overloads).toEqual([]);
  });
});
