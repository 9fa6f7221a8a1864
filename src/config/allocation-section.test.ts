/** The `site.allocation` settings: parsed into the core Site, bad values named with their position. */
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';

const text = (allocation: string): string =>
  [
    'site:',
    '  timeZone: Europe/Berlin',
    ...(allocation ? [`  allocation: ${allocation}`] : []),
    'circuits:',
    '  - { id: grid, kind: grid, limitA: 32 }',
  ].join('\n');

describe('site.allocation', () => {
  it('reaches the core site when given, and is absent otherwise (fair, linear)', () => {
    const given = loadSiteConfigText(text('{ mode: deadline, lineModel: phasor }'), 'site.yaml');
    expect(given.ok && given.compiled.site.allocation).toEqual({ mode: 'deadline', lineModel: 'phasor' });
    const none = loadSiteConfigText(text(''), 'site.yaml');
    expect(none.ok && none.compiled.site.allocation).toBeUndefined();
  });

  it.each([
    ['{ mode: fastest }', 'site.allocation.mode', "'fastest' is not an allocation mode: fair or deadline"],
    ['{ lineModel: exact }', 'site.allocation.lineModel', "'exact' is not a line model: linear or phasor"],
  ])('rejects %s with the field and line', (value, path, message) => {
    const r = loadSiteConfigText(text(value), 'site.yaml');
    expect(r.ok).toBe(false);
    const p = r.problems[0]!;
    expect({ path: p.path, message: p.message, line: p.line }).toEqual({ path, message, line: 3 });
  });
});
