/**
 * The allocator against an independent oracle: weighted max-min fairness with lower bounds and strict
 * priority classes computed by successive linear programs (HiGHS), on small generated sites where
 * everyone fits at minimum and the step is 1 mA, so rounding does not blur the comparison.
 */
import fc from 'fast-check';
import highsLoader from 'highs';
import type { Highs } from 'highs';
import { beforeAll, describe, expect, it } from 'vitest';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import { currents, problemView } from './testing/allocation-check.ts';
import { maxMinFair } from './testing/max-min-oracle.ts';
import type { ScenarioOptions } from './testing/scenario-arbitrary.ts';
import { scenarioArbitrary } from './testing/scenario-arbitrary.ts';

/** Largest difference per port between allocator and oracle, in A. */
const TOLERANCE_A = 0.01;

// The package's types declare a CommonJS default; at run time the ESM default export is the loader.
const loadHighs = highsLoader as unknown as () => Promise<Highs>;
let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const small: Partial<ScenarioOptions> = {
  minPorts: 2,
  maxPorts: 8,
  maxCircuits: 6,
  maxDepth: 3,
  stepA: 0.001,
  everyoneFits: true,
  oddCapacities: false,
};

function compare(overrides: Partial<ScenarioOptions>, numRuns: number): void {
  fc.assert(
    fc.property(scenarioArbitrary({ ...small, ...overrides }), (s) => {
      const view = problemView(s.cs, s.input);
      const x = currents(allocate(s.cs, s.input, INITIAL_ALLOCATOR_STATE, Date.UTC(2025, 0, 6)));
      const want = maxMinFair(highs, view);
      const diffs = view.ports.flatMap((p) => {
        const got = x.get(p.portId)!;
        const exp = want.get(p.portId)!;
        return Math.abs(got - exp) <= TOLERANCE_A
          ? []
          : [
              `${p.portId} (lo ${p.lo}, hi ${p.hi}, weight ${p.weight}, priority ${p.priority}): ` +
                `allocator ${got} A, oracle ${exp.toFixed(4)} A`,
            ];
      });
      expect(diffs).toEqual([]);
    }),
    { numRuns },
  );
}

describe('allocate against the LP max-min fair oracle', () => {
  it('one priority class, equal weights', () => compare({ priorities: false, weights: false }, 150));
  it('one priority class, weights', () => compare({ priorities: false, weights: true }, 200));
  it('strict priority classes with weights', () => compare({ priorities: true, weights: true }, 200));
});
