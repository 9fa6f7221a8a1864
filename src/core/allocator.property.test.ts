/** Invariants of the allocator on generated sites (docs/allocation.md, "What it guarantees"). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AllocationInput,
  AllocationResult,
  AllocatorOptions,
  AllocatorState,
  Capacity,
} from './allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import type { CompiledSite } from './compiled-site.ts';
import {
  admissionViolations,
  currents,
  priorityViolations,
  problemView,
  safetyViolations,
  wasteViolations,
} from './testing/allocation-check.ts';
import type { ProblemView } from './testing/allocation-check.ts';
import { sharedCircuitSite } from './testing/rotation-site.ts';
import type { Scenario, ScenarioOptions } from './testing/scenario-arbitrary.ts';
import { scenarioArbitrary } from './testing/scenario-arbitrary.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const MIN = 60_000;

const once = (s: Scenario): AllocationResult => allocate(s.cs, s.input, INITIAL_ALLOCATOR_STATE, NOW);

/** On `numRuns` generated scenarios (`options` on top of the defaults), one allocation breaks no rule of `check`. */
function noViolations(
  check: (view: ProblemView, result: AllocationResult) => string[],
  numRuns: number,
  options: Partial<ScenarioOptions> = {},
): void {
  fc.assert(
    fc.property(scenarioArbitrary(options), (s) => {
      expect(check(problemView(s.cs, s.input), once(s))).toEqual([]);
    }),
    { numRuns },
  );
}

