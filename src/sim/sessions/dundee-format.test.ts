import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/dundee.csv', import.meta.url), 'utf8');

describe('Dundee CSV (dd/mm/yyyy, Europe/London, unnamed trailing columns)', () => {
  const r = importSessionsText(text);

  it('reads day-first dates in BST and GMT, connector and quoted site', () => {
    expect(r.format).toBe('dundee');
    expect(r.sessions[0]).toEqual({
      id: '7751157',
      stationId: '50914',
      portId: '50914-1',
      siteId: 'Lochee Charging Hub, Dundee',
      arrivalMs: Date.parse('2018-09-06T22:55:00Z'),
      departureMs: Date.parse('2018-09-07T06:03:00Z'),
      energyKwh: 22.287,
    });
    expect(r.sessions[1]!.arrivalMs).toBe(Date.parse('2018-01-13T10:00:00Z'));
  });

  it('reports the empty end, negative energy, an impossible date and a zero-length session', () => {
    expect(r.sessions).toHaveLength(2);
    expect(r.problems).toEqual([
      { line: 3, message: 'no end date/time (session has no departure)' },
      { line: 4, message: 'energy must be ≥ 0 kWh, got -8.22' },
      { line: 6, message: 'Start Date Start Time is not a real date and time: "31/02/2018 10:00"' },
      { line: 7, message: 'departure 2018-01-14 10:00 equals arrival 2018-01-14 10:00' },
    ]);
  });
});
