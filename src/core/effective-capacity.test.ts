import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Capacity } from './allocation.ts';
import { compileSite } from './compiled-site.ts';
import type { CircuitCapacityInputs } from './effective-capacity.ts';
import { effectiveCapacities, nextCapacityChangeMs } from './effective-capacity.ts';
import type { SiteCircuit, SiteMeter, Supply } from './site.ts';

const SUPPLY_400V: Supply = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] };
// Monday 30 March 2026, 10:00 CEST.
const NOW_MS = Date.parse('2026-03-30T08:00:00Z');
const METER: SiteMeter = { id: 'm1', role: 'load', circuitId: 'c', timeoutMs: 5_000 };
const PV_METER: SiteMeter = { id: 'pv1', role: 'pv', circuitId: 'c', timeoutMs: 10_000 };

const SLM: SiteCircuit = { id: 'c', parentId: null, limitA: 32, marginA: 2, supply: SUPPLY_400V };
const DLM: SiteCircuit = { ...SLM, limitA: 63, marginA: 3, meterId: 'm1', staleNonEvLoadA: 20 };
const PEAK = {
  weekly: [{ days: ['mon' as const], from: '08:00', to: '18:00', limitA: 40, label: 'peak' }],
  exceptions: [],
};

function capacity(circuit: SiteCircuit, inputs: CircuitCapacityInputs = {}, nowMs = NOW_MS): Capacity {
  const cs = compileSite({
    timeZone: 'Europe/Berlin',
    circuits: [circuit],
    ports: [],
    meters: [METER, PV_METER],
  });
  return effectiveCapacities(cs, { circuits: new Map([['c', inputs]]) }, nowMs).get('c')!;
}
const reading = (totalA: [number, number, number], evA: [number, number, number], extra = {}) => ({
  load: { totalA, evA, readAtMs: NOW_MS - 1_000, ...extra },
});

