import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/perth-kinross.csv', import.meta.url), 'utf8');

describe('Perth & Kinross CSV (day/month swap for days 1-12)', () => {
  const r = importSessionsText(text);
  const byId = new Map(r.sessions.map((s) => [s.id, s]));

  it('reads a day above 12 as written', () => {
    expect(r.format).toBe('perth-kinross');
    expect(byId.get('1')).toEqual({
      id: '1',
      stationId: '51516',
      portId: '51516-2',
      siteId: 'Kinross Park and Ride, Kinross',
      arrivalMs: Date.parse('2019-08-31T22:26:00Z'),
      departureMs: Date.parse('2019-08-31T22:54:00Z'),
      energyKwh: 12.78,
    });
  });

  it('undoes the swap: 2019-12-08 is 12 August, and 2019-05-08 is 5 August (inside the period, still swapped)', () => {
    expect(byId.get('2')!.arrivalMs).toBe(Date.parse('2019-08-12T20:12:00Z'));
    expect(byId.get('3')!.arrivalMs).toBe(Date.parse('2019-08-05T19:26:00Z'));
  });

  it('a session over midnight whose end date alone was swapped (2018-01-10 = 1 October)', () => {
    expect(byId.get('4')!.arrivalMs).toBe(Date.parse('2018-09-30T22:50:00Z'));
    expect(byId.get('4')!.departureMs).toBe(Date.parse('2018-09-30T23:20:00Z'));
  });

  it('counts the repaired rows (a day equal to its month needs no repair)', () => {
    expect(byId.get('8')!.arrivalMs).toBe(Date.parse('2019-05-05T13:00:00Z'));
    expect(r.fixedRows).toBe(3);
    expect(r.notes[0]).toMatch(/^3 imported rows/);
  });

  it('rows still ending before they start, with no end, or with no such date are problems', () => {
    expect(r.problems).toEqual([
      { line: 6, message: 'departure 2019-08-20 13:00 is before arrival 2019-08-20 14:00' },
      { line: 7, message: 'no end date/time (session has no departure)' },
      { line: 8, message: 'Start Date Start Time is not a real date and time: "2019-02-30T00:00:00 14:00"' },
    ]);
  });
});
