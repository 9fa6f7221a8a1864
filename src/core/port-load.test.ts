import { describe, expect, it } from 'vitest';
import { compileSite } from './compiled-site.ts';
import { loadOnCircuits, subtractLoad } from './port-load.ts';
import type { SiteCircuit, SitePort, Supply } from './site.ts';
import { testPort } from './testing/supplies.ts';

const S400: Supply = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] };
const S208: Supply = { lineToNeutralV: 120, lineToLineV: 208, phases: ['L1', 'L2', 'L3'] };
const S480: Supply = { lineToNeutralV: 277, lineToLineV: 480, phases: ['L1', 'L2', 'L3'] };
const port = (id: string, circuitId: string, wiring: SitePort['wiring']): SitePort =>
  testPort(id, circuitId, wiring);

describe('loadOnCircuits', () => {
  it('maps conductor currents to site phases through rotation and up the tree', () => {
    const circuits: SiteCircuit[] = [
      { id: 'grid', parentId: null, limitA: 100, marginA: 0, supply: S400 },
      { id: 'a', parentId: 'grid', limitA: 50, marginA: 0, supply: S400 },
    ];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports: [port('rot', 'a', 'L2L3L1')], meters: [] });
    // A single-phase car on the station's L1 terminal: site L2.
    const load = loadOnCircuits(cs, [{ portId: 'rot', conductorA: [16, 0, 0] }]);
    expect(Array.from(load.subarray(0, 3))).toEqual([0, 16, 0]);
    expect(Array.from(load.subarray(4, 7))).toEqual([0, 16, 0]);
    expect(load[3]).toBeCloseTo(16 * 0.23, 9);
  });

  it('counts a line-to-line port on both phases and reflects it through a transformer', () => {
    const circuits: SiteCircuit[] = [
      { id: 'svc', parentId: null, limitA: 100, marginA: 0, supply: S480 },
      { id: 'x', parentId: 'svc', limitA: 200, marginA: 0, supply: S208 },
    ];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports: [port('ab', 'x', 'L1-L2')], meters: [] });
    const load = loadOnCircuits(cs, [{ portId: 'ab', conductorA: [32] }]);
    const svc = cs.circuitIndex.get('svc')! * 4;
    const x = cs.circuitIndex.get('x')! * 4;
    expect(Array.from(load.subarray(x, x + 3))).toEqual([32, 32, 0]);
    expect(load[svc]).toBeCloseTo(16, 9); // 32 × 2 × 120/480
  });

  it('subtracts a load from capacities, going negative when it must', () => {
    const circuits: SiteCircuit[] = [{ id: 'c', parentId: null, limitA: 20, marginA: 0, supply: S400 }];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports: [port('p', 'c', 'L1L2L3')], meters: [] });
    const caps = subtractLoad(cs, new Map(), loadOnCircuits(cs, [{ portId: 'p', conductorA: [25, 10, 10] }]));
    expect(caps.get('c')!.phaseA).toEqual([-5, 10, 10]);
  });
});
