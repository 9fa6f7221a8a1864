import { describe, expect, it } from 'vitest';
import type { AllocatorState, Capacity, PortDemand } from './allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import { testPort } from './testing/supplies.ts';
import { compileSite } from './compiled-site.ts';
import type { Wiring } from './phases.ts';
import type { SiteCircuit, SitePort, Supply } from './site.ts';
import { dcPowerToCurrentA } from './site.ts';

const S400: Supply = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] };
const S208: Supply = { lineToNeutralV: 120, lineToLineV: 208, phases: ['L1', 'L2', 'L3'] };
const S480: Supply = { lineToNeutralV: 277, lineToLineV: 480, phases: ['L1', 'L2', 'L3'] };

function circuit(
  id: string,
  parentId: string | null,
  limitA: number,
  extra: Partial<SiteCircuit> = {},
): SiteCircuit {
  return { id, parentId, limitA, marginA: 0, supply: S400, ...extra };
}

function port(id: string, circuitId: string, wiring: Wiring, extra: Partial<SitePort> = {}): SitePort {
  return testPort(id, circuitId, wiring, { stationId: `st-${id}`, ...extra });
}

function run(
  circuits: SiteCircuit[],
  ports: SitePort[],
  demands: PortDemand[] = ports.map((p) => ({ portId: p.id })),
  capacities: Map<string, Capacity> = new Map(),
  state: AllocatorState = INITIAL_ALLOCATOR_STATE,
  nowMs = 0,
) {
  const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
  const result = allocate(cs, { capacities, demands }, state, nowMs);
  const a = Object.fromEntries(result.allocation.map((x) => [x.portId, x.currentA]));
  const why = Object.fromEntries(result.allocation.map((x) => [x.portId, x.limitedBy]));
  return { result, a, why };
}

describe('allocate: sharing a circuit', () => {
  it.each([
    // [circuit limit A, port maxima, expected]
    [32, [32, 32], [16, 16]],
    [32, [10, 32], [10, 22]],
    [20, [32, 32, 32], [6.6, 6.7, 6.7]],
    [100, [16, 32], [16, 32]],
  ])('limit %d A, maxima %j → %j', (limitA, maxima, expected) => {
    const ports = maxima.map((m, i) => port(`p${i}`, 'c', 'L1L2L3', { maxCurrentA: m }));
    const { a } = run([circuit('c', null, limitA)], ports);
    expect(Object.values(a).sort((x, y) => x - y)).toEqual(expected);
  });

  it('counts a single-phase port only on its own phase', () => {
    const ports = [port('a', 'c', 'L1'), port('b', 'c', 'L2'), port('c3', 'c', 'L1L2L3')];
    const { a, why } = run([circuit('c', null, 40)], ports);
    expect(a).toEqual({ a: 20, b: 20, c3: 20 });
    expect(why.a).toMatchObject({ kind: 'circuit', circuitId: 'c', dimension: 'L1' });
  });

  it('counts a line-to-line port on both of its phases (208 V)', () => {
    // Three 208 V chargers wired L1-L2, L2-L3, L3-L1 on a 48 A panel: each phase carries two chargers.
    const ports = [port('ab', 'c', 'L1-L2'), port('bc', 'c', 'L2-L3'), port('ca', 'c', 'L3-L1')];
    const { a, result } = run([circuit('c', null, 48, { supply: S208 })], ports);
    expect(a).toEqual({ ab: 24, bc: 24, ca: 24 });
    expect(result.explain.circuits[0]!.load.slice(0, 3)).toEqual([48, 48, 48]);
  });

  it('puts a single-phase car on a rotated three-phase port on the right site phase', () => {
    // Station L1 terminal is on site L2 (wiring L2L3L1); the car draws on one conductor only.
    const ports = [port('rot', 'c', 'L2L3L1'), port('l2', 'c', 'L2')];
    const demands: PortDemand[] = [
      { portId: 'rot', conductorsInUse: [true, false, false] },
      { portId: 'l2' },
    ];
    const { a, result } = run([circuit('c', null, 30)], ports, demands);
    expect(a).toEqual({ rot: 15, l2: 15 });
    expect(result.explain.circuits[0]!.load.slice(0, 3)).toEqual([0, 30, 0]);
  });

  it('respects a kW limit over all phases', () => {
    // 11 kW cap, three-phase 230 V: 1 A per phase = 0.69 kW → 15.9 A, rounded down to the 0.1 A step.
    const { a, why } = run([circuit('c', null, 63, { limitKw: 11 })], [port('p', 'c', 'L1L2L3')]);
    expect(a.p).toBe(15.9);
    expect(why.p).toMatchObject({ kind: 'circuit', dimension: 'kW' });
  });

  it('rounds down to the charger step, never up, and tops up what rounding freed', () => {
    const ports = [0, 1, 2].map((i) => port(`p${i}`, 'c', 'L1', { stepA: 1 }));
    const { a } = run([circuit('c', null, 20)], ports);
    expect(Object.values(a).sort()).toEqual([6, 7, 7]);
    expect(Object.values(a).reduce((x, y) => x + y)).toBe(20);
  });

  it('holds every level of the tree at once', () => {
    const circuits = [circuit('site', null, 50), circuit('p1', 'site', 40), circuit('p2', 'site', 40)];
    const ports = [port('a', 'p1', 'L1L2L3'), port('b', 'p1', 'L1L2L3'), port('c', 'p2', 'L1L2L3')];
    const { a } = run(circuits, ports);
    expect(a.a! + a.b! + a.c!).toBeCloseTo(50, 6);
    expect(a.a! + a.b!).toBeLessThanOrEqual(40);
    expect(Object.values(a).sort()).toEqual([16.6, 16.7, 16.7]);
  });

  it('reflects 208 V loads onto a 480 V primary through the transformer', () => {
    // One 208 V line-to-line charger at 32 A draws 32 × 120/480 × 2 = 16 A on one primary phase.
    const circuits = [
      circuit('service', null, 10, { supply: S480 }),
      circuit('xfmr', 'service', 200, { supply: S208 }),
    ];
    const { a, why } = run(circuits, [port('ab', 'xfmr', 'L1-L2')]);
    expect(a.ab).toBe(20);
    expect(why.ab).toMatchObject({ kind: 'circuit', circuitId: 'service' });
  });
});

