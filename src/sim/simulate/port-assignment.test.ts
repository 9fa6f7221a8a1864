import { describe, expect, it } from 'vitest';
import type { SimSession } from '../sessions/sim-session.ts';
import { aggregateNetwork } from './aggregate-network.ts';
import { simulate } from './engine.ts';
import { runMetrics } from './metrics.ts';
import type { Network } from '../../core/planner/network.ts';
import type { Policy, StepInput } from './policy.ts';
import { sortedPolicy } from './policies/sorted-policy.ts';
import { uncontrolledPolicy } from './policies/uncontrolled.ts';
import { offlinePolicy } from './policies/offline-policy.ts';
import { assignPorts, carsAtOncePerStation, UnknownStationsError } from './port-assignment.ts';
import { randomWorkload, seededRandom } from './testing-workload.ts';

const T0 = Date.UTC(2024, 4, 6, 8);
const MIN = 60_000;
const at = (min: number): number => T0 + min * MIN;
const session = (
  id: string,
  stationId: string,
  from: number,
  to: number,
  over: Partial<SimSession> = {},
): SimSession => ({
  id,
  stationId,
  arrivalMs: at(from),
  departureMs: at(to),
  energyKwh: 5,
  ...over,
});

/** A site of `ports` as station/port ids ('cp1/1'), all on one 230 V circuit of `limitA`. */
function portsNetwork(ports: readonly string[], limitA = 1000): Network {
  return {
    evses: ports.map((id) => ({
      id,
      stationId: id.split('/')[0],
      voltageV: 230,
      phaseAngleDeg: 0,
      maxA: 32,
      minA: 0,
    })),
    constraints: [
      {
        id: 'site',
        circuitId: 'site',
        phase: 'L1',
        limitA,
        terms: ports.map((_, i) => ({ evse: i, re: 1, im: 0 })),
      },
    ],
    exact: false,
  };
}

const PORTS = ['cp1/1', 'cp1/2', 'cp2/1'];

