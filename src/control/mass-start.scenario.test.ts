/**
 * A building step while 400 sessions start (non-ev-estimate.ts overloadShortfall): the control loop against a
 * simulated depot in virtual time, deterministic from a seed. Run with SCENARIO_REPORT=1 to print the
 * excursions.
 */
import { describe, expect, it } from 'vitest';
import { DIM_COUNT } from '../core/compiled-site.ts';
import { constantLoad, createRng, withSteps } from '../sim/world/profiles.ts';
import { report } from './testing/scenario-metrics.ts';
import { T0, TZ } from './testing/scenario-sites.ts';
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

describe('a building step while 400 sessions start', () => {
  // Cars follow a new limit within 1 s; Fusebox assumes the standard's 5 s (carResponseMs). The grid meter is
  // read every 250 ms (the Modbus poll's default), MeterValues every 10 s.
  const tickMs = 50;
  /**
   * The step's excursion: a meter reading to see it, a control run, the answer and the cars' 1 s, and a
   * second for the readings of the cars' decreases to come. Before the overload rule the estimate kept the
   * part of the step the ports' bounds could hide until every lowered port's 5 s had passed: 6.5 s in 2 of
   * these 6 seeds (with the meter read once a second: 4.0-8.6 s, and again 0.8-2.8 s some 7 s after the step,
   * in 5 of 6). With it: 1.3-1.7 s, for 0.3-0.7 % less energy to the cars in these 3 minutes.
   */
  const boundMs = 3000;

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`is back under the limit within ${boundMs / 1000} s of the step, and stays there (seed ${seed})`, async () => {
      const { cs, gridA } = depot();
      const rng = createRng(seed);
      const stepAtMs = T0 + 60_000 + rng.int(0, 999);
      const stepA = 345; // 23 % of the connection
      const h = new SimHarness({
        site: cs,
        startMs: T0,
        tickMs,
        meterIntervalMs: 250,
        loads: [
          { circuitId: 'grid', profile: withSteps(constantLoad(55), [{ atMs: stepAtMs, addA: stepA }]) },
        ],
      });
      // The sessions start over the first minute: half of the cars with a 16 A charger, a fifth single-phase.
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
      const gi = cs.circuitIndex.get('grid')! * DIM_COUNT;
      const excursions: Excursion[] = [];
      const open: (Excursion | null)[] = [null, null, null];
      h.world.onTick((s) => {
        for (let ph = 0; ph < 3; ph++) {
          const over = s.circuits[gi + ph]! - s.limits[gi + ph]!;
          const e = open[ph];
          if (over > 1e-6) {
            if (e) {
              e.toMs = s.atMs + tickMs;
              e.maxOverA = Math.max(e.maxOverA, over);
            } else open[ph] = { phase: ph, fromMs: s.atMs, toMs: s.atMs + tickMs, maxOverA: over };
          } else if (e) {
            excursions.push(e);
            open[ph] = null;
          }
        }
      });
      await h.advanceTo(T0 + 180_000);
      excursions.push(...open.filter((e) => e !== null));
      const said = excursions.map(
        (e) =>
          `L${e.phase + 1} from ${((e.fromMs - stepAtMs) / 1000).toFixed(1)} s after the step for ` +
          `${((e.toMs - e.fromMs) / 1000).toFixed(1)} s, at most ${e.maxOverA.toFixed(1)} A over`,
      );
      const energyKwh = evs.reduce((sum, ev) => sum + ev.energyKwh, 0);
      report(`mass start seed ${seed}`, { excursions: said, energyKwh });
      // The step overloads the grid (no controller can prevent that) ...
      expect(excursions.length, said.join('\n')).toBeGreaterThan(0);
      for (const e of excursions) {
        // ... and that is the only excursion: it starts with the step and ends within the bound.
        expect(e.fromMs, said.join('\n')).toBeGreaterThanOrEqual(stepAtMs);
        expect(e.fromMs - stepAtMs, said.join('\n')).toBeLessThan(1000);
        expect(e.toMs - stepAtMs, said.join('\n')).toBeLessThanOrEqual(boundMs);
      }
      // The cars still get what the grid can give: the estimate was not left high. At the end the grid carries
      // its limit less the margin, within a 6 A car's step (what one port paused or resumed changes).
      const end = h.world.circuitLoad('grid');
      for (let ph = 0; ph < 3; ph++) expect(end[ph]!).toBeGreaterThan(gridA - 10 - 6 - 6);
    });
  }
});