describe('allocate: minimum current and pausing', () => {
  it('pauses the fewest sessions when not everyone fits at minimum', () => {
    const ports = [0, 1, 2, 3].map((i) => port(`p${i}`, 'c', 'L1L2L3'));
    const { a, why } = run([circuit('c', null, 20)], ports);
    const running = Object.values(a).filter((x) => x > 0);
    expect(running).toHaveLength(3);
    expect(running.every((x) => x >= 6)).toBe(true);
    const paused = Object.entries(why).find(([, w]) => w.kind === 'paused');
    expect(paused?.[1]).toMatchObject({ kind: 'paused', circuitId: 'c', rotation: true });
  });

  it('pauses everyone when the capacity is negative (overload by other loads)', () => {
    const caps = new Map([['c', { phaseA: [-5, 10, 10] as const, powerKw: Infinity, source: 'meter' }]]);
    const { a, why } = run([circuit('c', null, 32)], [port('p', 'c', 'L1L2L3')], undefined, caps);
    expect(a.p).toBe(0);
    expect(why.p).toMatchObject({ kind: 'paused', dimension: 'L1', source: 'meter' });
  });

  it('rotates paused sessions so nobody starves', () => {
    const ports = [0, 1, 2, 3, 4].map((i) => port(`p${i}`, 'c', 'L1L2L3'));
    const circuits = [circuit('c', null, 12)]; // room for two at 6 A
    const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });
    const demands = ports.map((p) => ({ portId: p.id, arrivedAtMs: 0 }));
    let state = INITIAL_ALLOCATOR_STATE;
    const runMs = new Map<string, number>(ports.map((p) => [p.id, 0]));
    const stepMs = 60_000;
    for (let t = 0; t < 5 * 60 * 60_000; t += stepMs) {
      const r = allocate(cs, { capacities: new Map(), demands }, state, t);
      state = r.state;
      const running = r.allocation.filter((x) => x.currentA > 0);
      expect(running.length).toBe(2);
      for (const x of running) runMs.set(x.portId, runMs.get(x.portId)! + stepMs);
    }
    const shares = [...runMs.values()].map((ms) => ms / (5 * 60 * 60_000));
    // Two of five run at a time: each should get about 40% of the time.
    for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.35);
  });

  it('serves higher priority first, then shares within a class', () => {
    const ports = [
      port('vip', 'c', 'L1L2L3', { priority: 10 }),
      port('a', 'c', 'L1L2L3'),
      port('b', 'c', 'L1L2L3'),
    ];
    const { a, why } = run([circuit('c', null, 44)], ports);
    expect(a).toEqual({ vip: 32, a: 6, b: 6 });
    expect(why.a).toMatchObject({ kind: 'circuit', circuitId: 'c' });
  });

  it('pauses a port whose demanded maximum is below its minimum', () => {
    const demands = [{ portId: 'p', maxCurrentA: 4 }];
    const { a, why } = run([circuit('c', null, 32)], [port('p', 'c', 'L1')], demands);
    expect(a.p).toBe(0);
    expect(why.p).toEqual({ kind: 'below-minimum' });
  });

  it('gives idle ports 0 A and says so', () => {
    const { a, why } = run(
      [circuit('c', null, 32)],
      [port('p', 'c', 'L1'), port('q', 'c', 'L1')],
      [{ portId: 'p' }],
    );
    expect(a).toEqual({ p: 32, q: 0 });
    expect(why.q).toEqual({ kind: 'idle' });
  });
});

