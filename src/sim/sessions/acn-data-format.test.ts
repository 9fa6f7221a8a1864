import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/acn-data.csv', import.meta.url), 'utf8');

describe('ACN-Data CSV', () => {
  const r = importSessionsText(text);

  it('reads offsets, takes delivered energy as demand and keeps what claimed users asked for', () => {
    expect(r.format).toBe('acn-data');
    expect(r.timeZone).toBe('America/Los_Angeles');
    expect(r.sessions.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's7']);
    expect(r.sessions[0]).toEqual({
      id: 's1',
      stationId: 'CA-305',
      arrivalMs: Date.parse('2019-05-01T08:18:45Z'),
      departureMs: Date.parse('2019-05-01T22:52:36Z'),
      energyKwh: 44.069,
      estimatedDepartureMs: Date.parse('2019-05-01T16:20:45Z'),
      requestedEnergyKwh: 60,
    });
  });

  it('unclaimed sessions have no user inputs (the file copies delivered energy and departure)', () => {
    const s2 = r.sessions[1]!;
    expect(s2.estimatedDepartureMs).toBeUndefined();
    expect(s2.requestedEnergyKwh).toBeUndefined();
  });

  it('the offset tells the two 01:xx hours of the DST fall-back apart', () => {
    const s3 = r.sessions[2]!;
    expect(s3.arrivalMs).toBe(Date.parse('2019-11-03T08:30:00Z'));
    expect(s3.departureMs).toBe(Date.parse('2019-11-03T09:10:00Z'));
    expect(s3.requestedEnergyKwh).toBe(5);
  });

  it('reports bad rows with their line numbers (the BOM does not shift them)', () => {
    expect(r.problems.map((p) => p.line)).toEqual([5, 6, 7]);
    expect(r.problems[0]!.message).toMatch(/^departure 2019-05-01T14:00:00.000Z is before arrival/);
    expect(r.problems[1]!.message).toBe('delivered_energy (kWh) is not a number: "abc"');
    expect(r.problems[2]!.message).toMatch(/^arrival is not an ISO 8601 date-time with offset/);
  });
});
