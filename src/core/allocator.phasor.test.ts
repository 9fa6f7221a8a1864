/** lineModel 'phasor': line currents as magnitudes of phasor sums (docs/allocation.md), never over a limit. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AllocationInput, PortDemand } from './allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import { compileSite } from './compiled-site.ts';
import type { Wiring } from './phases.ts';
import type { AllocationSettings, Site, SiteCircuit, SitePort } from './site.ts';
import { problemView, safetyViolations } from './testing/allocation-check.ts';
import { exactLineCurrents, exactViolations } from './testing/phasor-check.ts';
import { scenarioArbitrary } from './testing/scenario-arbitrary.ts';
import { SUPPLIES } from './testing/supplies.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const HOUR = 3_600_000;

const withAllocation = (site: Site, allocation: AllocationSettings): Site => ({ ...site, allocation });

/** Random departures and remaining energies on some demands (deadline mode's inputs). */
const deadlines = (demands: readonly PortDemand[], seed: number): PortDemand[] =>
  demands.map((d, i) => {
    const r = (seed * 7919 + i * 104729) % 1000;
    if (r < 250) return d;
    return { ...d, departureMs: NOW + ((r % 97) - 5) * 0.25 * HOUR, energyRemainingKwh: (r % 43) * 0.7 };
  });

/** Bounds and steps only: the linear capacity lines do not apply to a phasor allocation. */
const boundViolations = (site: Site, input: AllocationInput, r: ReturnType<typeof allocate>): string[] =>
  safetyViolations(problemView(compileSite(site), input), r).filter((v) => !v.includes('over capacity'));

