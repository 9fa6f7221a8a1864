import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/generic.csv', import.meta.url), 'utf8');

describe('generic CSV', () => {
  const r = importSessionsText(text);

  it('reads offsets on both sides of a DST change, and the optional columns', () => {
    expect(r.format).toBe('generic');
    expect(r.sessions[0]).toEqual({
      id: 'g1',
      stationId: 'EV-1',
      arrivalMs: Date.parse('2026-03-28T23:30:00Z'),
      departureMs: Date.parse('2026-03-29T07:00:00Z'),
      energyKwh: 20.5,
      maxPowerKw: 7.4,
      estimatedDepartureMs: Date.parse('2026-03-29T06:00:00Z'),
    });
    expect(r.sessions[1]).toEqual({
      id: 'g2',
      stationId: 'EV-2',
      arrivalMs: Date.parse('2026-03-29T06:00:00Z'),
      departureMs: Date.parse('2026-03-29T07:00:00Z'),
      energyKwh: 5,
    });
  });

  it('keeps a quoted station name with a comma, quotes and a line break', () => {
    expect(r.sessions[2]!.id).toBe('g8');
    expect(r.sessions[2]!.stationId).toBe('EV 4, bay "north"\n(second line of a quoted name)');
    expect(r.sessions[2]!.maxPowerKw).toBe(11);
  });

  it('reports every malformed row with its line, counting the line break inside quotes', () => {
    expect(r.sessions.map((s) => s.id)).toEqual(['g1', 'g2', 'g8']);
    expect(r.problems).toEqual([
      { line: 4, message: 'arrival is not an ISO 8601 date-time with offset: "2026-03-29T08:00:00"' },
      { line: 5, message: 'departure 2026-03-29T07:00:00.000Z is before arrival 2026-03-29T08:00:00.000Z' },
      { line: 6, message: 'energy_kwh is not a number: "NaN"' },
      { line: 7, message: 'missing station_id' },
      { line: 8, message: 'energy must be ≥ 0 kWh, got -1' },
      { line: 11, message: 'max power must be > 0 kW, got 0' },
      { line: 12, message: 'duplicate session id "g1" (first at line 2)' },
      { line: 13, message: 'missing departure' },
    ]);
  });
});
