import { describe, expect, it } from 'vitest';
import { compileSite } from './compiled-site.ts';
import { commandedLimits, failSafeLimits, worstCaseCapacity } from './fail-safe.ts';
import { loadOnCircuits } from './port-load.ts';
import type { SiteCircuit, SitePort, Supply } from './site.ts';
import { testSitePort } from './testing/site-port.ts';

const S400: Supply = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] };
const port = (id: string, circuitId: string): SitePort => testSitePort({ id, stationId: id, circuitId });

describe('failSafeLimits', () => {
  it('shares the worst-case capacity among all ports at once', () => {
    const circuits: SiteCircuit[] = [
      {
        id: 'grid',
        parentId: null,
        limitA: 100,
        marginA: 4,
        supply: S400,
        meterId: 'm',
        staleNonEvLoadA: 40,
        schedule: { weekly: [{ days: ['mon'], from: '08:00', to: '18:00', limitA: 80 }], exceptions: [] },
      },
    ];
    const ports = [0, 1, 2, 3].map((i) => port(`p${i}`, 'grid'));
    const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
    // Lowest limit 80 A − margin 4 A − stale non-EV 40 A = 36 A for four ports: 9 A each.
    expect(worstCaseCapacity(circuits[0]!).phaseA).toEqual([36, 36, 36]);
    expect(failSafeLimits(cs).map((x) => x.currentA)).toEqual([9, 9, 9, 9]);
  });

  it("takes the lowest limit of the site file's schedule and the operators' schedules", () => {
    const weekly = (limitA: number) => ({ days: ['mon' as const], from: '08:00', to: '09:00', limitA });
    const c: SiteCircuit = {
      id: 'c',
      parentId: null,
      limitA: 40,
      marginA: 0,
      supply: S400,
      schedule: { weekly: [weekly(30)], exceptions: [] },
      operatorSchedules: [
        { weekly: [weekly(35)], exceptions: [] },
        { weekly: [], exceptions: [{ date: '2026-12-24', limitA: 12 }] },
      ],
    };
    expect(worstCaseCapacity(c).phaseA).toEqual([12, 12, 12]);
  });

  it('pauses the fewest ports where not all fit at their minimum', () => {
    const circuits: SiteCircuit[] = [{ id: 'c', parentId: null, limitA: 20, marginA: 0, supply: S400 }];
    const ports = [0, 1, 2, 3].map((i) => port(`p${i}`, 'c'));
    const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
    const limits = failSafeLimits(cs);
    // 20 A: three ports at 6 A fit, the fourth gets 0; the leftover 2 A go to the running ones.
    expect(limits.map((x) => x.currentA)).toEqual([7, 7, 6, 0]);
    expect(limits[3]!.limitedBy).toMatchObject({ kind: 'paused', circuitId: 'c' });
  });

  it('fits the overrides in force and the EMS commands; an ended override no longer counts', () => {
    const circuits: SiteCircuit[] = [
      { id: 'main', parentId: null, limitA: 63, marginA: 0, supply: S400 },
      { id: 'left', parentId: 'main', limitA: 32, marginA: 0, supply: S400 },
      { id: 'right', parentId: 'main', limitA: 32, marginA: 0, supply: S400 },
    ];
    const ports = [port('a', 'left'), port('b', 'left'), port('c', 'right')];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
    const inputs = {
      circuits: new Map([
        [
          'left',
          {
            overrides: [
              { limitA: 14, untilMs: 2000, source: 'override' },
              { limitA: 8, untilMs: 1000, source: 'ended' },
            ],
          },
        ],
        ['right', { emsLimitA: 10 }],
      ]),
    };
    const commanded = commandedLimits(inputs, 1500);
    expect([...commanded]).toEqual([
      ['left', { limitA: 14 }],
      ['right', { limitA: 10 }],
    ]);
    expect(failSafeLimits(cs).map((x) => x.currentA)).toEqual([16, 16, 31]);
    expect(failSafeLimits(cs, commanded).map((x) => x.currentA)).toEqual([7, 7, 10]);
    // At 500 ms the 8 A override is in force too; after 2 s neither is.
    expect(commandedLimits(inputs, 500).get('left')).toEqual({ limitA: 8 });
    expect(commandedLimits(inputs, 2000).get('left')).toBeUndefined();
  });

  it('gives every port 0 A while the EMS has disabled charging', () => {
    const circuits: SiteCircuit[] = [{ id: 'c', parentId: null, limitA: 40, marginA: 0, supply: S400 }];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports: [port('a', 'c')], meters: [] });
    const commanded = commandedLimits({ circuits: new Map([['c', {}]]) }, 0, true);
    expect(failSafeLimits(cs, commanded).map((x) => x.currentA)).toEqual([0]);
  });
  it("leaves room for an uncontrolled port's draw on every circuit above it, per phase", () => {
    // main 40 A over left and right (32 A each). `u` on left is uncontrolled: a single-phase port on L1 that
    // draws its 16 A whatever it is sent. `a` (left) and `b` (right) are three-phase and controlled.
    const circuits: SiteCircuit[] = [
      { id: 'main', parentId: null, limitA: 40, marginA: 0, supply: S400 },
      { id: 'left', parentId: 'main', limitA: 32, marginA: 0, supply: S400 },
      { id: 'right', parentId: 'main', limitA: 32, marginA: 0, supply: S400 },
    ];
    const u: SitePort = { ...port('u', 'left'), wiring: 'L1', maxCurrentA: 16 };
    const ports = [u, port('a', 'left'), port('b', 'right')];
    const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
    const uncontrolled = new Map([['u', { countedA: 16, reason: 'not-implemented' as const }]]);
    const limits = failSafeLimits(cs, new Map(), uncontrolled);
    const byId = new Map(limits.map((l) => [l.portId, l.currentA]));
    // Every controlled port at its default and `u` at what it draws: no circuit over on any phase.
    const load = loadOnCircuits(cs, [
      ...limits
        .filter((l) => !uncontrolled.has(l.portId))
        .map((l) => ({ portId: l.portId, conductorA: [l.currentA, l.currentA, l.currentA] })),
      { portId: 'u', conductorA: [16, 0, 0] },
    ]);
    cs.circuits.forEach((c, i) => {
      for (let ph = 0; ph < 3; ph++) expect(load[i * 4 + ph]!).toBeLessThanOrEqual(c.limitA + 1e-9);
    });
    // main's L1 has 40 − 16 = 24 A for a and b: 12 A each; u's default is what it is counted at.
    expect(byId.get('a')).toBe(12);
    expect(byId.get('b')).toBe(12);
    expect(byId.get('u')).toBe(16);
    expect(limits.find((l) => l.portId === 'u')!.limitedBy).toMatchObject({ kind: 'uncontrolled' });
  });
});
