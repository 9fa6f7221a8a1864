import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSessionsText } from './import-sessions.ts';

const text = readFileSync(new URL('./fixtures/fusebox.csv', import.meta.url), 'utf8');

describe("Fusebox's own session export (/api/v1/sessions.csv)", () => {
  const r = importSessionsText(text);

  it('reads ISO instants, kWh, station and port', () => {
    expect(r.format).toBe('fusebox');
    expect(r.timeZone).toBeUndefined();
    expect(r.sessions[0]).toEqual({
      id: 's1',
      stationId: 'CP-1',
      portId: 'CP-1/1',
      arrivalMs: Date.parse('2026-11-20T08:00:00Z'),
      departureMs: Date.parse('2026-11-20T10:30:00Z'),
      energyKwh: 12.345,
    });
  });

  it("removes the export's formula defusing and keeps quoted text whole", () => {
    expect(r.sessions[1]).toEqual({
      id: '=s3',
      stationId: '@evil "station"',
      arrivalMs: Date.parse('2026-11-20T08:00:00Z'),
      departureMs: Date.parse('2026-11-20T08:30:00Z'),
      energyKwh: 0,
    });
  });

  it('an active session (no stoppedAt) and a bad time are problems', () => {
    expect(r.problems).toEqual([
      { line: 3, message: 'session still active (no stoppedAt): no departure to replay' },
      { line: 5, message: 'startedAt is not an ISO 8601 date-time with offset: "yesterday"' },
    ]);
  });
});