describe('allocate, lineModel phasor: safety on generated sites', () => {
  it('never exceeds a limit under the exact model (fair and deadline modes)', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), fc.constantFrom('fair', 'deadline'), fc.nat(1000), (s, mode, seed) => {
        const site = withAllocation(s.site, { mode: mode, lineModel: 'phasor' });
        const cs = compileSite(site);
        const input = { capacities: s.input.capacities, demands: deadlines(s.input.demands, seed) };
        const r = allocate(cs, input, INITIAL_ALLOCATOR_STATE, NOW);
        expect(exactViolations(cs, input, r)).toEqual([]);
        expect(boundViolations(site, input, r)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('the linear model is the conservative one: its allocations hold under the exact model too', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), (s) => {
        const r = allocate(s.cs, s.input, INITIAL_ALLOCATOR_STATE, NOW);
        const exact = compileSite(withAllocation(s.site, { lineModel: 'phasor' }));
        expect(exactViolations(exact, s.input, r)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

function site(
  circuits: SiteCircuit[],
  wirings: Wiring[],
  allocation: AllocationSettings,
  circuitOf = (_i: number) => circuits[circuits.length - 1]!.id,
): Site {
  const ports = wirings.map((wiring, i): SitePort => ({
    id: `p${i}`,
    stationId: `s${i}`,
    connectorId: 1,
    circuitId: circuitOf(i),
    wiring,
    currentType: 'AC',
    minCurrentA: 0,
    maxCurrentA: 100,
    stepA: 0.1,
    priority: 0,
  }));
  return { timeZone: 'UTC', circuits, ports, meters: [], allocation };
}

const panel208 = (limitA: number, parentId: string | null = null): SiteCircuit => ({
  id: 'panel',
  parentId,
  limitA,
  marginA: 0,
  supply: SUPPLIES.us208,
});

function currentsOf(s: Site): number[] {
  const cs = compileSite(s);
  const input = { capacities: new Map(), demands: s.ports.map((p) => ({ portId: p.id })) };
  const r = allocate(cs, input, INITIAL_ALLOCATOR_STATE, NOW);
  expect(exactViolations(cs, input, r)).toEqual([]);
  return r.allocation.map((a) => a.currentA);
}

describe('allocate, lineModel phasor: line-to-line ports on a wye supply', () => {
  it('one port per line pair: each line carries √3·I, not 2·I', () => {
    const wirings: Wiring[] = ['L1-L2', 'L2-L3', 'L3-L1'];
    expect(currentsOf(site([panel208(100)], wirings, { lineModel: 'linear' }))).toEqual([50, 50, 50]);
    // 100 / √3 = 57.735 A, rounded down to the 0.1 A step.
    expect(currentsOf(site([panel208(100)], wirings, { lineModel: 'phasor' }))).toEqual([57.7, 57.7, 57.7]);
  });

  it('a lone line pair gets the full line limit either way', () => {
    expect(currentsOf(site([panel208(80)], ['L1-L2'], { lineModel: 'phasor' }))).toEqual([80]);
  });

  it('behind a delta-wye transformer the primary line is the difference of two winding currents', () => {
    // 277/480 V primary, 120/208 V secondary: ratio 120/480 = 1/4. Balanced, the primary line carries
    // |I3a − I3c|/4 = 3·I/4 where the linear model counts (I3a + I3c)/4 = 4·I/4.
    const grid: SiteCircuit = { id: 'grid', parentId: null, limitA: 30, marginA: 0, supply: SUPPLIES.us480 };
    const wirings: Wiring[] = ['L1-L2', 'L2-L3', 'L3-L1'];
    const linear = currentsOf(site([grid, panel208(1000, 'grid')], wirings, { lineModel: 'linear' }));
    const exact = currentsOf(site([grid, panel208(1000, 'grid')], wirings, { lineModel: 'phasor' }));
    expect(linear).toEqual([30, 30, 30]);
    expect(exact).toEqual([40, 40, 40]);
  });

  it('reports the magnitude as the circuit load in the explanation', () => {
    const s = site([panel208(100)], ['L1-L2', 'L2-L3', 'L3-L1'], { lineModel: 'phasor' });
    const cs = compileSite(s);
    const input = { capacities: new Map(), demands: s.ports.map((p) => ({ portId: p.id })) };
    const r = allocate(cs, input, INITIAL_ALLOCATOR_STATE, NOW);
    const lines = exactLineCurrents(cs, input, r);
    expect(r.explain.circuits[0]!.load.slice(0, 3)).toEqual([...lines].map((x) => Math.round(x * 1e6) / 1e6));
    expect(Math.max(...lines)).toBeLessThanOrEqual(100);
    expect(Math.max(...lines)).toBeGreaterThan(99.8);
  });

  it('leaves sites without the setting exactly as before (linear)', () => {
    const wirings: Wiring[] = ['L1-L2', 'L1-L2', 'L2-L3', 'L3-L1', 'L1'];
    const plain = site([panel208(70)], wirings, {});
    const linear = site([panel208(70)], wirings, { lineModel: 'linear' });
    expect(currentsOf(linear)).toEqual(currentsOf(plain));
  });
});

describe('allocate, lineModel phasor: rounding down', () => {
  it('a lower current can raise a phasor sum: the line is brought back within its limit', () => {
    // Primary L1 = |BC·∠90° + CA·∠−30°| / 4: the two ports pull 120° apart, so rounding CA down from its
    // sub-panel's 10.5 A to 10 A raises the line while BC sits at the level that filled it.
    const grid: SiteCircuit = {
      id: 'grid',
      parentId: null,
      limitA: 1000,
      marginA: 0,
      supply: SUPPLIES.us480,
    };
    const main = { ...panel208(1000, 'grid'), id: 'main' };
    const sub = { ...panel208(10.5, 'main'), id: 'sub' };
    const s = site([grid, main, sub], ['L2-L3', 'L3-L1'], { lineModel: 'phasor' }, (i) =>
      i === 0 ? 'main' : 'sub',
    );
    const ports = s.ports.map((p) => ({ ...p, stepA: 1 }));
    const cs = compileSite({ ...s, ports });
    const bc = 30.0001;
    const limit = Math.sqrt(bc * bc + 10.5 * 10.5 - bc * 10.5) / 4;
    const input = {
      capacities: new Map([['grid', { phaseA: [limit, Infinity, Infinity] as const, powerKw: Infinity }]]),
      demands: ports.map((p) => ({ portId: p.id })),
    };
    const r = allocate(cs, input, INITIAL_ALLOCATOR_STATE, NOW);
    expect(exactViolations(cs, input, r)).toEqual([]);
    // Naive rounding would give BC 30 A and CA 10 A, 0.02 A over; BC gives up one step instead.
    expect(r.allocation.map((a) => a.currentA)).toEqual([29, 10]);
  });
});
