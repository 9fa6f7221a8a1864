import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/trondheim.csv', import.meta.url), 'utf8');

describe('Trondheim CSV (semicolons, decimal comma, Europe/Oslo, BOM, CRLF)', () => {
  const r = importSessionsText(text);
  const byId = new Map(r.sessions.map((s) => [s.id, s]));

  it('reads local winter time as CET and the decimal comma', () => {
    expect(r.format).toBe('norway-trondheim');
    expect(r.timeZone).toBe('Europe/Oslo');
    expect(byId.get('1')).toEqual({
      id: '1',
      stationId: 'AdO3-4',
      siteId: 'AdO3',
      arrivalMs: Date.parse('2018-12-21T09:20:00Z'),
      departureMs: Date.parse('2018-12-21T09:23:00Z'),
      energyKwh: 0.3,
    });
  });

  it('a shared charge point is named by Shared_ID', () => {
    expect(byId.get('2')!.stationId).toBe('Shared-7');
    expect(byId.get('2')!.energyKwh).toBeCloseTo(11.85, 9);
  });

  it('an end in the repeated hour of the fall-back takes the reading that matches Duration_hours', () => {
    // 01:40 CEST → 02:30: 50 min if CEST, 1 h 50 if CET; the file says 1.8333 h.
    expect(byId.get('3')!.arrivalMs).toBe(Date.parse('2019-10-26T23:40:00Z'));
    expect(byId.get('3')!.departureMs).toBe(Date.parse('2019-10-27T01:30:00Z'));
  });

  it('with no duration, both ends ambiguous: the earliest reading with departure after arrival', () => {
    expect(byId.get('4')!.arrivalMs).toBe(Date.parse('2019-10-27T00:10:00Z'));
    expect(byId.get('4')!.departureMs).toBe(Date.parse('2019-10-27T00:20:00Z'));
  });

  it('says how many DST-ambiguous rows were read, and how', () => {
    expect(r.notes).toEqual([
      '1 row(s) had a time in the repeated DST hour of Europe/Oslo; the stated duration chose the reading',
      '1 row(s) had a time in the repeated DST hour of Europe/Oslo; the earliest reading with departure after arrival was used',
    ]);
  });

  it('reports a time in the spring-forward gap, an NA end and numbers that are not decimal-comma numbers', () => {
    expect(r.problems).toEqual([
      { line: 6, message: 'arrival 2019-03-31 02:30 does not exist in Europe/Oslo (DST gap)' },
      { line: 7, message: 'no End_plugout (empty or NA): the session has no time there' },
      { line: 9, message: 'El_kWh is not a number: "1 234,5"' },
    ]);
    // 2.5 with a decimal point is still read: some exports mix both.
    expect(byId.get('7')!.energyKwh).toBe(2.5);
  });
});