describe('allocate: cars that draw less than offered', () => {
  const circuits = [circuit('c', null, 40)];
  const ports = [port('slow', 'c', 'L1L2L3'), port('fast', 'c', 'L1L2L3')];
  const cs = compileSite({ timeZone: 'UTC', circuits, ports, meters: [] });

  it('caps a car at what it draws plus a margin and gives the rest to others, then probes up', () => {
    let r = allocate(
      cs,
      { capacities: new Map(), demands: [{ portId: 'slow' }, { portId: 'fast' }] },
      INITIAL_ALLOCATOR_STATE,
      0,
    );
    expect(r.allocation.map((x) => x.currentA)).toEqual([20, 20]);
    // 20 s later the slow car draws 10 A of the 20 A offered.
    const measured = (t: number): PortDemand[] => [
      { portId: 'slow', measuredA: 10, measuredAtMs: t },
      { portId: 'fast', measuredA: 20, measuredAtMs: t },
    ];
    r = allocate(cs, { capacities: new Map(), demands: measured(20_000) }, r.state, 20_000);
    expect(r.allocation.map((x) => x.currentA)).toEqual([12, 28]);
    expect(r.allocation[0]!.limitedBy).toEqual({ kind: 'car', measuredA: 10 });
    // A measurement taken before the car could react to the new offer does not move the cap.
    r = allocate(cs, { capacities: new Map(), demands: measured(25_000) }, r.state, 25_000);
    expect(r.allocation[0]!.currentA).toBe(12);
    // After the probe interval the cap is lifted to see whether the car wants more.
    r = allocate(
      cs,
      { capacities: new Map(), demands: measured(5 * 60_000 + 20_000) },
      r.state,
      5 * 60_000 + 20_000,
    );
    expect(r.allocation.map((x) => x.currentA)).toEqual([20, 20]);
  });

  it('lifts the cap when the car draws up to it', () => {
    let r = allocate(
      cs,
      { capacities: new Map(), demands: [{ portId: 'slow' }, { portId: 'fast' }] },
      INITIAL_ALLOCATOR_STATE,
      0,
    );
    // The slow car measured at measuredA, as the run at nowMs sees it.
    const slowAt = (measuredA: number, nowMs: number, state: AllocatorState) =>
      allocate(
        cs,
        {
          capacities: new Map(),
          demands: [{ portId: 'slow', measuredA, measuredAtMs: nowMs }, { portId: 'fast' }],
        },
        state,
        nowMs,
      );
    r = slowAt(10, 20_000, r.state);
    expect(r.allocation[0]!.currentA).toBe(12);
    r = slowAt(11.8, 40_000, r.state);
    expect(r.allocation[0]!.currentA).toBe(20);
  });
});

describe('allocate: DC ports', () => {
  it('limits a DC port in kW converted to current at the circuit voltage', () => {
    const maxA = dcPowerToCurrentA(50, S400, 'L1L2L3', 0.95);
    const dc = port('dc', 'c', 'L1L2L3', {
      currentType: 'DC',
      maxCurrentA: maxA,
      minCurrentA: 0,
      maxPowerKw: 50,
      efficiency: 0.95,
    });
    const { a, why } = run([circuit('c', null, 200)], [dc]);
    expect(maxA).toBeCloseTo(76.28, 2);
    expect(a.dc).toBe(76.2);
    expect(why.dc).toEqual({ kind: 'port-max' });
  });
});

describe('allocate: determinism', () => {
  it('gives the same result whatever the order of demands', () => {
    const ports = [0, 1, 2, 3, 4, 5].map((i) =>
      port(`p${i}`, 'c', (['L1', 'L2', 'L1L2L3'] as const)[i % 3]!),
    );
    const demands = ports.map((p) => ({ portId: p.id }));
    const one = run([circuit('c', null, 25)], ports, demands).a;
    const two = run([circuit('c', null, 25)], ports, [...demands].reverse()).a;
    expect(two).toEqual(one);
  });
});

describe('allocate: extreme weights', () => {
  it('never lets a port with a tiny weight rise past a limit', () => {
    const ports = [port('a', 'main', 'L1', { minCurrentA: 1 }), port('b', 'main', 'L1', { minCurrentA: 1 })];
    const { a } = run([circuit('main', null, 10)], ports, [
      { portId: 'a', weight: 1e-12 },
      { portId: 'b', weight: 1e-12 },
    ]);
    expect(a['a']! + a['b']!).toBeLessThanOrEqual(10);
    expect(a['a']! + a['b']!).toBeGreaterThan(9.5);
  });
});
