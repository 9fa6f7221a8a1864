import { describe, expect, it } from 'vitest';
import { planReads } from './read-plan.ts';
import { registerMapSchema } from './register-map.ts';

const map = (extra: object, points: object) => registerMapSchema.parse({ ...extra, points });

describe('read plan', () => {
  it('merges adjacent registers only, per table, with scale-factor registers included', () => {
    const plan = planReads(
      map(
        {},
        {
          currentA: [
            { address: 10, type: 'u16', scaleFactor: { address: 13 } },
            { address: 11, type: 'u16' },
            null,
          ],
          powerKw: { address: 20, type: 'f32', function: 'input' },
          energyImportKwh: { address: 14, type: 'u64' },
        },
      ),
    );
    expect(plan).toEqual([
      { function: 'holding', address: 10, count: 2 },
      { function: 'holding', address: 13, count: 5 },
      { function: 'input', address: 20, count: 2 },
    ]);
  });

  it('spans gaps up to maxGap and splits at maxRead', () => {
    const points = {
      powerKw: { address: 0, type: 'f32' },
      energyImportKwh: { address: 40, type: 'f32' },
      energyExportKwh: { address: 100, type: 'f32' },
    };
    expect(planReads(map({ maxGap: 60 }, points))).toEqual([{ function: 'holding', address: 0, count: 102 }]);
    expect(planReads(map({ maxGap: 60, maxRead: 50 }, points))).toEqual([
      { function: 'holding', address: 0, count: 42 },
      { function: 'holding', address: 100, count: 2 },
    ]);
  });
});
