/**
 * A battery behind a delta-wye transformer (docs/control.md, "Batteries"): its discharge relieves the primary
 * by what it really takes off each primary line, never more, so that the cars it lets charge never take the
 * primary over its limit. The truth is computed here independently, as phasor sums.
 */
import { describe, expect, it } from 'vitest';
import type { BatteryObservation } from './battery.ts';
import { batteryReliefFactors } from './battery.ts';
import { compileSite, DIM_COUNT } from './compiled-site.ts';
import type { CapacityInputs } from './effective-capacity.ts';
import type { Site } from './site.ts';
import { dispatchThenAllocate, testBattery } from './testing/site-battery.ts';
import { SUPPLIES, testPort } from './testing/supplies.ts';

type LineModel = NonNullable<NonNullable<Site['allocation']>['lineModel']>;

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const PRIMARY_LIMIT_A = 30;
const BATTERY_KW = 20;

/** 277/480 V primary (unmetered, 30 A) feeding a 120/208 V panel with three cars and a battery. */
function site(lineModel: LineModel): Site {
  return {
    timeZone: 'UTC',
    allocation: { lineModel },
    circuits: [
      { id: 'primary', parentId: null, limitA: PRIMARY_LIMIT_A, marginA: 0, supply: SUPPLIES.us480 },
      {
        id: 'panel',
        parentId: 'primary',
        limitA: 400,
        marginA: 0,
        supply: SUPPLIES.us208,
        meterId: 'panel-meter',
        staleNonEvLoadA: 400,
      },
    ],
    ports: ['a', 'b', 'c'].map((id) => testPort(id, 'panel', 'L1L2L3', { maxCurrentA: 80 })),
    meters: [
      { id: 'panel-meter', role: 'load', circuitId: 'panel', timeoutMs: 5000 },
      { id: 'bat', role: 'battery', circuitId: 'panel', timeoutMs: 5000 },
    ],
    batteries: [testBattery('panel', BATTERY_KW)],
  };
}

/** Secondary phase angles (L1 at 0), radians. */
const ANGLE = [0, (-2 * Math.PI) / 3, (2 * Math.PI) / 3];

/**
 * True primary line currents (A): each secondary phase current (cars and battery, all at power factor 1 on
 * their line-to-neutral voltage) as a phasor, and each primary line the difference of two delta winding
 * currents, a winding carrying its secondary phase current × 120 V / 480 V.
 */
function truePrimaryA(carA: readonly number[], batteryKw: number): number[] {
  const phaseA = [0, 1, 2].map(() => carA.reduce((s, a) => s + a, 0) + (batteryKw * 1000) / (3 * 120));
  const re = phaseA.map((a, p) => a * Math.cos(ANGLE[p]!));
  const im = phaseA.map((a, p) => a * Math.sin(ANGLE[p]!));
  const k = 120 / 480;
  return [0, 1, 2].map((j) => {
    const n = (j + 1) % 3;
    return k * Math.hypot(re[j]! - re[n]!, im[j]! - im[n]!);
  });
}

/** One control run with the battery discharging at BATTERY_KW (measured) and the cars wanting 80 A each. */
function run(lineModel: LineModel) {
  const s = site(lineModel);
  const cs = compileSite(s);
  // The panel meter reads the battery's discharge (negative current on each phase), no cars yet.
  const a = (-BATTERY_KW * 1000) / (3 * 120);
  const inputs: CapacityInputs = {
    circuits: new Map([
      [
        'panel',
        { load: { totalA: [a, a, a], evA: [0, 0, 0], totalKw: -BATTERY_KW, evKw: 0, readAtMs: NOW - 1000 } },
      ],
    ]),
  };
  const obs: BatteryObservation = { measuredKw: -BATTERY_KW, socPct: 60, lastCommandKw: -BATTERY_KW };
  const { decision, carA } = dispatchThenAllocate(cs, inputs, obs, 80, NOW);
  return { cs, decision, carA, primaryA: truePrimaryA(carA, decision.countedKw) };
}

describe('a battery behind a delta-wye transformer', () => {
  for (const lineModel of ['phasor', 'linear'] as const) {
    it(`its discharge never lets the cars take the primary over its limit (lineModel ${lineModel})`, () => {
      const { decision, carA, primaryA } = run(lineModel);
      expect(decision).toMatchObject({ commandKw: -BATTERY_KW, countedKw: -BATTERY_KW });
      // The cars did get the room the battery gives (they would get 30 A / 0.433 = 69.3 A without it).
      expect(carA.reduce((s, x) => s + x, 0)).toBeGreaterThan(PRIMARY_LIMIT_A / (Math.sqrt(3) / 4));
      for (const a of primaryA) expect(a).toBeLessThanOrEqual(PRIMARY_LIMIT_A + 1e-6);
    });
  }

  it('relieves each primary line by the current it really takes off it: 1.203 A per kW, not 1.389', () => {
    const { cs } = run('phasor');
    const f = batteryReliefFactors(cs, cs.site.batteries![0]!);
    const o = cs.circuitIndex.get('primary')! * DIM_COUNT;
    // 1 kW balanced on 480 V: 1000 / (√3 · 480) = 1.2028 A per line.
    for (let p = 0; p < 3; p++) expect(f[o + p]).toBeCloseTo(1000 / (Math.sqrt(3) * 480), 9);
    expect(f[o + 3]).toBe(1);
    // The same as the true primary current of a 1 kW charge, computed as phasors.
    for (const a of truePrimaryA([], 1)) expect(a).toBeCloseTo(f[o]!, 9);
  });
});
