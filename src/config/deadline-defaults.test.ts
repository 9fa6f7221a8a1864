/**
 * Deadline mode's assumptions for cars that do not say (site.allocation.defaultStayH / defaultEnergyKwh,
 * per station or port stayH / energyKwh): reach the core in its units; bad values are named with their path.
 */
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';

const HOUR = 3_600_000;

const text = (allocation: string, station = '{ id: cp1, circuit: grid, ports: 2 }'): string =>
  [
    'site:',
    '  timeZone: Europe/Berlin',
    `  allocation: ${allocation}`,
    'circuits:',
    '  - { id: grid, kind: grid, limitA: 32 }',
    'stations:',
    `  - ${station}`,
  ].join('\n');

describe('deadline defaults in the site file', () => {
  it('reach the core site in ms and kWh; a station and a port override them', () => {
    const r = loadSiteConfigText(
      text(
        '{ mode: deadline, defaultStayH: 8, defaultEnergyKwh: 20 }',
        '{ id: cp1, circuit: grid, stayH: 0.5, ports: [{}, { energyKwh: 7.5, stayH: 2 }] }',
      ),
      'site.yaml',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.compiled.site.allocation).toEqual({
      mode: 'deadline',
      defaultStayMs: 8 * HOUR,
      defaultEnergyKwh: 20,
    });
    const [a, b] = r.compiled.site.ports;
    expect([a!.stayMs, a!.energyKwh]).toEqual([HOUR / 2, undefined]);
    expect([b!.stayMs, b!.energyKwh]).toEqual([2 * HOUR, 7.5]);
  });

  it('leaves them unknown when not given', () => {
    const r = loadSiteConfigText(text('{ mode: deadline }'), 'site.yaml');
    expect(r.ok && r.compiled.site.allocation).toEqual({ mode: 'deadline' });
    expect(
      r.ok && r.compiled.site.ports.every((p) => p.stayMs === undefined && p.energyKwh === undefined),
    ).toBe(true);
  });

  it('warns, without failing, where they can do nothing (not deadline mode)', () => {
    const r = loadSiteConfigText(
      text('{ defaultStayH: 8 }', '{ id: cp1, circuit: grid, ports: [{ energyKwh: 5 }] }'),
      'site.yaml',
    );
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.severity, p.path, p.line])).toEqual([
      ['warning', 'site.allocation.defaultStayH', 3],
      ['warning', 'stations[0].ports[0].energyKwh', 7],
    ]);
    expect(r.problems[0]!.message).toBe(
      'has no effect: only deadline mode (site.allocation.mode: deadline) and the planner use it',
    );
  });

  it.each([
    ['{ defaultStayH: 0 }', undefined, 'site.allocation.defaultStayH', 'must be more than 0 h', 3],
    [
      '{ defaultStayH: 480 }',
      undefined,
      'site.allocation.defaultStayH',
      'must be at most 168 h (a week): give hours, not minutes',
      3,
    ],
    [
      '{ defaultStayH: "8h" }',
      undefined,
      'site.allocation.defaultStayH',
      'expected a number of hours such as 8 or 0.5',
      3,
    ],
    [
      '{ defaultEnergyKwh: 20000 }',
      undefined,
      'site.allocation.defaultEnergyKwh',
      'must be at most 1000 kWh: give kWh, not Wh',
      3,
    ],
    [
      '{ mode: deadline }',
      '{ id: cp1, circuit: grid, stayH: -1 }',
      'stations[0].stayH',
      'must be more than 0 h',
      7,
    ],
    [
      '{ mode: deadline }',
      '{ id: cp1, circuit: grid, ports: [{ energyKwh: 0 }] }',
      'stations[0].ports[0].energyKwh',
      'must be more than 0 kWh',
      7,
    ],
  ])('rejects %s %s with the field and line', (allocation, station, path, message, line) => {
    const r = loadSiteConfigText(text(allocation, station), 'site.yaml');
    expect(r.ok).toBe(false);
    const p = r.problems[0]!;
    expect({ path: p.path, message: p.message, line: p.line }).toEqual({ path, message, line });
  });
});
