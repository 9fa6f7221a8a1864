import { describe, expect, it } from 'vitest';
import { EmsLayoutError, buildEmsLayout, emsLayoutInputOf, layoutHash } from './ems-layout.ts';

describe('EMS layout', () => {
  const input = emsLayoutInputOf(
    [
      { id: 'carport', parent: 'grid', limitA: 80 },
      { id: 'grid', limitA: 250, limitKw: 160 },
    ],
    [{ id: 'a/1' }, { id: 'a/2' }],
  );

  it('numbers circuits in file order and takes the site limits from the root circuit', () => {
    expect(input.circuits.map((c) => c.id)).toEqual(['carport', 'grid']);
    expect([input.siteLimitA, input.siteLimitKw]).toEqual([250, 160]);
    const layout = buildEmsLayout(input);
    expect(layout.addresses.get(600)?.register.name).toBe('circuitLimitA');
    expect(layout.addresses.get(601)?.index).toBe(1);
    expect(layout.addresses.has(602)).toBe(false);
    expect(layout.addresses.get(1017)).toMatchObject({ index: 1, word: 1 });
    expect(layout.addresses.get(3019)?.register.name).toBe('sessionEnergyKwh');
    expect(layout.addresses.has(3020)).toBe(false);
  });

  it('has a hash that changes with the numbering', () => {
    const swapped = { ...input, ports: [{ id: 'a/2' }, { id: 'a/1' }] };
    expect(layoutHash(input)).toBe(layoutHash({ ...input }));
    expect(layoutHash(input)).not.toBe(layoutHash(swapped));
  });

  it('refuses a site larger than the map', () => {
    const ports = Array.from({ length: 2001 }, (_, i) => ({ id: `p${i}` }));
    expect(() => buildEmsLayout({ ...input, ports })).toThrow(EmsLayoutError);
  });
});
