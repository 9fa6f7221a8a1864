/** Operator overrides as a capacity input: they lower a limit until their end, never raise it. */
import { describe, expect, it } from 'vitest';
import { compileSite } from './compiled-site.ts';
import type { CircuitCapacityInputs, OperatorOverride } from './effective-capacity.ts';
import { effectiveCapacities, effectiveLimits, nextCapacityChangeMs } from './effective-capacity.ts';
import type { SiteCircuit, Supply } from './site.ts';

const SUPPLY: Supply = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] };
const NOW_MS = Date.parse('2026-03-30T08:00:00Z'); // Monday 10:00 in Berlin
const C: SiteCircuit = {
  id: 'c',
  parentId: null,
  limitA: 32,
  limitKw: 20,
  marginA: 2,
  supply: SUPPLY,
  schedule: {
    weekly: [{ days: ['mon'], from: '08:00', to: '18:00', limitA: 25, label: 'peak' }],
    exceptions: [],
  },
};
const cs = compileSite({ timeZone: 'Europe/Berlin', circuits: [C], ports: [], meters: [] });
const inputs = (overrides: OperatorOverride[], extra: CircuitCapacityInputs = {}) => ({
  circuits: new Map([['c', { overrides, ...extra }]]),
});
const o = (
  limitA: number | undefined,
  untilMs: number,
  source = 'override by alice until 12:00',
  limitKw?: number,
) => ({
  limitA,
  limitKw,
  untilMs,
  source,
});

describe('operator overrides', () => {
  it('lower the limit below the schedule until their end, and say so', () => {
    const i = inputs([o(16, NOW_MS + 3600_000)]);
    expect(effectiveCapacities(cs, i, NOW_MS).get('c')).toEqual({
      phaseA: [14, 14, 14],
      powerKw: 20,
      source: 'override by alice until 12:00',
    });
    expect(effectiveLimits(cs, i, NOW_MS).get('c')).toMatchObject({
      limitA: 16,
      sourceA: 'override by alice until 12:00',
    });
    // At its end the schedule is back in force.
    expect(effectiveCapacities(cs, i, NOW_MS + 3600_000).get('c')!.source).toBe("schedule 'peak'");
    expect(nextCapacityChangeMs(cs, i, NOW_MS)).toBe(NOW_MS + 3600_000);
  });

  it('never raise a limit: one above the schedule changes nothing', () => {
    const cap = effectiveCapacities(cs, inputs([o(30, NOW_MS + 3600_000)]), NOW_MS).get('c')!;
    expect(cap.phaseA).toEqual([23, 23, 23]);
    expect(cap.source).toBe("schedule 'peak'");
  });

  it('the lowest of several wins; an EMS command lower still wins over it; kW overrides lower kW', () => {
    const i = inputs([
      o(20, NOW_MS + 60_000, 'a'),
      o(12, NOW_MS + 120_000, 'b'),
      o(undefined, NOW_MS + 60_000, 'kw', 5),
    ]);
    const cap = effectiveCapacities(cs, i, NOW_MS).get('c')!;
    expect(cap.phaseA).toEqual([10, 10, 10]);
    expect(cap.powerKw).toBe(5);
    expect(cap.source).toBe('b + kw');
    const ems = inputs([o(12, NOW_MS + 120_000, 'b')], { emsLimitA: 8 });
    expect(effectiveCapacities(cs, ems, NOW_MS).get('c')!.phaseA).toEqual([6, 6, 6]);
  });
});
