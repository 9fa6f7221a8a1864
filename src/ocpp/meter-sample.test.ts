import { describe, expect, it } from 'vitest';
import type { MeterSample } from './meter-sample.ts';
import { conductorCurrents, parseMeterValue } from './meter-sample.ts';

describe('parseMeterValue', () => {
  it('skips values that overflow to Infinity once scaled or summed (found by fuzzing)', () => {
    const big = 1e308;
    const s = parseMeterValue({
      timestamp: '2025-01-01T10:00:00Z',
      sampledValue: [
        // 2.0.1: a schema-valid number whose multiplier or kWh scale overflows
        {
          value: big,
          measurand: 'Energy.Active.Import.Register',
          unitOfMeasure: { unit: 'Wh', multiplier: 3 },
        },
        { value: big, measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A', multiplier: 1 } },
        { value: 10, measurand: 'Current.Import', phase: 'L2' },
        // finite each, infinite once summed or averaged
        { value: big, measurand: 'Power.Active.Import', phase: 'L1' },
        { value: big, measurand: 'Power.Active.Import', phase: 'L2' },
        { value: big, measurand: 'Voltage', phase: 'L1-N' },
        { value: big, measurand: 'Voltage', phase: 'L2-N' },
        { value: '1e308', measurand: 'SoC', unit: 'kWh' },
      ],
    });
    expect(s.energyWh).toBeUndefined();
    expect(s.phaseCurrentA).toEqual([undefined, 10, undefined]);
    expect(s.powerW).toBeUndefined();
    expect(s.voltageV).toBeUndefined();
    expect(s.socPct).toBeUndefined();
  });

  it('reads OCPP 1.6 text values with units and phases', () => {
    const s = parseMeterValue({
      timestamp: '2025-01-01T10:00:00Z',
      sampledValue: [
        {
          value: '12.345',
          measurand: 'Energy.Active.Import.Register',
          unit: 'kWh',
          context: 'Transaction.Begin',
        },
        { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' },
        { value: '10.5', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
        { value: '10.1', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
        { value: '0.2', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
        { value: '231', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
        { value: '399', measurand: 'Voltage', phase: 'L1-L2', unit: 'V' },
        { value: '55', measurand: 'SoC', unit: 'Percent', location: 'EV' },
        { value: '31', measurand: 'Temperature', location: 'Body', unit: 'Celsius' },
        { value: 'AB12', format: 'SignedData' },
      ],
    });
    expect(s.atMs).toBe(Date.parse('2025-01-01T10:00:00Z'));
    expect(s.energyWh).toBeCloseTo(12_345);
    expect(s.powerW).toBe(7200);
    expect(s.phaseCurrentA).toEqual([10.5, 10.1, 0.2]);
    expect(s.voltageV).toBe(231);
    expect(s.socPct).toBe(55);
    expect(s.context).toBe('Transaction.Begin');
  });

  it('reads OCPP 2.0.1 numbers with unit multipliers and the default measurand', () => {
    const s = parseMeterValue({
      timestamp: '2025-01-01T10:00:00Z',
      sampledValue: [
        { value: 1.5, unitOfMeasure: { unit: 'kWh', multiplier: 1 } },
        { value: 3.68, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
      ],
    });
    expect(s.energyWh).toBe(15_000);
    expect(s.powerW).toBeCloseTo(3680);
  });

  it('sums per-phase energy and power when no total is sent', () => {
    const s = parseMeterValue({
      timestamp: '2025-01-01T10:00:00Z',
      sampledValue: [
        { value: '100', phase: 'L1' },
        { value: '200', phase: 'L2' },
        { value: '1000', measurand: 'Power.Active.Import', phase: 'L1-N' },
      ],
    });
    expect(s.energyWh).toBe(300);
    expect(s.powerW).toBe(1000);
  });
});

type Three = [number | undefined, number | undefined, number | undefined];
const sample = (phaseCurrentA: readonly (number | undefined)[], unphasedCurrentA?: number): MeterSample => ({
  ...parseMeterValue({ timestamp: '2025-01-01T10:00:00Z', sampledValue: [] }),
  phaseCurrentA: [phaseCurrentA[0], phaseCurrentA[1], phaseCurrentA[2]] as Three,
  unphasedCurrentA,
});

describe('conductorCurrents', () => {
  it.each([
    ['three-phase car', [16, 15.8, 16.1], 3, [true, true, true]],
    ['single-phase car on a three-phase port', [16, 0.1, 0], 3, [true, false, false]],
    ['two-phase car', [12, 12, 0.3], 3, [true, true, false]],
    ['a paused car tells nothing', [0.2, 0.1, 0], 3, undefined],
    ['an unreported conductor counts as in use', [16, undefined, 0], 3, [true, true, false]],
  ] as const)('%s', (_what, currents, conductors, inUse) => {
    expect(conductorCurrents(sample([...currents]), conductors).conductorsInUse).toEqual(inUse);
  });

  it('spreads an unphased current over every conductor of a three-phase port', () => {
    const c = conductorCurrents(sample([undefined, undefined, undefined], 10), 3);
    expect(c.currentA).toEqual([10, 10, 10]);
    expect(c.conductorsInUse).toEqual([true, true, true]);
    expect(c.maxCurrentA).toBe(10);
  });

  it('takes L1 or the unphased value for a single-conductor port', () => {
    expect(conductorCurrents(sample([undefined, undefined, undefined], 7), 1).currentA).toEqual([7]);
    expect(conductorCurrents(sample([9, undefined, undefined]), 1).currentA).toEqual([9]);
  });
});