/** The allocation, explanation and state in a form that does not depend on output order. */
function canonical(r: AllocationResult): unknown {
  const byId = <T>(xs: readonly T[], id: (x: T) => string): T[] =>
    [...xs].sort((a, b) => (id(a) < id(b) ? -1 : 1));
  return {
    allocation: byId(r.allocation, (a) => a.portId),
    circuits: byId(r.explain.circuits, (c) => c.circuitId),
    state: [...r.state.ports].sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

describe('allocate: safety on generated sites', () => {
  it('never exceeds a capacity and keeps every running port in [lo, hi] on a step', () => {
    noViolations(safetyViolations, 500);
  });

  it('handles zero, negative and infinite capacities on every circuit', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary({ maxPorts: 10 }),
        fc.constantFrom<Capacity>(
          { phaseA: [0, 0, 0], powerKw: 0 },
          { phaseA: [-4, -4, -4], powerKw: -3 },
          { phaseA: [Infinity, Infinity, Infinity], powerKw: Infinity },
          { phaseA: [-1, Infinity, 0], powerKw: Infinity },
        ),
        (s, capacity) => {
          const input: AllocationInput = {
            capacities: new Map(s.site.circuits.map((c) => [c.id, capacity])),
            demands: s.input.demands,
          };
          const view = problemView(s.cs, input);
          const r = allocate(s.cs, input, INITIAL_ALLOCATOR_STATE, NOW);
          expect(safetyViolations(view, r)).toEqual([]);
          const x = currents(r);
          const unlimited = capacity.phaseA.every((a) => a === Infinity) && capacity.powerKw === Infinity;
          const none = capacity.phaseA.every((a) => a <= 0) && capacity.powerKw <= 0;
          for (const p of view.ports) {
            // Unlimited: everyone who can run gets their max. Zero or negative everywhere: nobody runs.
            const expected = unlimited ? (p.hi >= p.lo && p.hi > 0 ? p.hi : 0) : none ? 0 : null;
            if (expected !== null)
              expect({ port: p.portId, currentA: x.get(p.portId) }).toEqual({
                port: p.portId,
                currentA: expected,
              });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays safe over many cycles with carried state, rotation, arrivals, departures and car caps', () => {
    const step = fc.record({
      present: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
      drawPct: fc.array(fc.integer({ min: 0, max: 110 }), { minLength: 16, maxLength: 16 }),
      advanceMs: fc.constantFrom(1_000, 10_000, 30_000, 5 * MIN, 16 * MIN),
    });
    fc.assert(
      fc.property(
        scenarioArbitrary({ oddCapacities: false }),
        fc.array(step, { minLength: 2, maxLength: 12 }),
        (s, steps) => {
          let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
          let now = NOW;
          let last = new Map<string, number>();
          for (const st of steps) {
            now += st.advanceMs;
            // The car draws a share of what it was offered, measured just now.
            const demands = s.input.demands
              .filter((_, i) => st.present[i % 16])
              .map((d, i) => {
                const offered = last.get(d.portId) ?? 0;
                return offered > 0
                  ? { ...d, measuredA: (offered * st.drawPct[i % 16]!) / 100, measuredAtMs: now }
                  : d;
              });
            const input = { capacities: s.input.capacities, demands };
            const r = allocate(s.cs, input, state, now, { rotationIntervalMs: 15 * MIN });
            const view = problemView(s.cs, input);
            expect(safetyViolations(view, r)).toEqual([]);
            expect(admissionViolations(view, r, true)).toEqual([]);
            state = r.state;
            last = currents(r);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('allocate: efficiency and order on generated sites', () => {
  it('is not wasteful: a running port below its max cannot take one more step anywhere', () => {
    noViolations(wasteViolations, 400);
  });

  it('pauses a port only when its minimum does not fit next to equal or higher priorities (first cycle)', () => {
    noViolations((view, result) => admissionViolations(view, result, false), 400);
  });

  it('serves priority classes strictly: lower classes get nothing above minimum where a higher one is held', () => {
    noViolations(priorityViolations, 300, { oddCapacities: false });
  });

  it('gives 0 with reason idle to ports without demand, and a non-idle reason to paused ones', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxPorts: 10 }), (s) => {
        const r = once(s);
        const demanded = new Set(s.input.demands.map((d) => d.portId));
        expect(r.allocation.map((a) => a.portId).sort()).toEqual(s.site.ports.map((p) => p.id).sort());
        for (const a of r.allocation) {
          expect(a.limitedBy.kind === 'idle').toBe(!demanded.has(a.portId));
          if (a.limitedBy.kind === 'idle') expect(a.currentA).toBe(0);
          if (a.limitedBy.kind === 'circuit' || a.limitedBy.kind === 'paused') {
            const path = s.cs.portPath[s.cs.portIndex.get(a.portId)!]!;
            expect([...path].map((c) => s.cs.circuits[c]!.id)).toContain(a.limitedBy.circuitId);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('allocate: determinism', () => {
  it('gives the same result whatever the order of demands and capacities, also with carried state', () => {
    const arb = scenarioArbitrary().chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.shuffledSubarray([...s.input.demands], {
          minLength: s.input.demands.length,
          maxLength: s.input.demands.length,
        }),
      ),
    );
    fc.assert(
      fc.property(arb, ([s, shuffled]) => {
        const other: AllocationInput = {
          capacities: new Map([...s.input.capacities].reverse()),
          demands: shuffled,
        };
        const a1 = allocate(s.cs, s.input, INITIAL_ALLOCATOR_STATE, NOW);
        const b1 = allocate(s.cs, other, INITIAL_ALLOCATOR_STATE, NOW);
        expect(canonical(b1)).toEqual(canonical(a1));
        const a2 = allocate(s.cs, s.input, a1.state, NOW + 20 * MIN);
        const b2 = allocate(s.cs, other, b1.state, NOW + 20 * MIN);
        expect(canonical(b2)).toEqual(canonical(a2));
        // Pure: calling again with the same arguments changes nothing.
        expect(canonical(allocate(s.cs, s.input, a1.state, NOW + 20 * MIN))).toEqual(canonical(a2));
      }),
      { numRuns: 300 },
    );
  });
});

/** Runs the allocator every tick for `durationMs`; per port, the running time and the longest wait. */
function simulate(
  cs: CompiledSite,
  input: AllocationInput,
  tickMs: number,
  durationMs: number,
  options: Partial<AllocatorOptions>,
): { runMs: Map<string, number>; maxWaitMs: Map<string, number>; runningCounts: number[] } {
  const ids = input.demands.map((d) => d.portId);
  const runMs = new Map(ids.map((id) => [id, 0]));
  const maxWaitMs = new Map(ids.map((id) => [id, 0]));
  const waitingSince = new Map<string, number>(ids.map((id) => [id, NOW]));
  const runningCounts: number[] = [];
  let state = INITIAL_ALLOCATOR_STATE;
  for (let now = NOW; now < NOW + durationMs; now += tickMs) {
    const r = allocate(cs, input, state, now, options);
    expect(safetyViolations(problemView(cs, input), r)).toEqual([]);
    state = r.state;
    const x = currents(r);
    let running = 0;
    for (const id of ids) {
      const since = waitingSince.get(id);
      if (x.get(id)! > 0) {
        running++;
        runMs.set(id, runMs.get(id)! + tickMs);
        if (since !== undefined) maxWaitMs.set(id, Math.max(maxWaitMs.get(id)!, now - since));
        waitingSince.delete(id);
      } else if (since === undefined) waitingSince.set(id, now);
    }
    runningCounts.push(running);
  }
  // Still waiting at the end counts too.
  for (const [id, since] of waitingSince)
    maxWaitMs.set(id, Math.max(maxWaitMs.get(id)!, NOW + durationMs - since));
  return { runMs, maxWaitMs, runningCounts };
}

describe('allocate: rotation', () => {
  const rotationIntervalMs = 10 * MIN;

  it('rotates so that every port runs and none waits longer than about ceil(n/k) intervals', () => {
    const arb = fc.integer({ min: 2, max: 10 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        k: fc.integer({ min: 1, max: n - 1 }),
        spareA: fc.integer({ min: 0, max: 5 }),
        tickMs: fc.constantFrom(30_000, MIN, 2 * MIN),
        wiring: fc.constantFrom('L1' as const, 'L2-L3' as const, 'L2L3L1' as const),
        nested: fc.boolean(),
        arrivalSpacingMs: fc.constantFrom(0, 1_000),
      }),
    );
    fc.assert(
      fc.property(arb, ({ n, k, spareA, tickMs, wiring, nested, arrivalSpacingMs }) => {
        const { cs, input } = sharedCircuitSite({
          minCurrentA: Array.from({ length: n }, () => 6),
          limitA: 6 * k + spareA,
          wiring,
          nested,
          arrivalSpacingMs,
        });
        const rounds = Math.ceil(n / k);
        const intervalMs = Math.ceil(rotationIntervalMs / tickMs) * tickMs;
        const durationMs = 3 * rounds * intervalMs;
        const { runMs, maxWaitMs, runningCounts } = simulate(cs, input, tickMs, durationMs, {
          rotationIntervalMs,
        });
        // Exactly k fit at minimum, and the allocator keeps k running (fewest paused).
        expect(new Set(runningCounts)).toEqual(new Set([k]));
        for (const id of runMs.keys()) {
          expect({ id, ran: runMs.get(id)! > 0 }).toEqual({ id, ran: true });
          expect(maxWaitMs.get(id)!).toBeLessThanOrEqual(rounds * (rotationIntervalMs + tickMs));
          // Fair over time: about k/n of the time each, give or take an interval or two.
          expect(runMs.get(id)!).toBeGreaterThanOrEqual((durationMs * k) / n - 2 * intervalMs);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives the 10 A port its turn among 6 A ports on a 12 A circuit (minimal starvation case)', () => {
    const { cs, input } = sharedCircuitSite({
      minCurrentA: [10, 6, 6, 6],
      limitA: 12,
      wiring: 'L1',
      nested: false,
      arrivalSpacingMs: 0,
    });
    const { maxWaitMs } = simulate(cs, input, MIN, 90 * MIN, { rotationIntervalMs });
    // p00 runs first (0-10 min); it must come back after the three others had a turn, not wait forever.
    expect(maxWaitMs.get('p00')!).toBeLessThanOrEqual(4 * (rotationIntervalMs + MIN));
  });

  it('does not starve a port with a larger minimum among smaller ones', () => {
    const arb = fc.record({
      mins: fc.array(fc.constantFrom(6, 6, 10, 16), { minLength: 3, maxLength: 8 }),
      headroomA: fc.integer({ min: 0, max: 10 }),
      tickMs: fc.constantFrom(MIN, 2 * MIN),
      arrivalSpacingMs: fc.constantFrom(0, 1_000),
    });
    fc.assert(
      fc.property(arb, ({ mins, headroomA, tickMs, arrivalSpacingMs }) => {
        const sum = mins.reduce((a, b) => a + b, 0);
        const limitA = Math.min(Math.max(...mins) + headroomA, sum - 1);
        const { cs, input } = sharedCircuitSite({
          minCurrentA: mins,
          limitA,
          wiring: 'L1',
          nested: false,
          arrivalSpacingMs,
        });
        const n = mins.length;
        const durationMs = 3 * n * (rotationIntervalMs + tickMs);
        const { runMs, maxWaitMs } = simulate(cs, input, tickMs, durationMs, { rotationIntervalMs });
        for (const id of runMs.keys()) {
          expect({ id, ran: runMs.get(id)! > 0 }).toEqual({ id, ran: true });
          // Every other port had at most one turn before this one.
          expect({ id, waitMs: maxWaitMs.get(id)! <= n * (rotationIntervalMs + tickMs) }).toEqual({
            id,
            waitMs: true,
          });
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('allocate: car cap', () => {
  const { cs, input: base } = sharedCircuitSite({
    minCurrentA: [6, 6],
    limitA: 40,
    wiring: 'L1L2L3',
    nested: false,
    arrivalSpacingMs: 0,
  });
  const opts: AllocatorOptions = {
    rotationIntervalMs: 15 * MIN,
    carMarginA: 2,
    carSettleMs: 15_000,
    carProbeIntervalMs: 5 * MIN,
  };
  const run = (state: AllocatorState, nowMs: number, measuredA?: number, measuredAtMs?: number) =>
    allocate(
      cs,
      {
        capacities: base.capacities,
        demands: [{ ...base.demands[0]!, measuredA, measuredAtMs }, base.demands[1]!],
      },
      state,
      nowMs,
      opts,
    );

  it('caps a car that draws less than offered, gives the rest to others, and probes again later', () => {
    const r0 = run(INITIAL_ALLOCATOR_STATE, NOW);
    expect(currents(r0)).toEqual(
      new Map([
        ['p00', 20],
        ['p01', 20],
      ]),
    );
    // Not settled yet: measured only 5 s after the offer.
    const r1 = run(r0.state, NOW + 5_000, 8, NOW + 5_000);
    expect(currents(r1).get('p00')).toBe(20);
    // Settled and well below the offer: capped at measured + margin, the other port takes the rest.
    const r2 = run(r1.state, NOW + 20_000, 8, NOW + 20_000);
    expect(r2.allocation[0]).toEqual({
      portId: 'p00',
      currentA: 10,
      limitedBy: { kind: 'car', measuredA: 8 },
    });
    expect(currents(r2).get('p01')).toBe(30);
    // Still drawing 8 A: the cap holds.
    const r3 = run(r2.state, NOW + 2 * MIN, 8, NOW + 2 * MIN);
    expect(currents(r3)).toEqual(
      new Map([
        ['p00', 10],
        ['p01', 30],
      ]),
    );
    // After the probe interval the cap is lifted and the fair share offered again.
    const r4 = run(
      r3.state,
      NOW + 20_000 + opts.carProbeIntervalMs,
      8,
      NOW + 20_000 + opts.carProbeIntervalMs,
    );
    expect(currents(r4)).toEqual(
      new Map([
        ['p00', 20],
        ['p01', 20],
      ]),
    );
  });

  it('lifts the cap when the car draws up to it', () => {
    const r0 = run(INITIAL_ALLOCATOR_STATE, NOW);
    const r1 = run(r0.state, NOW + 20_000, 8, NOW + 20_000);
    expect(currents(r1).get('p00')).toBe(10);
    const r2 = run(r1.state, NOW + 60_000, 10, NOW + 60_000);
    expect(currents(r2)).toEqual(
      new Map([
        ['p00', 20],
        ['p01', 20],
      ]),
    );
  });

  it('never caps below the minimum and keeps the cap within measured + margin', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 }), (draws) => {
        let state = run(INITIAL_ALLOCATOR_STATE, NOW).state;
        let now = NOW;
        for (const draw of draws) {
          now += 30_000;
          const offered = state.ports.get('p00')!.lastA;
          const measured = Math.min(draw, offered);
          const r = run(state, now, measured, now);
          const a = r.allocation.find((x) => x.portId === 'p00')!;
          expect(a.currentA).toBeGreaterThanOrEqual(6);
          if (a.limitedBy.kind === 'car') {
            expect(a.currentA).toBeLessThanOrEqual(Math.max(6, Math.ceil(measured + opts.carMarginA)));
          }
          expect(safetyViolations(problemView(cs, base), r)).toEqual([]);
          state = r.state;
        }
      }),
      { numRuns: 200 },
    );
  });
});
