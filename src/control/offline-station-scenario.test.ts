/**
 * Scenario: a station drops off while its circuit is full and a car plugs into one of its empty ports. The
 * station starts that car under its fail-safe default (TxDefaultProfile) without Fusebox knowing. Every port
 * of a station that is away counts at least at its default, so the car's current is already set aside; the
 * negative control (countOfflineEmptyPorts: false, the old accounting: empty ports at 0 A) shows the
 * overload. Virtual time; SCENARIO_REPORT=1 prints the numbers.
 */
import { describe, expect, it } from 'vitest';
import { describeOverloads, report } from './testing/scenario-metrics.ts';
import { bigCar, SimHarness, siteFromYaml } from './testing/sim-harness.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const LIMIT_A = 40;

/** SLM: one 40 A circuit, two stations of two 32 A ports; fail-safe default 10 A per port. */
const SITE = siteFromYaml(`
site: { name: offline, timeZone: Europe/Berlin }
circuits:
  - { id: c, limitA: ${LIMIT_A} }
stations:
  - { id: a, circuit: c, ports: 2 }
  - { id: b, circuit: c, ports: 2 }
`);

interface Outcome {
  readonly h: SimHarness;
  readonly dropAtMs: number;
  /** Highest load on any phase of the circuit from the drop on, in A. */
  readonly peakA: number;
  /** From the drop on: time any phase was over the limit (ms) and the largest excess (A). */
  readonly overMs: number;
  readonly maxOverA: number;
  readonly overloads: string[];
  /** Limits in force on a's two ports, 20 s after the drop (before the car on b/2 arrives), in A. */
  readonly aAfterDropA: number;
  /** The same 7 min after the drop, when b/1's last profile has expired (b/1 at its default). */
  readonly aLateA: number;
  /** What the car on b/2 drew while b was away, in A (its fail-safe default). */
  readonly unseenCarA: number;
  /** Energy of a's two cars while b was away, in kWh. */
  readonly aKwhWhileAway: number;
}

/**
 * Cars on a/1, a/2 and b/1 fill the 40 A circuit; b drops at 3 min; a car plugs into b/2 30 s later and
 * charges under b/2's default; b comes back 10 min after the drop; runs 3 min more.
 */
async function offlineWhileFull(countOfflineEmptyPorts: boolean, newCar = true): Promise<Outcome> {
  const h = new SimHarness({ site: SITE, startMs: T0, tickMs: 100, control: { countOfflineEmptyPorts } });
  const a1 = h.world.addEv('a/1', bigCar('a1', T0));
  const a2 = h.world.addEv('a/2', bigCar('a2', T0 + 1000));
  h.world.addEv('b/1', bigCar('b1', T0 + 2000));
  const dropAtMs = T0 + 180_000;
  const backAtMs = dropAtMs + 600_000;
  const unseen = newCar ? h.world.addEv('b/2', bigCar('b2', dropAtMs + 30_000)) : null;
  await h.advanceTo(dropAtMs);
  const full = ['a/1', 'a/2', 'b/1'].reduce((s, p) => s + h.gateway.stationLimitA(p), 0);
  expect(full).toBeGreaterThan(LIMIT_A - 1.5); // the circuit is full (within the 1 A steps)
  let peakA = 0;
  let overMs = 0;
  let maxOverA = 0;
  let unseenCarA = 0;
  h.world.onTick((s) => {
    const load = Math.max(s.circuits[0]!, s.circuits[1]!, s.circuits[2]!);
    peakA = Math.max(peakA, load);
    if (load > LIMIT_A + 1e-9) {
      overMs += s.tickMs;
      maxOverA = Math.max(maxOverA, load - LIMIT_A);
    }
    if (unseen && s.atMs < backAtMs) unseenCarA = Math.max(unseenCarA, unseen.currentA);
  });
  h.gateway.setStationOnline('b', false);
  await h.advanceTo(dropAtMs + 20_000);
  const aAfterDropA = h.gateway.stationLimitA('a/1') + h.gateway.stationLimitA('a/2');
  const aKwhAtDrop = a1.energyKwh + a2.energyKwh;
  await h.advanceTo(dropAtMs + 420_000);
  const aLateA = h.gateway.stationLimitA('a/1') + h.gateway.stationLimitA('a/2');
  await h.advanceTo(backAtMs);
  const aKwhWhileAway = a1.energyKwh + a2.energyKwh - aKwhAtDrop;
  h.gateway.setStationOnline('b', true);
  await h.advanceTo(backAtMs + 180_000);
  return {
    h,
    dropAtMs,
    peakA,
    overMs,
    maxOverA,
    overloads: describeOverloads(h.world.violations()),
    aAfterDropA,
    aLateA,
    unseenCarA,
    aKwhWhileAway,
  };
}