describe('--assign-ports free', () => {
  it('puts each car on the free port idle longest (ties: network order), reuses a port freed at the arrival instant, and turns a car away when none is free', () => {
    const net = portsNetwork(PORTS);
    const sessions = [
      session('a', 'X', 0, 60), // cp1/1 (all idle since forever: first in order)
      session('b', 'Y', 10, 30), // cp1/2
      session('c', 'Z', 20, 120), // cp2/1
      session('d', 'X', 25, 90), // all occupied: turned away
      session('e', 'W', 30, 100), // cp1/2 freed at 30, the instant e arrives
      session('f', 'V', 70, 80), // cp1/1, free since 60 (the only free one)
      session('g', 'V', 95, 130), // only cp1/1 is free (since 80)
      session('h', 'U', 125, 140), // free: cp1/2 (since 100), cp2/1 (since 120): cp1/2 idle longest
    ];
    const p = assignPorts(sessions, net, 'free');
    expect(Array.from(p.evseOf)).toEqual([0, 1, 2, -1, 1, 0, 0, 1]);
    expect(p.turnedAwaySessions).toBe(1);
    expect(p.turnedAwayKwh).toBe(5);
  });

  it('is deterministic: the same ports whatever the order of the input, on random workloads', () => {
    const net = portsNetwork(['a/1', 'a/2', 'b/1', 'c/1', 'c/2']);
    for (let seed = 1; seed <= 5; seed++) {
      const sessions = randomWorkload(seed, ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7'], 40);
      const first = assignPorts(sessions, net, 'free');
      const rnd = seededRandom(seed + 100);
      const perm = sessions.map((_, i) => i).sort(() => rnd() - 0.5);
      const shuffled = assignPorts(
        perm.map((i) => sessions[i]!),
        net,
        'free',
      );
      perm.forEach((i, k) => expect(shuffled.evseOf[k]).toBe(first.evseOf[i]));
      expect(shuffled.turnedAwaySessions).toBe(first.turnedAwaySessions);
      // Never two cars on one port at once.
      const byPort = new Map<number, SimSession[]>();
      sessions.forEach((s, i) => {
        const e = first.evseOf[i]!;
        if (e >= 0) byPort.set(e, [...(byPort.get(e) ?? []), s]);
      });
      for (const list of byPort.values()) {
        list.sort((x, y) => x.arrivalMs - y.arrivalMs);
        for (let k = 1; k < list.length; k++)
          expect(list[k]!.arrivalMs).toBeGreaterThanOrEqual(list[k - 1]!.departureMs);
      }
      // A car is turned away only when every port is occupied at its arrival.
      sessions.forEach((s, i) => {
        if (first.evseOf[i]! >= 0) return;
        const busy = new Set<number>();
        sessions.forEach((o, j) => {
          if (first.evseOf[j]! >= 0 && o.arrivalMs <= s.arrivalMs && o.departureMs > s.arrivalMs)
            busy.add(first.evseOf[j]!);
        });
        expect(busy.size).toBe(net.evses.length);
      });
    }
  });
});

describe('--assign-ports as-in-data', () => {
  it('uses the port the data names, else the first free port of the station; overlapping stays beyond the station’s ports are turned away', () => {
    const net = portsNetwork(PORTS);
    const sessions = [
      session('a', 'cp1', 0, 60),
      session('b', 'cp1', 10, 50), // cp1/1 occupied: the station's second port
      session('c', 'cp1', 20, 40, { energyKwh: 7 }), // both ports of cp1 occupied: turned away
      session('d', 'cp2', 30, 90, { portId: 'cp2/1' }),
      session('e', 'cp2', 40, 95, { portId: 'cp2/1' }), // its own port is occupied (a data error): turned away
      session('f', 'cp1', 60, 70, { portId: 'cp1/9' }), // a port the site lacks: its station's first free port
    ];
    const p = assignPorts(sessions, net, 'as-in-data');
    expect(Array.from(p.evseOf)).toEqual([0, 1, -1, 2, -1, 0]);
    expect(p.turnedAwaySessions).toBe(2);
    expect(p.turnedAwayKwh).toBe(12);
  });

  it('refuses stations the network does not have, naming them and suggesting --assign-ports free', () => {
    const net = portsNetwork(PORTS);
    const run = (): unknown =>
      assignPorts([session('a', 'cp1', 0, 60), session('b', 'Q7', 0, 60)], net, 'as-in-data');
    expect(run).toThrow(UnknownStationsError);
    expect(run).toThrow(/1 station\(s\) of the sessions are not in the network: Q7; .*--assign-ports free/);
  });

  it('the aggregate model gives a station as many EVSEs as it holds cars at once, so every car of the data charges', async () => {
    const sessions = [
      session('a', 'S1', 0, 120, { energyKwh: 4 }),
      session('b', 'S1', 30, 90, { energyKwh: 4 }), // a second connector of S1
      session('c', 'S1', 120, 150, { energyKwh: 1 }), // after a left: S1 again
      session('d', 'S2', 0, 60, { energyKwh: 2 }),
    ];
    const perStation = carsAtOncePerStation(sessions);
    expect(Object.fromEntries(perStation)).toEqual({ S1: 2, S2: 1 });
    const net = aggregateNetwork(
      sessions.map((s) => s.stationId),
      100,
      230,
      {},
      perStation,
    );
    expect(net.evses.map((e) => e.id)).toEqual(['S1', 'S1#2', 'S2']);
    const trace = await simulate(sessions, net, sortedPolicy('fcfs'), { stepMs: 5 * MIN });
    expect(trace.assignment.turnedAwaySessions).toBe(0);
    // The trace lists the sessions in arrival order: a, d, b, c.
    expect(trace.sessions.map((s) => s.id)).toEqual(['a', 'd', 'b', 'c']);
    expect(Array.from(trace.evseOf)).toEqual([0, 2, 1, 0]);
    trace.sessions.forEach((s, i) => expect(trace.deliveredKwh[i]).toBeCloseTo(s.energyKwh, 9));
  });
});

describe('cars turned away in a run', () => {
  it('count as demand not met: demand met, sessions fully served and Jain index include them', async () => {
    // One port; the second car arrives while the first is plugged in (already full: the port stays occupied).
    const net = portsNetwork(['cp1/1']);
    const sessions = [
      session('a', 'far-away', 0, 240, { energyKwh: 2 }),
      session('b', 'elsewhere', 60, 120, { energyKwh: 6 }),
    ];
    const trace = await simulate(sessions, net, uncontrolledPolicy(), {
      stepMs: 5 * MIN,
      assignPorts: 'free',
    });
    expect(trace.deliveredKwh[0]).toBeCloseTo(2, 9);
    expect(trace.deliveredKwh[1]).toBe(0);
    const m = runMetrics(trace, 10, undefined, 0);
    expect(m.turnedAwaySessions).toBe(1);
    expect(m.turnedAwayKwh).toBe(6);
    expect(m.demandMetPct).toBeCloseTo(25, 9); // 2 of 8 kWh
    expect(m.pluggedInDemandMetPct).toBeCloseTo(100, 9);
    expect(m.sessionsFullyServedPct).toBe(50);
    expect(m.jainIndex).toBeCloseTo(0.5, 9); // shares 1 and 0
  });

  it('every policy sees at most one car per port, and the offline plan leaves the cars turned away out', async () => {
    const net = portsNetwork(['a/1', 'a/2', 'b/1'], 40);
    const sessions = randomWorkload(9, ['P', 'Q', 'R', 'S'], 30, 6);
    let steps = 0;
    const spy: Policy = {
      name: 'spy',
      step(input: StepInput) {
        const ports = input.active.map((ev) => ev.evseIndex);
        expect(new Set(ports).size).toBe(ports.length);
        steps++;
        return new Float64Array(input.active.length).fill(10);
      },
    };
    const trace = await simulate(sessions, net, spy, { stepMs: 5 * MIN, assignPorts: 'free' });
    expect(steps).toBeGreaterThan(0);
    expect(trace.assignment.turnedAwaySessions).toBeGreaterThan(0);
    const offline = offlinePolicy();
    const planned = await simulate(sessions, net, offline, { stepMs: 5 * MIN, assignPorts: 'free' });
    const m = runMetrics(planned, 9.2, undefined, 0);
    planned.sessions.forEach((_, i) => {
      if (planned.evseOf[i]! < 0) expect(planned.deliveredKwh[i]).toBe(0);
    });
    // The LP bound is a share of all the demand, the cars turned away included.
    expect(offline.boundPct!).toBeLessThanOrEqual(100 - (100 * m.turnedAwayKwh) / m.requestedKwh + 1e-6);
    expect(offline.boundPct!).toBeGreaterThanOrEqual(m.demandMetPct - 1e-6);
  });
});

describe('--assign-ports free on the Caltech network', () => {
  it('spreads a foreign workload over its 54 EVSEs, turns away the 55th and 56th car, and every controlled policy keeps every limit', async () => {
    const { buildSetup } = await import('./scenario.ts');
    const { runOne } = await import('./run-one.ts');
    const sessions = Array.from({ length: 56 }, (_, i) =>
      session(`s${String(i).padStart(2, '0')}`, `elsewhere-${i % 7}`, i, 240 + i, { energyKwh: 4 }),
    );
    const setup = buildSetup({ kind: 'caltech', stationIds: [] }, 40);
    for (const policy of ['fusebox', 'llf', 'round-robin'] as const) {
      const { metrics, trace } = await runOne(sessions, setup, policy, {
        stepMs: 5 * MIN,
        assignPorts: 'free',
      });
      expect(metrics.turnedAwaySessions, policy).toBe(2);
      expect(metrics.turnedAwayKwh).toBe(8);
      expect(new Set(Array.from(trace.evseOf).filter((e) => e >= 0)).size).toBe(54);
      expect(metrics.violationAmpSeconds, policy).toBe(0);
      expect(metrics.demandMetPct).toBeLessThanOrEqual((100 * 54) / 56 + 1e-9);
      // 216 kWh in about 4 h on 40 kW: most of it, not all.
      expect(metrics.demandMetPct).toBeGreaterThan(50);
    }
  }, 60_000);
});
