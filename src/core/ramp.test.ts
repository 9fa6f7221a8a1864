import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Capacity } from './allocation.ts';
import { compileSite, DIM_COUNT } from './compiled-site.ts';
import { loadOnCircuits } from './port-load.ts';
import type { RampPort } from './ramp.ts';
import { raiseWithin } from './ramp.ts';
import type { Wiring } from './phases.ts';
import type { SiteCircuit, SitePort } from './site.ts';
import { SUPPLIES, testPort } from './testing/supplies.ts';

const S400 = SUPPLIES.eu400;
const port = (id: string, circuitId: string, wiring: Wiring = 'L1L2L3'): SitePort =>
  testPort(id, circuitId, wiring);

/** grid (100 A) → left (40 A: ports a, b single-phase on L1, c three-phase) and right (50 A: d, e). */
function site() {
  const circuits: SiteCircuit[] = [
    { id: 'grid', parentId: null, limitA: 100, marginA: 0, supply: S400 },
    { id: 'left', parentId: 'grid', limitA: 40, marginA: 0, supply: S400 },
    { id: 'right', parentId: 'grid', limitA: 50, marginA: 0, supply: S400 },
  ];
  const ports = [
    port('a', 'left', 'L1'),
    port('b', 'left', 'L1'),
    port('c', 'left'),
    port('d', 'right'),
    port('e', 'right'),
  ];
  return compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
}

const capacities = (o: Record<string, number>): Map<string, Capacity> =>
  new Map(Object.entries(o).map(([id, a]) => [id, { phaseA: [a, a, a], powerKw: Infinity }]));
/** raiseWithin on site() in 0.5 A steps; by default every circuit has its full limit (100, 40, 50 A). */
const raise = (
  ports: readonly RampPort[],
  raises: Parameters<typeof raiseWithin>[3],
  caps = capacities({ grid: 100, left: 40, right: 50 }),
) => raiseWithin(site(), caps, ports, raises, 0.5);
const held = (o: Record<string, number>): RampPort[] =>
  Object.entries(o).map(([portId, holdA]) => ({ portId, holdA, minCurrentA: 6 }));

describe('raiseWithin', () => {
  it('raises as far as the room on every circuit of the path and phase allows, lowest hold first', () => {
    // left L1: a 10 + b 10 + c 10 = 30 of 40; c also 10 on L2/L3. b and c both want more.
    const out = raise(held({ a: 10, b: 10, c: 10, d: 16, e: 16 }), [
      { portId: 'b', toA: 16 },
      { portId: 'c', toA: 20 },
    ]);
    // b (hold 10) first by id among equal holds: 6 A more; c gets the 4 A left on left/L1.
    expect(Object.fromEntries(out)).toEqual({ b: 16, c: 14 });
  });

  it('a port whose car may still draw a higher limit counts at it: the increase beside it waits', () => {
    // a was lowered from 24 to 10 a moment ago: its car may still draw 24 (hold), so left/L1 is full.
    const out = raise(held({ a: 24, b: 10, c: 6 }), [{ portId: 'b', toA: 16 }]);
    expect(out.get('b')).toBe(10);
  });

  it('an increase on another branch is not held by a decrease that does not share its circuits', () => {
    const out = raise(held({ a: 24, b: 10, c: 6, d: 10, e: 10 }), [{ portId: 'd', toA: 25 }]);
    expect(out.get('d')).toBe(25);
  });

  it('a single-phase car on a three-phase port uses room on its conductor only', () => {
    const ports: RampPort[] = [
      { portId: 'a', holdA: 16, minCurrentA: 6 },
      { portId: 'c', holdA: 6, minCurrentA: 6, conductorsInUse: [false, true, false] },
    ];
    // L1 holds 16 of 40 from a; c draws on L2 alone and may go to its target.
    const out = raise(ports, [{ portId: 'c', toA: 32 }]);
    expect(out.get('c')).toBe(32);
  });

  it('a paused car is not raised to less than its minimum, and a step below minStepA is not granted', () => {
    // left L1: 36 of 40 held; a paused port (0 A) would get 4 A: below 6 A, it waits. b would get 0.3 A.
    const paused = raise(held({ a: 0, b: 20, c: 16 }), [{ portId: 'a', toA: 10 }]);
    expect(paused.get('a')).toBe(0);
    const tiny = raise(
      held({ a: 10, b: 20, c: 9.4 }),
      [{ portId: 'c', toA: 12 }],
      capacities({ grid: 100, left: 39.7, right: 50 }),
    );
    expect(tiny.get('c')).toBe(9.4);
  });

  it('a limit in kW binds too', () => {
    const caps = capacities({ grid: 100, left: 40, right: 50 });
    caps.set('right', { phaseA: [50, 50, 50], powerKw: 22 });
    // d and e three-phase at 230 V: 0.69 kW per A; 10 + 10 A = 13.8 kW held, 8.2 kW left = 11.88 A.
    const out = raise(held({ d: 10, e: 10 }), [{ portId: 'd', toA: 32 }], caps);
    expect(out.get('d')).toBeCloseTo(10 + 8.2 / 0.69, 6);
  });

  it('a request for a port counted elsewhere (a fixed load) is granted whole; one at or below its hold too', () => {
    const out = raise(
      held({ a: 16 }),
      [
        { portId: 'e', toA: 10 },
        { portId: 'a', toA: 12 },
      ],
      capacities({ grid: 0, left: 0, right: 0 }),
    );
    expect(Object.fromEntries(out)).toEqual({ e: 10, a: 12 });
  });

  it('property: with every port at its hold or what it is granted, no circuit goes past the room it had', () => {
    const cs = site();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 32, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 32, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.record({ grid: fc.integer({ min: 0, max: 120 }), left: fc.integer({ min: 0, max: 60 }) }),
        (holds, targets, cap) => {
          const ports = held(Object.fromEntries(ids.map((id, i) => [id, holds[i]!])));
          const caps = capacities({ grid: cap.grid, left: cap.left, right: 50 });
          const requests = ids.flatMap((id, i) =>
            targets[i]! > holds[i]! ? [{ portId: id, toA: targets[i]! }] : [],
          );
          const out = raiseWithin(cs, caps, ports, requests, 0.5);
          const before = loadOnCircuits(
            cs,
            ports.map((p) => ({ portId: p.portId, conductorA: [p.holdA, p.holdA, p.holdA] })),
          );
          const after = loadOnCircuits(
            cs,
            ports.map((p) => {
              const a = out.get(p.portId) ?? p.holdA;
              return { portId: p.portId, conductorA: [a, a, a] };
            }),
          );
          cs.circuits.forEach((c, ci) => {
            const capA = caps.get(c.id)!.phaseA[0];
            for (let d = 0; d < 3; d++) {
              const i = ci * DIM_COUNT + d;
              // Never past the capacity, unless already past it with every port at its hold (then no rise).
              expect(after[i]!).toBeLessThanOrEqual(Math.max(capA, before[i]!) + 1e-5);
            }
          });
          for (const r of requests) {
            const g = out.get(r.portId)!;
            const h = ports.find((p) => p.portId === r.portId)!.holdA;
            expect(g).toBeGreaterThanOrEqual(h);
            expect(g).toBeLessThanOrEqual(r.toA);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
