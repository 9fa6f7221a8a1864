/**
 * A discharging battery beside line-to-line cars (docs/control.md, "Batteries"): the cars it lets charge and
 * its own export never take a line over its limit. The truth is computed here independently, as phasor sums
 * (cars at power factor 1 on the voltage they are wired across, the battery at power factor 1), with every
 * subset of cars stopped.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import { dispatchBatteries, withBatteryCounted } from './battery.ts';
import { compileSite } from './compiled-site.ts';
import { effectiveCapacities } from './effective-capacity.ts';
import type { Wiring } from './phases.ts';
import { wiringConductors } from './phases.ts';
import { loadOnCircuits } from './port-load.ts';
import type { Site, Supply } from './site.ts';
import { dispatchThenAllocate, testBattery } from './testing/site-battery.ts';
import { SUPPLIES, testPort } from './testing/supplies.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const LIMIT_A = 30;
const ANGLE = [0, (-2 * Math.PI) / 3, (2 * Math.PI) / 3];

/** One unmetered (SLM) circuit with cars and a three-phase battery that has been discharging at batteryKw. */
function site(
  supply: Supply,
  wirings: readonly Wiring[],
  batteryKw: number,
  lineModel: 'linear' | 'phasor',
): Site {
  return {
    timeZone: 'UTC',
    allocation: { lineModel },
    circuits: [{ id: 'main', parentId: null, limitA: LIMIT_A, marginA: 0, supply }],
    ports: wirings.map((w, i) => testPort(`p${i}`, 'main', w, { maxCurrentA: 80 })),
    meters: [{ id: 'bat', role: 'battery', circuitId: 'main', timeoutMs: 5000 }],
    batteries: [testBattery('main', batteryKw)],
  };
}

/** True line currents (A) with the cars at carA (wired as given) and the battery at batteryKw (charging +). */
function trueLineA(
  supply: Supply,
  wirings: readonly Wiring[],
  carA: readonly number[],
  batteryKw: number,
): number[] {
  const re = [0, 0, 0];
  const im = [0, 0, 0];
  const add = (p: number, a: number, angle: number): void => {
    re[p] = re[p]! + a * Math.cos(angle);
    im[p] = im[p]! + a * Math.sin(angle);
  };
  wirings.forEach((w, i) => {
    for (const phases of wiringConductors(w)) {
      if (phases.length === 1) add(phases[0]!, carA[i]!, ANGLE[phases[0]!]!);
      else {
        const [p, q] = phases as [number, number];
        const angle = Math.atan2(
          Math.sin(ANGLE[p]!) - Math.sin(ANGLE[q]!),
          Math.cos(ANGLE[p]!) - Math.cos(ANGLE[q]!),
        );
        add(p, carA[i]!, angle);
        add(q, -carA[i]!, angle);
      }
    }
  });
  const perPhase = (batteryKw * 1000) / (3 * supply.lineToNeutralV);
  for (let p = 0; p < 3; p++) add(p, perPhase, ANGLE[p]!);
  return [0, 1, 2].map((p) => Math.hypot(re[p]!, im[p]!));
}

/** One control run: the battery measured at −measuredKw, the cars wanting 80 A; then the allocation. */
function run(
  supply: Supply,
  wirings: readonly Wiring[],
  batteryKw: number,
  lineModel: 'linear' | 'phasor',
  measuredKw = batteryKw,
) {
  const cs = compileSite(site(supply, wirings, batteryKw, lineModel));
  const observation = { measuredKw: -measuredKw, socPct: 60, lastCommandKw: -measuredKw };
  return dispatchThenAllocate(cs, { circuits: new Map() }, observation, 80, NOW);
}

/** The largest true line current over every subset of the cars stopped. */
function worstLineA(
  supply: Supply,
  wirings: readonly Wiring[],
  carA: readonly number[],
  batteryKw: number,
): number {
  let worst = 0;
  for (let mask = 0; mask < 1 << carA.length; mask++) {
    const a = carA.map((x, i) => (mask & (1 << i) ? x : 0));
    worst = Math.max(worst, ...trueLineA(supply, wirings, a, batteryKw));
  }
  return worst;
}

