import { describe, expect, it } from 'vitest';
import { decodeReading } from './reading-decoder.ts';
import { imageOf } from './register-image.ts';
import { registerMapSchema } from './register-map.ts';
import type { RegisterMapInput } from './register-map.ts';

const decode = (m: RegisterMapInput, holding: number[], invert = false) =>
  decodeReading(
    registerMapSchema.parse(m),
    imageOf([{ function: 'holding', address: 0, values: holding }]),
    'm',
    5,
    { invert },
  );

// u16 currents at 0..2, s16 phase powers (W) at 3..5, energies u16 at 6 (import) and 7 (export).
const m: RegisterMapInput = {
  points: {
    currentA: [
      { address: 0, type: 'u16', scale: 0.1 },
      { address: 1, type: 'u16', scale: 0.1 },
      { address: 2, type: 'u16', scale: 0.1 },
    ],
    powerPhaseKw: [
      { address: 3, type: 's16', scale: 0.001 },
      { address: 4, type: 's16', scale: 0.001 },
      { address: 5, type: 's16', scale: 0.001 },
    ],
    energyImportKwh: { address: 6, type: 'u16' },
    energyExportKwh: { address: 7, type: 'u16' },
  },
};

describe('reading decoder', () => {
  it('signs currents from phase power and derives the total from complete phases', () => {
    const r = decode(m, [100, 50, 20, 2300, 0x10000 - 1150, 0, 7, 3]);
    expect(r.currentA).toEqual([10, -5, 2]);
    expect(r.powerPhaseKw).toEqual([2.3, -1.15, 0]);
    expect(r.powerKw).toBe(1.15);
    expect([r.energyImportKwh, r.energyExportKwh]).toEqual([7, 3]);
  });

  it('invert flips currents and powers and swaps the energy counters', () => {
    const r = decode(m, [100, 50, 20, 2300, 0x10000 - 1150, 0, 7, 3], true);
    expect(r.currentA).toEqual([-10, 5, -2]);
    expect(r.powerKw).toBe(-1.15);
    expect([r.energyImportKwh, r.energyExportKwh]).toEqual([3, 7]);
  });

  it('rejects out-of-range values and does not derive a total from an incomplete set', () => {
    const limited: RegisterMapInput = {
      ...m,
      points: { ...m.points, powerPhaseKw: [{ address: 3, type: 's16', scale: 0.001, max: 2 }, null, null] },
    };
    const r = decode(limited, [100, 50, 20, 2300, 0, 0, 7, 3]);
    expect(r.powerPhaseKw[0]).toBeNull();
    expect(r.powerKw).toBeNull();
    expect(r.rejected).toEqual([
      { quantity: 'powerPhaseKw[0]', reason: '2.3 is outside -100000..2', raw: 2300 },
    ]);
  });

  it('rejects device "not available" markers, SunSpec markers and bad scale factors', () => {
    const r = decode(
      {
        markers: 'sunspec',
        points: {
          currentA: [
            { address: 0, type: 'u16', notAvailable: [1234] },
            { address: 1, type: 'u16' },
            { address: 2, type: 's16', scaleFactor: { address: 3 } },
          ],
          voltageV: [{ address: 4, type: 's16' }, null, null],
        },
      },
      [1234, 0xffff, 5, 0x8000, 0x8000],
    );
    expect(r.currentA).toEqual([null, null, null]);
    expect(r.voltageV).toEqual([null, null, null]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'device marks it not available',
      'SunSpec "not implemented"',
      'invalid scale factor -32768',
      'SunSpec "not implemented"',
    ]);
  });

  it('names a register that was not read', () => {
    const r = decode({ points: { powerKw: { address: 50, type: 'u16' } } }, [1]);
    expect(r.rejected).toEqual([{ quantity: 'powerKw', reason: 'register 50 was not read' }]);
  });
});
