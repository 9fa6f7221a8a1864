/** `site.allocation.planner`: parsed into the core Site in ms, bad values named with their position. */
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';

const TARIFF = [
  'tariff:',
  '  currency: USD',
  '  demand: { windowMin: 15 }',
  '  seasons:',
  '    - name: all',
  '      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]',
  '      demandPerKw: 15',
  '      prices:',
  "        - { days: [weekdays, weekends], bands: [{ from: '00:00', perKwh: 0.1 }] }",
];

const text = (planner: string, tariff = true): string =>
  [
    'site:',
    '  timeZone: Europe/Berlin',
    '  allocation:',
    `    planner: ${planner}`,
    'circuits:',
    '  - { id: grid, kind: grid, limitA: 32 }',
    ...(tariff ? TARIFF : []),
  ].join('\n');

describe('site.allocation.planner', () => {
  it('reaches the core site in ms, with 24 h and 15 min by default; enabled: false is off', () => {
    const given = loadSiteConfigText(text('{ horizonH: 12, slotMin: 5 }'), 'site.yaml');
    expect(given.ok && given.compiled.site.allocation?.planner).toEqual({
      horizonMs: 12 * 3_600_000,
      slotMs: 5 * 60_000,
    });
    const defaults = loadSiteConfigText(text('{}'), 'site.yaml');
    expect(defaults.ok && defaults.compiled.site.allocation?.planner).toEqual({
      horizonMs: 24 * 3_600_000,
      slotMs: 15 * 60_000,
    });
    const off = loadSiteConfigText(text('{ enabled: false }'), 'site.yaml');
    expect(off.ok && off.compiled.site.allocation?.planner).toBeUndefined();
  });

  it.each([
    ['{ slotMin: 7 }', 'site.allocation.planner.slotMin', 'must divide an hour'],
    ['{ horizonH: 600 }', 'site.allocation.planner.horizonH', 'must be at most 168 h'],
    ['{ enabled: yes please }', 'site.allocation.planner.enabled', 'expected true or false'],
    ['{ slotMin: 30 }', 'site.allocation.planner.slotMin', "does not divide the tariff's demand window"],
  ])('rejects %s with the field, line and column', (value, path, message) => {
    const r = loadSiteConfigText(text(value), 'site.yaml');
    expect(r.ok).toBe(false);
    const p = r.problems.find((x) => x.severity === 'error')!;
    expect(p.path).toBe(path);
    expect(p.message).toContain(message);
    expect(p.line).toBe(4);
    expect(p.column).toBeGreaterThan(4);
  });

  it('warns that without a tariff it plans for energy alone', () => {
    const r = loadSiteConfigText(text('{}', false), 'site.yaml');
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.severity, p.path, p.message])).toContainEqual([
      'warning',
      'site.allocation.planner',
      'without a tariff section the planner plans for energy alone (every kWh costs 0)',
    ]);
  });
});
