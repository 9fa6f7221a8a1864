/**
 * A building step while 400 sessions start (overload-rule.ts), under the static limit and
 * under a lower EMS limit; and an EMS limit that falls under the cars: the control loop against a simulated
 * depot in virtual time, deterministic from a seed. Run with SCENARIO_REPORT=1 to print the excursions.
 */
import { describe, expect, it } from 'vitest';
import { DIM_COUNT } from '../core/compiled-site.ts';
import { constantLoad, createRng, withSteps } from '../sim/world/profiles.ts';
import { report } from './testing/scenario-metrics.ts';
import { emsCommands, T0, TZ } from './testing/scenario-sites.ts';
import { bigCar, SimHarness, siteFromYaml, TEST_DRIVER } from './testing/sim-harness.ts';

/** 10 panels of 250 A under a 1,500 A grid connection, 20 two-port stations on each (as bench/soak.ts). */
function depot() {
  const gridA = 1500;
  const rotations = ['L1L2L3', 'L2L3L1', 'L3L1L2'];
  const lines = [
    `site: { name: depot, timeZone: ${TZ}, supply: 230/400V }`,
    'circuits:',
    `  - { id: grid, kind: grid, limitA: ${gridA}, marginA: 10, meter: gm, staleNonEvLoadA: 750 }`,
    ...Array.from({ length: 10 }, (_, p) => `  - { id: panel-${p}, parent: grid, limitA: 250, marginA: 2 }`),
    'meters:',
    `  - { id: gm, role: load, circuit: grid, timeoutMs: 5000, ${TEST_DRIVER} }`,
    'stations:',
    ...Array.from(
      { length: 200 },
      (_, s) =>
        `  - { id: CP${s}, circuit: panel-${Math.floor(s / 20)}, phases: ${rotations[s % 3]}, ports: 2 }`,
    ),
  ];
  return { cs: siteFromYaml(lines.join('\n') + '\n'), gridA };
}

/** A stretch of time one phase of a circuit was over its limit. */
interface Excursion {
  phase: number;
  fromMs: number;
  toMs: number;
  maxOverA: number;
}

// Cars follow a new limit within 1 s; Fusebox assumes the standard's 5 s (carResponseMs). The grid meter is read
// every 250 ms (the Modbus poll's default), MeterValues every 10 s.
const TICK_MS = 50;
const STEP_A = 345; // 23 % of the connection
const BUILDING_A = 55;

interface MassStart {
  /** The EMS's site limit from the start (A per phase); none: the static 1,500 A. */
  readonly emsA?: number;
  /** A building step this long after the start (plus up to 1 s, from the seed); none: no step. */
  readonly stepAfterMs?: number;
  /** The EMS's site limit falls to `toA` this long after the start. */
  readonly emsFall?: { readonly afterMs: number; readonly toA: number };
}

/**
 * 400 sessions starting over the first minute under the depot's grid (half of the cars with a 16 A charger,
 * a fifth single-phase), for 3 minutes: the grid's excursions over the limit in force, the largest amount by
 * which the non-EV estimate stood above the real building load after the EMS limit fell (per phase, from the
 * loop's snapshots: limit − margin − capacity), the cars' energy and the grid's load at the end.
 */
async function massStart(seed: number, o: MassStart) {
  const { cs, gridA } = depot();
  const rng = createRng(seed);
  const stepAtMs = o.stepAfterMs === undefined ? Infinity : T0 + o.stepAfterMs + rng.int(0, 999);
  const steps = Number.isFinite(stepAtMs) ? [{ atMs: stepAtMs, addA: STEP_A }] : [];
  const h = new SimHarness({
    site: cs,
    startMs: T0,
    tickMs: TICK_MS,
    meterIntervalMs: 250,
    loads: [{ circuitId: 'grid', profile: withSteps(constantLoad(BUILDING_A), steps) }],
  });
  if (o.emsA !== undefined) h.loop.onEmsCommands(emsCommands({ siteLimitA: o.emsA }));
  const fallAtMs = o.emsFall ? T0 + o.emsFall.afterMs : Infinity;
  const limitAt = (ms: number): number =>
    ms >= fallAtMs ? o.emsFall!.toA : Math.min(gridA, o.emsA ?? Infinity);
  const evs = cs.ports.map((p) =>
    h.world.addEv(
      p.id,
      bigCar(p.id, T0 + rng.int(0, 60_000), {
        maxCurrentA: rng.next() < 0.5 ? 16 : 32,
        phases: rng.next() < 0.2 ? 1 : 3,
        responseDelayMs: 1000,
        startDelayMs: rng.int(0, 5000),
      }),
    ),
  );
  const grid = cs.circuits[cs.circuitIndex.get('grid')!]!;
  const gi = cs.circuitIndex.get('grid')! * DIM_COUNT;
  const excursions: Excursion[] = [];
  const open: (Excursion | null)[] = [null, null, null];
  let fell = false;
  let estimateOverA = -Infinity;
  h.world.onTick((s) => {
    if (!fell && s.atMs >= fallAtMs) {
      fell = true;
      h.loop.onEmsCommands(emsCommands({ siteLimitA: o.emsFall!.toA }));
    }
    for (let ph = 0; ph < 3; ph++) {
      const over = s.circuits[gi + ph]! - limitAt(s.atMs);
      const e = open[ph];
      if (over > 1e-6) {
        if (e) {
          e.toMs = s.atMs + TICK_MS;
          e.maxOverA = Math.max(e.maxOverA, over);
        } else open[ph] = { phase: ph, fromMs: s.atMs, toMs: s.atMs + TICK_MS, maxOverA: over };
      } else if (e) {
        excursions.push(e);
        open[ph] = null;
      }
    }
    const snap = h.loop.snapshot();
    const cap = snap?.capacities.get('grid');
    const lim = snap?.limits.get('grid');
    if (fell && cap && lim)
      for (let ph = 0; ph < 3; ph++)
        estimateOverA = Math.max(estimateOverA, lim.limitA - grid.marginA - cap.phaseA[ph]! - BUILDING_A);
  });
  await h.advanceTo(T0 + 180_000);
  excursions.push(...open.filter((e) => e !== null));
  // Times from the step, or from the start when there is none.
  const [t0, what] = Number.isFinite(stepAtMs) ? [stepAtMs, 'the step'] : [T0, 'the start'];
  const said = excursions.map(
    (e) =>
      `L${e.phase + 1} from ${((e.fromMs - t0) / 1000).toFixed(1)} s after ${what} for ` +
      `${((e.toMs - e.fromMs) / 1000).toFixed(1)} s, at most ${e.maxOverA.toFixed(1)} A over`,
  );
  const energyKwh = evs.reduce((sum, ev) => sum + ev.energyKwh, 0);
  return { stepAtMs, excursions, said, energyKwh, estimateOverA, end: h.world.circuitLoad('grid'), limitAt };
}