describe('effectiveCapacities', () => {
  it.each<[string, SiteCircuit, CircuitCapacityInputs, Capacity]>([
    [
      'SLM: static limit less margin',
      SLM,
      {},
      { phaseA: [30, 30, 30], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'SLM ignores other loads even when a reading is given',
      SLM,
      reading([30, 30, 30], [0, 0, 0]),
      { phaseA: [30, 30, 30], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'DLM fresh: limit − (metered − EV) − margin, per phase',
      DLM,
      reading([40, 20, 10], [16, 16, 0]),
      { phaseA: [36, 56, 50], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'DLM fresh: EV measured above the meter (readings a moment apart) is no phantom capacity',
      DLM,
      reading([10, 0, 0], [16, 16, 16]),
      { phaseA: [60, 60, 60], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'DLM stale (flagged): worst-case non-EV load',
      DLM,
      { ...reading([0, 0, 0], [0, 0, 0]), meterStale: true },
      { phaseA: [40, 40, 40], powerKw: Infinity, source: 'stale meter fallback' },
    ],
    [
      'DLM stale (older than the meter timeout)',
      DLM,
      { load: { totalA: [0, 0, 0], evA: [0, 0, 0], readAtMs: NOW_MS - 5_001 } },
      { phaseA: [40, 40, 40], powerKw: Infinity, source: 'stale meter fallback' },
    ],
    [
      'DLM at exactly the timeout is still fresh',
      DLM,
      { load: { totalA: [0, 0, 0], evA: [0, 0, 0], readAtMs: NOW_MS - 5_000 } },
      { phaseA: [60, 60, 60], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'DLM with no reading yet',
      DLM,
      {},
      { phaseA: [40, 40, 40], powerKw: Infinity, source: 'stale meter fallback' },
    ],
    [
      'DLM with a NaN reading falls back',
      DLM,
      reading([Number.NaN, 0, 0], [0, 0, 0]),
      { phaseA: [40, 40, 40], powerKw: Infinity, source: 'stale meter fallback' },
    ],
    [
      'DLM stale with no worst case configured: nothing for EVs',
      { ...DLM, staleNonEvLoadA: undefined },
      {},
      { phaseA: [0, 0, 0], powerKw: Infinity, source: 'stale meter fallback' },
    ],
    [
      'non-EV load above the limit: clamped at 0, not negative',
      DLM,
      reading([70, 62, 10], [0, 0, 0]),
      { phaseA: [0, 0, 50], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'schedule lowers the limit',
      { ...DLM, schedule: PEAK },
      reading([10, 10, 10], [0, 0, 0]),
      { phaseA: [27, 27, 27], powerKw: Infinity, source: "schedule 'peak'" },
    ],
    [
      'a schedule above the static limit changes nothing',
      { ...SLM, schedule: PEAK },
      {},
      { phaseA: [30, 30, 30], powerKw: Infinity, source: 'static limit' },
    ],
    [
      'EMS lowers the limit below the schedule',
      { ...DLM, schedule: PEAK },
      { ...reading([10, 10, 10], [0, 0, 0]), emsLimitA: 25 },
      { phaseA: [12, 12, 12], powerKw: Infinity, source: 'EMS command' },
    ],
    [
      'EMS above the schedule: the schedule binds',
      { ...DLM, schedule: PEAK },
      { ...reading([10, 10, 10], [0, 0, 0]), emsLimitA: 50 },
      { phaseA: [27, 27, 27], powerKw: Infinity, source: "schedule 'peak'" },
    ],
    [
      'kW: static kW limit less metered non-EV power',
      { ...DLM, limitKw: 22 },
      reading([10, 0, 0], [0, 0, 0], { totalKw: 5, evKw: 2 }),
      { phaseA: [50, 60, 60], powerKw: 19, source: 'static limit' },
    ],
    [
      'kW: without metered power, estimated from currents (V × I, over-counts: safe)',
      { ...DLM, limitKw: 22 },
      reading([10, 0, 0], [0, 0, 0]),
      { phaseA: [50, 60, 60], powerKw: 22 - 2.3, source: 'static limit' },
    ],
    [
      'kW: the demand cap binds',
      { ...DLM, limitKw: 22 },
      { ...reading([0, 0, 0], [0, 0, 0], { totalKw: 1 }), demandCapKw: 15, emsLimitKw: 18 },
      { phaseA: [60, 60, 60], powerKw: 14, source: 'demand cap' },
    ],
    [
      'kW: EMS kW command without a static kW limit',
      DLM,
      { ...reading([0, 0, 0], [0, 0, 0], { totalKw: 0 }), emsLimitKw: 11 },
      { phaseA: [60, 60, 60], powerKw: 11, source: 'EMS command' },
    ],
    [
      'kW: stale meter counts the worst case on every phase',
      { ...DLM, limitKw: 22 },
      {},
      { phaseA: [40, 40, 40], powerKw: 22 - 20 * 0.23 * 3, source: 'stale meter fallback' },
    ],
    [
      'A from the schedule and kW from the demand cap: both named',
      { ...DLM, schedule: PEAK },
      { ...reading([0, 0, 0], [0, 0, 0], { totalKw: 0 }), demandCapKw: 30 },
      { phaseA: [37, 37, 37], powerKw: 30, source: "schedule 'peak' + demand cap" },
    ],
    [
      'margin: a larger margin is taken from every phase',
      { ...DLM, marginA: 10 },
      reading([5, 5, 5], [0, 0, 0]),
      { phaseA: [48, 48, 48], powerKw: Infinity, source: 'static limit' },
    ],
  ])('%s', (_name, circuit, inputs, expected) => {
    const got = capacity(circuit, inputs);
    expect(got.source).toBe(expected.source);
    expect(got.phaseA.map((a) => round(a))).toEqual(expected.phaseA);
    expect(round(got.powerKw)).toBe(round(expected.powerKw));
  });
});

describe('effectiveCapacities: time', () => {
  it('a schedule applies only inside its window (18:00 CEST ends it)', () => {
    const circuit = { ...DLM, schedule: PEAK };
    const at = (iso: string) => {
      const nowMs = Date.parse(iso);
      return capacity(circuit, { load: { totalA: [0, 0, 0], evA: [0, 0, 0], readAtMs: nowMs } }, nowMs);
    };
    expect(at('2026-03-30T15:59:59.999Z')).toEqual({
      phaseA: [37, 37, 37],
      powerKw: Infinity,
      source: "schedule 'peak'",
    });
    expect(at('2026-03-30T16:00:00Z')).toEqual({
      phaseA: [60, 60, 60],
      powerKw: Infinity,
      source: 'static limit',
    });
  });
});

describe('effectiveCapacities: PV', () => {
  const pvCircuit: SiteCircuit = { ...DLM, limitKw: 40, pvMeterIds: ['pv1'] };
  const pv = (phaseA: [number, number, number], powerKw?: number, readAtMs = NOW_MS - 1_000) => ({
    pv: { phaseA, powerKw, readAtMs },
  });

  it('exported PV below the meter is credited, up to the PV production', () => {
    const got = capacity(pvCircuit, {
      ...reading([-10, -30, 5], [0, 0, 0], { totalKw: -8 }),
      ...pv([20, 20, 20], 13.8),
    });
    // L1: −10 (within PV) → 76 − 3; L2: −30 beyond PV 20 → credited 20; L3: 5.
    expect(got.phaseA).toEqual([70, 80, 55]);
    expect(got.powerKw).toBe(48);
  });

  it('no PV credit for a circuit that does not list PV, nor from a stale PV reading', () => {
    expect(capacity(DLM, { ...reading([-10, 0, 0], [0, 0, 0]), ...pv([20, 20, 20]) }).phaseA).toEqual([
      60, 60, 60,
    ]);
    const stalePv = pv([20, 20, 20], 13.8, NOW_MS - 10_001);
    expect(capacity(pvCircuit, { ...reading([-10, 0, 0], [0, 0, 0]), ...stalePv }).phaseA).toEqual([
      60, 60, 60,
    ]);
  });

  it('no PV credit while the load meter is stale', () => {
    expect(capacity(pvCircuit, { ...pv([20, 20, 20], 13.8), meterStale: true }).phaseA).toEqual([40, 40, 40]);
  });

  it('SLM with PV feeding the circuit: production adds to the capacity; negative production does not subtract', () => {
    const got = capacity({ ...SLM, limitKw: 20, pvMeterIds: ['pv1'] }, pv([6, 0, -1], 1.5));
    expect(got.phaseA).toEqual([36, 30, 30]);
    expect(got.powerKw).toBe(21.5);
  });
});

describe('effectiveCapacities: invariants', () => {
  const num = fc.double({ min: -200, max: 200, noNaN: false });
  const vec = fc.tuple(num, num, num);
  const opt = fc.option(num, { nil: undefined });
  it('never NaN, never negative, never above the static limit less margin plus PV', () => {
    fc.assert(
      fc.property(
        fc.record({
          limitA: fc.double({ min: 0, max: 500, noNaN: true }),
          marginA: fc.double({ min: 0, max: 10, noNaN: true }),
          limitKw: fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { nil: undefined }),
          meter: fc.boolean(),
          staleNonEvLoadA: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
        }),
        fc.record({
          emsLimitA: opt,
          emsLimitKw: opt,
          demandCapKw: opt,
          meterStale: fc.option(fc.boolean(), { nil: undefined }),
          load: fc.option(
            fc.record({ totalA: vec, evA: vec, totalKw: opt, evKw: opt, readAtMs: fc.constant(NOW_MS) }),
            { nil: undefined },
          ),
          pv: fc.option(fc.record({ phaseA: vec, powerKw: opt, readAtMs: fc.constant(NOW_MS) }), {
            nil: undefined,
          }),
        }),
        (c, inputs) => {
          const circuit: SiteCircuit = {
            ...SLM,
            ...c,
            meterId: c.meter ? 'm1' : undefined,
            pvMeterIds: ['pv1'],
          };
          const got = capacity(circuit, inputs);
          got.phaseA.forEach((a, p) => {
            expect(Number.isNaN(a)).toBe(false);
            expect(a).toBeGreaterThanOrEqual(0);
            const pvA =
              inputs.pv && Number.isFinite(inputs.pv.phaseA[p]) ? Math.max(0, inputs.pv.phaseA[p]!) : 0;
            expect(a).toBeLessThanOrEqual(Math.max(0, c.limitA - c.marginA + pvA) + 1e-9);
          });
          expect(Number.isNaN(got.powerKw)).toBe(false);
          expect(got.powerKw).toBeGreaterThanOrEqual(0);
          expect(got.source).toBeTruthy();
        },
      ),
    );
  });
});

describe('nextCapacityChangeMs', () => {
  it('is the nearest schedule boundary or meter timeout', () => {
    const cs = compileSite({
      timeZone: 'Europe/Berlin',
      circuits: [{ ...DLM, schedule: PEAK }],
      ports: [],
      meters: [METER],
    });
    const noReading = { circuits: new Map() };
    expect(nextCapacityChangeMs(cs, noReading, NOW_MS)).toBe(Date.parse('2026-03-30T16:00:00Z')); // 18:00 CEST
    const withReading = { circuits: new Map([['c', reading([0, 0, 0], [0, 0, 0])]]) };
    expect(nextCapacityChangeMs(cs, withReading, NOW_MS)).toBe(NOW_MS - 1_000 + 5_000 + 1);
  });

  it('is null for a site with nothing time-dependent', () => {
    const cs = compileSite({ timeZone: 'Europe/Berlin', circuits: [SLM], ports: [], meters: [] });
    expect(nextCapacityChangeMs(cs, { circuits: new Map() }, NOW_MS)).toBeNull();
  });
});

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e9) / 1e9 : x;
}
