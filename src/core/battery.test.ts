/** Battery dispatch decisions (docs/control.md, "Batteries") on a one-circuit site. */
import { describe, expect, it } from 'vitest';
import type { BatteryObservation } from './battery.ts';
import { dispatchBatteries } from './battery.ts';
import { compileSite } from './compiled-site.ts';
import type { CapacityInputs } from './effective-capacity.ts';
import { effectiveCapacities } from './effective-capacity.ts';
import { loadOnCircuits } from './port-load.ts';
import type { Site } from './site.ts';
import { testBattery } from './testing/site-battery.ts';
import { testSitePort } from './testing/site-port.ts';

const NOW = Date.UTC(2025, 0, 6, 8, 0, 0);
const SUPPLY = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] as const };

const site: Site = {
  timeZone: 'UTC',
  circuits: [
    {
      id: 'main',
      parentId: null,
      limitA: 32,
      marginA: 0,
      supply: SUPPLY,
      meterId: 'grid',
      staleNonEvLoadA: 32,
    },
  ],
  ports: [testSitePort({ id: 'p1', stationId: 's1', circuitId: 'main', stepA: 0.1 })],
  meters: [
    { id: 'grid', role: 'load', circuitId: 'main', timeoutMs: 5000 },
    { id: 'bat', role: 'battery', circuitId: 'main', timeoutMs: 5000 },
  ],
  batteries: [testBattery('main', 10, { capacityKwh: 20 })],
};
const cs = compileSite(site);

/** The grid meter reads the building (A per phase) plus the battery's measured power. */
function run(buildingA: number, obs: BatteryObservation, exportKw: number | null = null) {
  const batteryA = ((obs.measuredKw ?? 0) * 1000) / (3 * 230);
  const a = buildingA + batteryA;
  const inputs: CapacityInputs = {
    circuits: new Map([
      [
        'main',
        {
          load: { totalA: [a, a, a], evA: [0, 0, 0], totalKw: (a * 3 * 230) / 1000, evKw: 0, readAtMs: NOW },
        },
      ],
    ]),
  };
  return dispatchBatteries(cs, {
    observations: new Map([['b1', obs]]),
    inputs,
    capacities: effectiveCapacities(cs, inputs, NOW),
    evWant: loadOnCircuits(cs, [{ portId: 'p1', conductorA: [32, 32, 32] }]),
    exportKw,
    nowMs: NOW,
  });
}

describe('dispatchBatteries', () => {
  it('discharges through a building peak so the car keeps charging, counted only once measured', () => {
    const first = run(20, { measuredKw: 0, socPct: 60, lastCommandKw: 0 });
    // The car wants 32 A, the building takes 20 A of 32: 20 A × 3 × 230 V = 13.8 kW short, 10 kW at most.
    expect(first.decisions[0]).toMatchObject({ commandKw: -10, countedKw: 0 });
    expect(first.decisions[0]!.reason).toContain("'main'");
    expect(first.capacities.get('main')!.phaseA[0]).toBeCloseTo(12, 6);
    // Once the meter measures the discharge, the building load it covers is free for the car.
    const second = run(20, { measuredKw: -10, socPct: 60, lastCommandKw: -10 });
    expect(second.decisions[0]).toMatchObject({ commandKw: -10, countedKw: -10 });
    expect(second.capacities.get('main')!.phaseA[0]).toBeCloseTo(12 + 10_000 / 690, 6);
  });

  it('keeps its reserve', () => {
    const d = run(20, { measuredKw: 0, socPct: 10, lastCommandKw: 0 }).decisions[0]!;
    expect(d.commandKw).toBe(0);
    expect(d.reason).toContain('reserve');
  });

  it('a stale battery meter: assumed to do nothing, commanded 0, said so', () => {
    const r = run(20, { measuredKw: null, socPct: 60, lastCommandKw: -10 });
    expect(r.decisions[0]).toMatchObject({ commandKw: 0, countedKw: 0 });
    expect(r.decisions[0]!.reason).toContain('stale');
    // The discharge it was told is taken out of the grid reading: the car does not count on it.
    // 12 − 14.49 A: capacity 0, the 2.49 A over kept for a discharge to cover first.
    expect(r.capacities.get('main')!.phaseA[0]).toBe(0);
    expect(r.capacities.get('main')!.overloadA![0]).toBeCloseTo(10_000 / 690 - 12, 6);
  });

  it('a stale meter after a charge command: the charge still counts', () => {
    const r = run(0, { measuredKw: null, socPct: 60, lastCommandKw: 6.9 });
    expect(r.decisions[0]!.countedKw).toBeCloseTo(6.9, 9);
    expect(r.capacities.get('main')!.phaseA[0]).toBeCloseTo(32 - 10, 6);
  });

  it('charges from the PV surplus, within the room the car leaves', () => {
    const d = run(0, { measuredKw: 0, socPct: 50, lastCommandKw: 0 }, 4).decisions[0]!;
    // The car takes all 32 A: no room on the circuit, so nothing even from the surplus.
    expect(d.commandKw).toBe(0);
    const noCar = dispatchBatteries(cs, {
      observations: new Map([['b1', { measuredKw: 0, socPct: 50, lastCommandKw: 0 }]]),
      inputs: { circuits: new Map() },
      capacities: new Map([['main', { phaseA: [32, 32, 32], powerKw: Infinity }]]),
      evWant: new Float64Array(4),
      exportKw: 4,
      nowMs: NOW,
    }).decisions[0]!;
    expect(noCar).toMatchObject({ commandKw: 4, countedKw: 4, reason: 'charging from PV surplus' });
  });
});
