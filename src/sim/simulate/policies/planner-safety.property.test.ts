/**
 * Issue 14's safety property: no plan makes the real-time layer exceed a limit. Random sites (the
 * allocator's own generator), random tariffs (prices per slot, demand rate, demand already paid) and
 * random sessions: the plan's targets for the running slot go through the real allocator as each port's
 * maximum, and every circuit and phase is checked against its capacity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AllocationInput } from '../../../core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../../../core/allocation.ts';
import { allocate } from '../../../core/allocator.ts';
import { loadHighs } from '../../../core/planner/highs.ts';
import { plan } from '../../../core/planner/planner.ts';
import { problemView, safetyViolations } from '../../../core/testing/allocation-check.ts';
import { scenarioArbitrary } from '../../../core/testing/scenario-arbitrary.ts';
import { networkFromSite } from '../../../core/planner/site-network.ts';
import { planConstraints } from '../../../core/planner/plan-constraints.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const H = 3_600_000;

describe('planner + allocator: safety on generated sites, tariffs and sessions', () => {
  it('the plan’s targets never make the allocator exceed a capacity', async () => {
    const highs = await loadHighs();
    fc.assert(
      fc.property(
        scenarioArbitrary({ maxPorts: 8 }),
        fc.array(fc.double({ min: 0, max: 0.6, noNaN: true }), { minLength: 96, maxLength: 96 }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.array(
          fc.record({
            stayH: fc.double({ min: 0.25, max: 30, noNaN: true }),
            energyKwh: fc.double({ min: 0, max: 80, noNaN: true }),
          }),
          { minLength: 8, maxLength: 8 },
        ),
        (s, prices, rate, paidKw, stays) => {
          const { network } = networkFromSite(s.cs);
          const evseOf = new Map(network.evses.map((e, i) => [e.id, i]));
          const demands = s.input.demands;
          const sessions = demands.map((d, i) => ({
            id: d.portId,
            port: evseOf.get(d.portId)!,
            arrivalMs: NOW,
            departureMs: NOW + stays[i % stays.length]!.stayH * H,
            energyKwh: stays[i % stays.length]!.energyKwh,
            maxA: Math.min(network.evses[evseOf.get(d.portId)!]!.maxA, d.maxCurrentA ?? Infinity),
            kwPerA: Math.max(1e-3, network.evses[evseOf.get(d.portId)!]!.voltageV / 1000),
          }));
          const p = plan(highs, {
            nowMs: NOW,
            horizonMs: 24 * H,
            slotMs: 15 * 60_000,
            sessions,
            constraints: planConstraints(network),
            pricePerKwh: (t) => prices[Math.floor((t - NOW) / (15 * 60_000)) % 96]!,
            demand: {
              windowMs: 15 * 60_000,
              windowEnergySoFarKwh: 0,
              periods: [{ startMs: NOW - 5 * 24 * H, endMs: NOW + 25 * 24 * H, ratePerKw: rate, paidKw }],
            },
          });
          // The allocator with the plan's first slot as each port's maximum (as fusebox-policy.ts hands it).
          const input: AllocationInput = {
            capacities: s.input.capacities,
            demands: demands.map((d, i) => ({
              ...d,
              maxCurrentA: Math.min(d.maxCurrentA ?? Infinity, p.currentA[i]![0] ?? 0),
            })),
          };
          const result = allocate(s.cs, input, INITIAL_ALLOCATOR_STATE, NOW);
          expect(safetyViolations(problemView(s.cs, input), result)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  }, 300_000);
});
