/**
 * Battery dispatch safety (docs/control.md, "Batteries"): on random sites, battery states and loads, the
 * allocation made with the battery's dispatch never exceeds a limit on any phase or in kW, whatever the
 * battery does between what its meter measured and what it was commanded (0 for a new command).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import type { BatteryObservation } from './battery.ts';
import { batteryLoadFactors, dispatchBatteries } from './battery.ts';
import { compileSite, DIM_COUNT } from './compiled-site.ts';
import type { CircuitCapacityInputs } from './effective-capacity.ts';
import { effectiveCapacities } from './effective-capacity.ts';
import type { Phase } from './phases.ts';
import { loadOnCircuits } from './port-load.ts';
import type { Site, SiteBattery, SiteCircuit, SitePort } from './site.ts';
import { circuitTreeArb } from './testing/circuit-tree-arbitrary.ts';
import { testBattery } from './testing/site-battery.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const SUPPLY = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] as Phase[] };

interface World {
  readonly circuits: readonly {
    parent: number;
    limitA: number;
    limitKw: number | null;
    metered: boolean;
    buildingA: readonly [number, number, number];
  }[];
  readonly ports: readonly { circuit: number; maxA: number }[];
  readonly battery: {
    circuit: number;
    phases: readonly Phase[];
    maxKw: number;
    measuredPct: number;
    socPct: number;
    stale: boolean;
  };
  readonly exportKw: number | null;
  readonly actualPcts: readonly number[];
}

const worldArb: fc.Arbitrary<World> = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    circuits: circuitTreeArb(n, (i) => ({
      limitA: fc.integer({ min: 16, max: 160 }),
      limitKw: fc.option(fc.integer({ min: 5, max: 100 }), { nil: null }),
      metered: i === 0 ? fc.constant(true) : fc.boolean(),
      buildingA: fc.tuple(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
      ),
    })),
    ports: fc.array(
      fc.record({ circuit: fc.integer({ min: 0, max: n - 1 }), maxA: fc.constantFrom(16, 32) }),
      { minLength: 0, maxLength: 6 },
    ),
    battery: fc.record({
      circuit: fc.integer({ min: 0, max: n - 1 }),
      phases: fc.constantFrom<Phase[]>(['L1', 'L2', 'L3'], ['L1'], ['L3']),
      maxKw: fc.integer({ min: 1, max: 60 }),
      measuredPct: fc.integer({ min: -100, max: 100 }),
      socPct: fc.integer({ min: 0, max: 100 }),
      stale: fc.boolean(),
    }),
    exportKw: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
    actualPcts: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 }),
  }),
);

function build(w: World): { site: Site; battery: SiteBattery } {
  const circuits: SiteCircuit[] = w.circuits.map((c, i) => ({
    id: `c${i}`,
    parentId: c.parent < 0 ? null : `c${c.parent}`,
    limitA: c.limitA,
    limitKw: c.limitKw ?? undefined,
    marginA: 0,
    supply: SUPPLY,
    meterId: c.metered ? `m${i}` : undefined,
    staleNonEvLoadA: c.metered ? c.limitA : undefined,
  }));
  const ports: SitePort[] = w.ports.map((p, i) => ({
    id: `p${i}`,
    stationId: `s${i}`,
    connectorId: 1,
    circuitId: `c${p.circuit}`,
    wiring: 'L1L2L3',
    currentType: 'AC',
    minCurrentA: 6,
    maxCurrentA: p.maxA,
    stepA: 0.1,
    priority: 0,
  }));
  const battery: SiteBattery = testBattery(`c${w.battery.circuit}`, w.battery.maxKw, {
    id: 'b',
    meterId: 'mb',
    capacityKwh: 50,
    phases: w.battery.phases,
  });
  const meters = w.circuits.flatMap((c, i) =>
    c.metered ? [{ id: `m${i}`, role: 'load' as const, circuitId: `c${i}`, timeoutMs: 5000 }] : [],
  );
  meters.push({ id: 'mb', role: 'battery' as never, circuitId: battery.circuitId, timeoutMs: 5000 });
  return { site: { timeZone: 'UTC', circuits, ports, meters, batteries: [battery] }, battery };
}

/** Whether circuit a is c or an ancestor of it. */
function covers(w: World, a: number, c: number): boolean {
  for (let x = c; x >= 0; x = w.circuits[x]!.parent) if (x === a) return true;
  return false;
}

