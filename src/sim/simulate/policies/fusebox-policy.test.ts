/** The Fusebox policy on the Caltech network: deadline mode on the exact model, safe on the linear one. */
import { describe, expect, it } from 'vitest';
import type { ActiveEv, StepInput } from '../policy.ts';
import { constraintValues } from '../../../core/planner/network.ts';
import { buildSetup, caltechCompiledSite } from '../scenario.ts';
import { fuseboxPolicy } from './fusebox-policy.ts';

const T0 = Date.UTC(2019, 2, 4, 16, 0, 0);
const HOUR = 3_600_000;

/** Every EVSE busy: even ones leave in an hour needing 6 kWh, odd ones in ten hours needing 6 kWh. */
function input(kind: 'caltech' | 'caltech-linear', capacityKw: number): StepInput {
  const { network } = buildSetup({ kind, stationIds: [] }, capacityKw);
  const active: ActiveEv[] = network.evses.map((e, i) => ({
    sessionId: `s${i}`,
    evseIndex: i,
    arrivalMs: T0 - HOUR,
    departureMs: T0 + (i % 2 === 0 ? 1 : 10) * HOUR,
    estimatedDepartureMs: T0 + (i % 2 === 0 ? 1 : 10) * HOUR,
    remainingKwh: 6,
    maxA: e.maxA,
    minA: e.minA,
  }));
  return { tMs: T0, stepMs: 5 * 60_000, active, network };
}

describe('fusebox policy on the Caltech network', () => {
  it.each(['caltech', 'caltech-linear'] as const)('stays within every %s constraint', (kind) => {
    const step = input(kind, 30);
    const setup = buildSetup({ kind, stationIds: [] }, 30);
    const pilots = fuseboxPolicy(setup.compiled).step(step);
    const values = constraintValues(step.network, pilots);
    step.network.constraints.forEach((c, k) => expect(values[k]).toBeLessThanOrEqual(c.limitA + 1e-6));
    // Work-conserving: some line is full.
    expect(Math.max(...step.network.constraints.map((c, k) => values[k]! / c.limitA))).toBeGreaterThan(0.99);
  });

  it('uses the site deadline mode: cars leaving in an hour get more than cars staying ten', () => {
    expect(caltechCompiledSite().site.allocation?.mode).toBe('deadline');
    const step = input('caltech', 30);
    const pilots = fuseboxPolicy(buildSetup({ kind: 'caltech', stationIds: [] }, 30).compiled).step(step);
    const mean = (odd: number): number => {
      const xs = [...pilots].filter((_, i) => i % 2 === odd);
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    expect(mean(0)).toBeGreaterThan(2 * mean(1));
  });

  it('delivers more on the exact model than on the linear one (line pairs balanced, phasor sums)', () => {
    const total = (kind: 'caltech' | 'caltech-linear'): number =>
      fuseboxPolicy(buildSetup({ kind, stationIds: [] }, 30).compiled)
        .step(input(kind, 30))
        .reduce((s, x) => s + x, 0);
    expect(total('caltech')).toBeGreaterThan(1.1 * total('caltech-linear'));
  });
});
