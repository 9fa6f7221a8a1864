import { describe, expect, it } from 'vitest';
import type { LimitContext, SimProfile } from './ocpp-station-profiles.ts';
import { SimProfileStore } from './ocpp-station-profiles.ts';

const base: SimProfile = {
  id: 1,
  purpose: 'TxDefaultProfile',
  stackLevel: 0,
  connectorId: 1,
  kind: 'Absolute',
  startScheduleMs: 0,
  unit: 'A',
  periods: [{ startPeriodS: 0, limit: 16 }],
  receivedMs: 0,
};
const ctx = (over: Partial<LimitContext> = {}): LimitContext => ({
  nowMs: 1000,
  connectorId: 1,
  voltageV: 230,
  phasesInUse: 3,
  ...over,
});

describe('SimProfileStore', () => {
  it('applies the default, overridden by the running transaction’s TxProfile', () => {
    const s = new SimProfileStore();
    expect(s.limitA(ctx())).toBeUndefined();
    s.set(base, undefined);
    expect(s.limitA(ctx())).toBe(16);
    expect(
      s.set({ ...base, id: 2, purpose: 'TxProfile', periods: [{ startPeriodS: 0, limit: 8 }] }, undefined),
    ).toBe('Rejected');
    expect(
      s.set(
        {
          ...base,
          id: 2,
          purpose: 'TxProfile',
          transactionId: 't1',
          periods: [{ startPeriodS: 0, limit: 20 }],
        },
        't1',
      ),
    ).toBe('Accepted');
    expect(s.limitA(ctx({ transactionId: 't1' }))).toBe(20);
    expect(s.limitA(ctx({ transactionId: 't2' }))).toBe(16);
    s.endTransaction(1);
    expect(s.limitA(ctx({ transactionId: 't1' }))).toBe(16);
  });

  it('falls back to the default when a TxProfile expires', () => {
    const s = new SimProfileStore();
    s.set(base, undefined);
    s.set(
      {
        ...base,
        id: 2,
        purpose: 'TxProfile',
        durationS: 60,
        validToMs: 60_000,
        periods: [{ startPeriodS: 0, limit: 6 }],
      },
      't',
    );
    expect(s.limitA(ctx({ transactionId: 't', nowMs: 59_000 }))).toBe(6);
    expect(s.limitA(ctx({ transactionId: 't', nowMs: 60_000 }))).toBe(16);
  });

  it('caps with the station maximum and prefers higher stack levels', () => {
    const s = new SimProfileStore();
    s.set(base, undefined);
    s.set({ ...base, id: 3, stackLevel: 1, periods: [{ startPeriodS: 0, limit: 24 }] }, undefined);
    expect(s.limitA(ctx())).toBe(24);
    s.set(
      {
        ...base,
        id: 4,
        purpose: 'ChargePointMaxProfile',
        connectorId: 0,
        periods: [{ startPeriodS: 0, limit: 10 }],
      },
      undefined,
    );
    expect(s.limitA(ctx())).toBe(10);
  });

  it('turns a W limit into A per phase on the phases in use', () => {
    const s = new SimProfileStore();
    s.set({ ...base, unit: 'W', periods: [{ startPeriodS: 0, limit: 11_040, numberPhases: 3 }] }, undefined);
    expect(s.limitA(ctx())).toBeCloseTo(16);
    expect(s.limitA(ctx({ phasesInUse: 1 }))).toBeCloseTo(48);
  });

  it('replaces a profile with the same id and clears by criteria', () => {
    const s = new SimProfileStore();
    s.set(base, undefined);
    s.set({ ...base, periods: [{ startPeriodS: 0, limit: 12 }] }, undefined);
    expect(s.all()).toHaveLength(1);
    expect(s.limitA(ctx())).toBe(12);
    expect(s.clear({ purpose: 'TxProfile' })).toBe('Unknown');
    expect(s.clear({ connectorId: 1 })).toBe('Accepted');
    expect(s.limitA(ctx())).toBeUndefined();
  });
});