const numbers = (o: Outcome) => ({
  peakA: +o.peakA.toFixed(2),
  overS: o.overMs / 1000,
  maxOverA: +o.maxOverA.toFixed(2),
  aAfterDropA: +o.aAfterDropA.toFixed(2),
  aLateA: +o.aLateA.toFixed(2),
  unseenCarA: o.unseenCarA,
  aKwhWhileAway: +o.aKwhWhileAway.toFixed(2),
});

describe('a station drops off while the circuit is full, a car plugs into one of its empty ports', () => {
  it('never exceeds the limit on any phase: the empty ports of the station count at their default', async () => {
    const on = await offlineWhileFull(true);
    const off = await offlineWhileFull(false);
    report('offline station/new car', { rule: numbers(on), oldRule: numbers(off) });
    const defaultA = on.h.gateway.failSafeA('b/2');
    expect(defaultA).toBe(10);
    // The car on b/2 charged under its default while b was away, in both worlds.
    expect(on.unseenCarA).toBe(defaultA);
    expect(off.unseenCarA).toBe(defaultA);
    expect(on.overloads).toEqual([]);
    expect(on.peakA).toBeLessThanOrEqual(LIMIT_A + 1e-9);
    // a made room for b/2's default as soon as b dropped: 40 − b/1's profile − 10 A.
    expect(on.aAfterDropA).toBeLessThanOrEqual(LIMIT_A - on.h.gateway.failSafeA('b/1') - defaultA);
    // Negative control: the old accounting gives b/2's 10 A to a and is over by it, for as long as b is away.
    expect(off.maxOverA).toBeGreaterThan(defaultA - 1.5);
    expect(off.overMs).toBeGreaterThan(500_000);
    // Once b is back its new session is seen and limited like the others; the car still charges.
    const snap = on.h.loop.snapshot()!;
    expect(snap.fixed).toEqual([]);
    expect(snap.allocation.find((x) => x.portId === 'b/2')!.currentA).toBeGreaterThanOrEqual(6);
  });

  it('the price: with no car arriving, the others are held back by the empty ports’ defaults while it is away', async () => {
    const on = await offlineWhileFull(true, false);
    const off = await offlineWhileFull(false, false);
    report('offline station/no new car', { rule: numbers(on), oldRule: numbers(off) });
    expect(on.overloads).toEqual([]);
    expect(off.overloads).toEqual([]);
    // b/2's default (10 A) is set aside: a gets that much less (within the 1 A steps) while b is away.
    expect(off.aAfterDropA - on.aAfterDropA).toBeGreaterThanOrEqual(9);
    expect(off.aAfterDropA - on.aAfterDropA).toBeLessThanOrEqual(11);
    expect(on.aKwhWhileAway).toBeLessThan(off.aKwhWhileAway);
    // Once b/1's last profile has expired (b/1 at its default), a has at least its own ports' defaults: the
    // defaults are sized for every port drawing them at once.
    expect(on.aLateA).toBeGreaterThanOrEqual(2 * on.h.gateway.failSafeA('a/1'));
    expect(off.aLateA - on.aLateA).toBeGreaterThanOrEqual(9);
  });
});