const CASES: { name: string; supply: Supply; wirings: Wiring[]; batteryKw: number }[] = [
  {
    name: 'cars on L1-L2 and L2-L3, 20 kW on 230/400 V',
    supply: SUPPLIES.eu400,
    wirings: ['L1-L2', 'L2-L3'],
    batteryKw: 20,
  },
  { name: 'one L1-L2 car, 5 kW on 120/208 V', supply: SUPPLIES.us208, wirings: ['L1-L2'], batteryKw: 5 },
  {
    name: 'three-phase cars, 20 kW on a 120/208 V 30 A panel',
    supply: SUPPLIES.us208,
    wirings: ['L1L2L3', 'L1L2L3'],
    batteryKw: 20,
  },
];

describe('a discharging battery and the line limits', () => {
  for (const c of CASES)
    for (const lineModel of ['linear', 'phasor'] as const)
      it(`${c.name} (lineModel ${lineModel}): no line over its limit, any cars stopped`, () => {
        const first = run(c.supply, c.wirings, c.batteryKw, lineModel);
        expect(first.decision.commandKw).toBeLessThan(0);
        // The next run, the battery measured at what it was told.
        const next = run(c.supply, c.wirings, c.batteryKw, lineModel, -first.decision.commandKw!);
        for (const { decision, carA } of [first, next])
          expect(worstLineA(c.supply, c.wirings, carA, decision.countedKw)).toBeLessThanOrEqual(
            LIMIT_A + 1e-6,
          );
        // The battery still helps: the cars get more than without it.
        const alone = run(c.supply, c.wirings, 0, lineModel).carA;
        expect(next.carA.reduce((s, x) => s + x, 0)).toBeGreaterThan(alone.reduce((s, x) => s + x, 0));
      });

  it('caps its export at what the line limit takes, and says so', () => {
    const { decision } = run(SUPPLIES.us208, ['L1L2L3'], 20, 'linear');
    // 30 A × 3 × 120 V = 10.8 kW.
    expect(decision.commandKw).toBeCloseTo(-10.8, 9);
    expect(decision.countedKw).toBeCloseTo(-10.8, 9);
    expect(decision.reason).toContain("discharge capped at 10.8 kW by circuit 'main' line L1");
  });
});

describe('a discharge covers an overload first', () => {
  it('a circuit 5 A over its limit gets 14.49 − 5 A from 10 kW, not 14.49 A', () => {
    const s = site(SUPPLIES.eu400, ['L1L2L3'], 10, 'linear');
    const cs = compileSite(s);
    const capacities = new Map([
      ['main', { phaseA: [0, 0, 0] as const, powerKw: Infinity, overloadA: [5, 5, 5] as const }],
    ]);
    const out = withBatteryCounted(cs, capacities, { circuits: new Map() }, s.batteries![0]!, -10, -10, NOW);
    const perPhaseA = 10_000 / (3 * 230);
    // Three-phase cars: 18.2° off the battery's current (power factor 0.95); y = 30 − (0 − 5) − 14.49 ≥ 0: the sum.
    for (const a of out.get('main')!.phaseA) expect(a).toBeCloseTo(perPhaseA - 5, 9);
    expect(out.get('main')!.overloadA).toBeUndefined();
  });

  it('the capacities keep what their clamp at 0 hid', () => {
    const s = site(SUPPLIES.eu400, ['L1L2L3'], 10, 'linear');
    const metered: Site = {
      ...s,
      circuits: [{ ...s.circuits[0]!, meterId: 'grid', staleNonEvLoadA: LIMIT_A }],
      meters: [...s.meters, { id: 'grid', role: 'load', circuitId: 'main', timeoutMs: 5000 }],
    };
    const load = {
      totalA: [40, 20, 30] as const,
      evA: [0, 0, 0] as const,
      totalKw: 20,
      evKw: 0,
      readAtMs: NOW,
    };
    const cap = effectiveCapacities(
      compileSite(metered),
      { circuits: new Map([['main', { load }]]) },
      NOW,
    ).get('main')!;
    expect(cap.phaseA).toEqual([0, 10, 0]);
    expect(cap.overloadA).toEqual([10, 0, 0]);
    expect(cap.overloadKw).toBeUndefined();
  });
});

