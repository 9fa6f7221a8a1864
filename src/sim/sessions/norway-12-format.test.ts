import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/norway-12.csv', import.meta.url), 'utf8');

describe('Norway 12 locations CSV (quoted text, decimal comma, Europe/Oslo)', () => {
  const r = importSessionsText(text);

  it('reads quoted fields, local times and the decimal comma', () => {
    expect(r.format).toBe('norway-12');
    expect(r.sessions[0]).toEqual({
      id: 'ASK_18266',
      stationId: 'ASK_Plass15',
      siteId: 'ASK',
      arrivalMs: Date.parse('2019-11-28T18:08:00Z'),
      departureMs: Date.parse('2019-11-29T07:20:00Z'),
      energyKwh: 19.96,
    });
  });

  it('an ambiguous plug-out in the fall-back hour is settled by connection_time', () => {
    const s = r.sessions[1]!;
    expect(s.arrivalMs).toBe(Date.parse('2020-10-24T23:30:00Z'));
    expect(s.departureMs).toBe(Date.parse('2020-10-25T01:15:00Z')); // 1.75 h, the second 02:15
  });

  it('reports the DST gap, the NA plug-out and negative energy with their lines', () => {
    expect(r.sessions).toHaveLength(2);
    expect(r.problems).toEqual([
      { line: 4, message: 'arrival 2020-03-29 02:30 does not exist in Europe/Oslo (DST gap)' },
      { line: 5, message: 'no plugout_time (empty or NA): the session has no time there' },
      { line: 6, message: 'energy must be ≥ 0 kWh, got -1.5' },
    ]);
  });
});
