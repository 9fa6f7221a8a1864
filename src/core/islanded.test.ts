/** The islanded limit of a root circuit (docs/control.md, "Islanded operation"). */
import { describe, expect, it } from 'vitest';
import { compileSite } from './compiled-site.ts';
import type { CircuitCapacityInputs } from './effective-capacity.ts';
import { effectiveCapacities, effectiveLimits } from './effective-capacity.ts';

const SUPPLY = { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] as const };
const cs = compileSite({
  timeZone: 'UTC',
  circuits: [
    {
      id: 'main',
      parentId: null,
      limitA: 63,
      limitKw: 40,
      marginA: 0,
      supply: SUPPLY,
      islanded: { limitA: 25, limitKw: 15 },
    },
    { id: 'sub', parentId: 'main', limitA: 32, marginA: 0, supply: SUPPLY },
  ],
  ports: [],
  meters: [],
});
const NOW = Date.UTC(2025, 0, 6, 8);

function at(gridState: CircuitCapacityInputs['gridState']) {
  const inputs = { circuits: new Map([['main', { gridState }]]) };
  return {
    cap: effectiveCapacities(cs, inputs, NOW).get('main')!,
    limit: effectiveLimits(cs, inputs, NOW).get('main')!,
  };
}

describe('islanded limit', () => {
  it('on the grid: the static limit', () => {
    expect(at(undefined).cap).toEqual({ phaseA: [63, 63, 63], powerKw: 40, source: 'static limit' });
  });
  it('islanded: the islanded limit per phase and in kW, and the reason says so', () => {
    expect(at('islanded').cap).toEqual({ phaseA: [25, 25, 25], powerKw: 15, source: 'islanded' });
    expect(at('islanded').limit).toMatchObject({ limitA: 25, limitKw: 15, sourceA: 'islanded' });
  });
  it('grid state unknown (stale): the lower of the two', () => {
    expect(at('unknown').cap.phaseA).toEqual([25, 25, 25]);
    expect(at('unknown').cap.source).toBe('grid state unknown: islanded limit');
  });
});