describe('a discharge on a transformer primary beside cars on its secondary', () => {
  /** 480 V primary, 30 A, the battery on it; a 120/208 V panel below with one car. */
  function primarySite(wiring: Wiring, batteryKw: number): Site {
    const s = site(SUPPLIES.us480, [], batteryKw, 'linear');
    return {
      ...s,
      circuits: [
        ...s.circuits,
        { id: 'panel', parentId: 'main', limitA: 400, marginA: 0, supply: SUPPLIES.us208 },
      ],
      ports: [testPort('car', 'panel', wiring, { maxCurrentA: 80 })],
    };
  }

  /**
   * True primary line currents: the car's secondary line currents (power factor 1) through a delta-wye
   * transformer whose secondary is shifted by `shift` against the primary (Dyn1: −30°, Dyn11: +30°), and the
   * battery's own at power factor 1 on the primary.
   */
  function truePrimaryA(wiring: Wiring, carA: number, batteryKw: number, shift: number): number[] {
    const sec = [0, 1, 2].map(() => [0, 0]);
    for (const phases of wiringConductors(wiring)) {
      const [p, q] = phases.length === 1 ? [phases[0]!, -1] : (phases as [number, number]);
      const [vr, vi] =
        q < 0
          ? [Math.cos(ANGLE[p]!), Math.sin(ANGLE[p]!)]
          : [Math.cos(ANGLE[p]!) - Math.cos(ANGLE[q]!), Math.sin(ANGLE[p]!) - Math.sin(ANGLE[q]!)];
      const r = Math.hypot(vr, vi);
      sec[p] = [sec[p]![0]! + (carA * vr) / r, sec[p]![1]! + (carA * vi) / r];
      if (q >= 0) sec[q] = [sec[q]![0]! - (carA * vr) / r, sec[q]![1]! - (carA * vi) / r];
    }
    const k = 120 / 480;
    const [cs, sn] = [Math.cos(shift), Math.sin(shift)];
    const perPhase = (batteryKw * 1000) / (3 * 277);
    return [0, 1, 2].map((j) => {
      const n = (j + 1) % 3;
      const [dr, di] = [k * (sec[j]![0]! - sec[n]![0]!), k * (sec[j]![1]! - sec[n]![1]!)];
      const re = dr * cs - di * sn + perPhase * Math.cos(ANGLE[j]!);
      const im = dr * sn + di * cs + perPhase * Math.sin(ANGLE[j]!);
      return Math.hypot(re, im);
    });
  }

  for (const wiring of ['L1', 'L1-L2', 'L2-L3', 'L1L2L3'] as const)
    it(`a ${wiring} car stays within the primary's 30 A whatever the transformer's vector group`, () => {
      for (const kw of [2, 4, 6, 8, 10, 12, 14]) {
        const s = primarySite(wiring, kw);
        const cs = compileSite(s);
        const inputs = { circuits: new Map() };
        const d = dispatchBatteries(cs, {
          observations: new Map([['b1', { measuredKw: -kw, socPct: 60, lastCommandKw: -kw }]]),
          inputs,
          capacities: effectiveCapacities(cs, inputs, NOW),
          evWant: loadOnCircuits(cs, [{ portId: 'car', conductorA: [80, 80, 80] }]),
          exportKw: null,
          nowMs: NOW,
        });
        const carA = allocate(
          cs,
          { capacities: d.capacities, demands: [{ portId: 'car' }] },
          INITIAL_ALLOCATOR_STATE,
          NOW,
        ).allocation[0]!.currentA;
        const counted = d.decisions[0]!.countedKw;
        for (const shift of [-Math.PI / 6, Math.PI / 6])
          for (const a of [0, carA])
            for (const x of truePrimaryA(wiring, a, counted, shift))
              expect({ kw, shift, a, x }).toEqual({ kw, shift, a, x: Math.min(x, LIMIT_A + 1e-6) });
      }
    });
});
