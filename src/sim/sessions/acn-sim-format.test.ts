import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/acn-sim.csv', import.meta.url), 'utf8');

describe('ACN-Sim case-study CSV', () => {
  const r = importSessionsText(text);

  it('turns 5-minute periods from 2019-03-01T08:00Z into instants, with max power', () => {
    expect(r.format).toBe('acn-sim');
    expect(r.sessions[0]).toEqual({
      id: 'a1',
      stationId: 'CA-315',
      arrivalMs: Date.parse('2019-03-01T14:20:00Z'),
      departureMs: Date.parse('2019-03-01T15:40:00Z'),
      energyKwh: 4.216,
      maxPowerKw: 6.6,
      estimatedDepartureMs: Date.parse('2019-03-01T15:40:00Z'),
    });
  });

  it('periods are epoch-based: 10 days later is the same UTC hour although Pasadena went to DST', () => {
    const a2 = r.sessions[1]!;
    expect(a2.arrivalMs).toBe(Date.parse('2019-03-11T08:00:00Z'));
    expect(a2.departureMs).toBe(Date.parse('2019-03-11T09:40:00Z'));
    expect(a2.estimatedDepartureMs).toBe(Date.parse('2019-03-11T08:50:00Z'));
  });

  it('reports zero-length, fractional periods, a UTC column that disagrees and negative energy', () => {
    expect(r.sessions).toHaveLength(2);
    expect(r.problems.map((p) => p.line)).toEqual([4, 5, 6, 7]);
    expect(r.problems[0]!.message).toMatch(/equals arrival/);
    expect(r.problems[1]!.message).toBe('arrival_period must be a whole number ≥ 0, got 76.5');
    expect(r.problems[2]!.message).toMatch(
      /arrival_utc "2019-03-01T15:20:00Z" disagrees with arrival_period/,
    );
    expect(r.problems[3]!.message).toBe('energy must be ≥ 0 kWh, got -2');
  });
});