/**
 * The step's excursion: a meter reading to see it, a control run, the answer and the cars' 1 s, and a second
 * for the readings of the cars' decreases to come. Before the overload rule the estimate kept the part of the
 * step the ports' bounds could hide until every lowered port's 5 s had passed: 6.5 s in 2 of these 6 seeds
 * (with the meter read once a second: 4.0-8.6 s, and again 0.8-2.8 s some 7 s after the step, in 5 of 6). With
 * it: 1.3-1.7 s, for 0.3-0.7 % less energy to the cars in these 3 minutes.
 */
const BOUND_MS = 3000;

function expectOnlyTheStep(r: Awaited<ReturnType<typeof massStart>>): void {
  const said = r.said.join('\n');
  // The step overloads the grid (no controller can prevent that) ...
  expect(r.excursions.length, said).toBeGreaterThan(0);
  for (const e of r.excursions) {
    // ... and that is the only excursion: it starts with the step and ends within the bound.
    expect(e.fromMs, said).toBeGreaterThanOrEqual(r.stepAtMs);
    expect(e.fromMs - r.stepAtMs, said).toBeLessThan(1000);
    expect(e.toMs - r.stepAtMs, said).toBeLessThanOrEqual(BOUND_MS);
  }
  // The cars still get what the grid can give: the estimate was not left high. At the end the grid carries
  // its limit less the margin, within a 6 A car's step (what one port paused or resumed changes).
  for (let ph = 0; ph < 3; ph++) expect(r.end[ph]!).toBeGreaterThan(r.limitAt(T0 + 180_000) - 10 - 6 - 6);
}

const SEEDS = [1, 2, 3, 4, 5, 6];

describe('a building step while 400 sessions start', () => {
  for (const seed of SEEDS) {
    it(`is back under the limit within ${BOUND_MS / 1000} s of the step, and stays there (seed ${seed})`, async () => {
      const r = await massStart(seed, { stepAfterMs: 60_000 });
      report(`mass start seed ${seed}`, { excursions: r.said, energyKwh: r.energyKwh });
      expectOnlyTheStep(r);
    });
  }
});

describe('a building step while 400 sessions start under an EMS limit', () => {
  // The overload rule holds the readings to the limit in force once it has held for a car response time
  // (overload-rule.ts heldTo): back under the EMS's 1,200 A within 1.5-1.7 s of the step. Held to the static
  // 1,500 A instead, the step hid in the band of the cars not yet seen drawing as it did before the rule:
  // 6.5-6.7 s in 4 of these 6 seeds (2.0-2.3 s in the others), for 0.6-0.8 % more energy to the cars.
  for (const seed of SEEDS) {
    it(`is back under the EMS limit within ${BOUND_MS / 1000} s of the step (seed ${seed})`, async () => {
      const r = await massStart(seed, { emsA: 1200, stepAfterMs: 60_000 });
      report(`mass start under 1,200 A seed ${seed}`, { excursions: r.said, energyKwh: r.energyKwh });
      expectOnlyTheStep(r);
    });
  }
});

describe('an EMS limit that falls under 400 charging cars', () => {
  // After the limit falls (1,500 to 1,000 A, 100 s in), the cars are over it until they follow: that excess is
  // no proof that the non-EV load is larger (overload-rule.ts heldTo waits a car response time and
  // LIMIT_FALL_SLACK_MS). The estimate stays at the building's 55 A (0 A above it in these 3 seeds); held to
  // the new limit at once, it rose 250 A above it and the cars were held back by as much.
  for (const seed of [1, 2, 3]) {
    it(`does not raise the non-EV estimate (seed ${seed})`, async () => {
      const r = await massStart(seed, { emsFall: { afterMs: 100_000, toA: 1000 } });
      report(`EMS fall seed ${seed}`, {
        excursions: r.said,
        energyKwh: r.energyKwh,
        estimateOverA: r.estimateOverA,
      });
      expect(Number.isFinite(r.estimateOverA)).toBe(true);
      expect(r.estimateOverA).toBeLessThan(25);
      for (let ph = 0; ph < 3; ph++) expect(r.end[ph]!).toBeGreaterThan(1000 - 10 - 6 - 6);
    });
  }
});