describe('battery dispatch: safety on random sites', () => {
  it('the allocation never exceeds a limit whatever the battery does between measured and commanded', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        // Building loads only where every circuit above is metered (an unmetered circuit ignores other loads).
        const building = w.circuits.map((c, i) => {
          for (let x = i; x >= 0; x = w.circuits[x]!.parent) if (!w.circuits[x]!.metered) return [0, 0, 0];
          return c.buildingA;
        });
        const { site, battery } = build(w);
        const cs = compileSite(site);
        const f = batteryLoadFactors(cs, battery);
        const measuredKw = w.battery.stale ? 0 : (w.battery.measuredPct / 100) * w.battery.maxKw;
        // What each metered circuit reads: building loads below it and the battery (EVs idle before).
        const circuits = new Map<string, CircuitCapacityInputs>();
        w.circuits.forEach((c, i) => {
          if (!c.metered) return;
          const totalA: [number, number, number] = [0, 0, 0];
          let totalKw = 0;
          w.circuits.forEach((_, j) => {
            if (!covers(w, i, j)) return;
            for (let p = 0; p < 3; p++) totalA[p]! += building[j]![p]!;
            totalKw += (building[j]![0] + building[j]![1] + building[j]![2]) * 0.23;
          });
          const o = cs.circuitIndex.get(`c${i}`)! * DIM_COUNT;
          for (let p = 0; p < 3; p++) totalA[p]! += measuredKw * f[o + p]!;
          totalKw += measuredKw * f[o + 3]!;
          circuits.set(`c${i}`, {
            load: { totalA, evA: [0, 0, 0], totalKw, evKw: 0, readAtMs: NOW - 1000 },
          });
        });
        const inputs = { circuits };
        const capacities = effectiveCapacities(cs, inputs, NOW);
        const evWant = loadOnCircuits(
          cs,
          site.ports.map((p) => ({
            portId: p.id,
            conductorA: [p.maxCurrentA, p.maxCurrentA, p.maxCurrentA],
          })),
        );
        const obs: BatteryObservation = {
          measuredKw: w.battery.stale ? null : measuredKw,
          socPct: w.battery.socPct,
          lastCommandKw: null,
        };
        const d = dispatchBatteries(cs, {
          observations: new Map([['b', obs]]),
          inputs,
          capacities,
          evWant,
          exportKw: w.exportKw,
          nowMs: NOW,
        });
        const decision = d.decisions[0]!;
        const command = decision.commandKw ?? measuredKw;
        // It never goes beyond its own limits or below its reserve.
        expect(command).toBeLessThanOrEqual(battery.maxChargeKw + 1e-9);
        expect(command).toBeGreaterThanOrEqual(-battery.maxDischargeKw - 1e-9);
        if (w.battery.socPct <= battery.reserveSocPct) expect(command).toBeGreaterThanOrEqual(0);
        if (w.battery.socPct >= battery.maxSocPct) expect(command).toBeLessThanOrEqual(0);

        const r = allocate(
          cs,
          {
            capacities: d.capacities,
            demands: site.ports.map((p) => ({ portId: p.id })),
          },
          INITIAL_ALLOCATOR_STATE,
          NOW,
        );
        const ev = loadOnCircuits(
          cs,
          r.allocation.map((a) => ({ portId: a.portId, conductorA: [a.currentA, a.currentA, a.currentA] })),
        );
        for (const pct of [0, 100, ...w.actualPcts]) {
          const actualKw = measuredKw + ((command - measuredKw) * pct) / 100;
          w.circuits.forEach((c, i) => {
            const o = cs.circuitIndex.get(`c${i}`)! * DIM_COUNT;
            let kw = actualKw * f[o + 3]! + ev[o + 3]!;
            const phaseA = [0, 1, 2].map((p) => actualKw * f[o + p]! + ev[o + p]!);
            w.circuits.forEach((_, j) => {
              if (!covers(w, i, j)) return;
              for (let p = 0; p < 3; p++) phaseA[p]! += building[j]![p]!;
              kw += (building[j]![0] + building[j]![1] + building[j]![2]) * 0.23;
            });
            // What Fusebox adds is checked: EV current, or a charge beyond what the battery did. A limit the
            // building alone breaks while the battery stops at its reserve is not the allocation's doing.
            const charges = actualKw > Math.max(0, measuredKw) + 1e-9;
            for (let p = 0; p < 3; p++)
              if (ev[o + p]! > 0 || (charges && f[o + p]! > 0))
                expect({ circuit: i, phase: p, pct, a: phaseA[p]! }).toEqual({
                  circuit: i,
                  phase: p,
                  pct,
                  a: Math.min(phaseA[p]!, c.limitA + 1e-6),
                });
            if (c.limitKw !== null && (ev[o + 3]! > 0 || (charges && f[o + 3]! > 0)))
              expect({ circuit: i, pct, kw }).toEqual({
                circuit: i,
                pct,
                kw: Math.min(kw, c.limitKw + 1e-6),
              });
          });
        }
      }),
      { numRuns: 400 },
    );
  });
});
