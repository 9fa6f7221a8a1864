// Imports every real workload in datasets/ and checks the counts its READMEs give.
import { describe, expect, it } from 'vitest';
import { importSessionsFile } from './import-sessions.ts';
import type { ImportResult } from './sim-session.ts';
import { datasetPath } from '../testing/datasets.ts';

function load(rel: string): ImportResult {
  return importSessionsFile(datasetPath(rel));
}

const totalKwh = (r: ImportResult): number => r.sessions.reduce((a, s) => a + s.energyKwh, 0);
const countOf = (r: ImportResult, re: RegExp): number => r.problems.filter((p) => re.test(p.message)).length;

describe('real session files in datasets/', () => {
  it('the ACN-Sim case study: 954 sessions, 47 stations, 8900.5 kWh, 6.6 kW, March 2019', () => {
    const r = load('acn-sim-case-study/caltech_2019-03_acnsim_events_5min.csv.gz');
    expect(r.format).toBe('acn-sim');
    expect(r.problems).toEqual([]);
    expect(r.sessions).toHaveLength(954);
    expect(new Set(r.sessions.map((s) => s.stationId)).size).toBe(47);
    expect(totalKwh(r)).toBeCloseTo(8900.5, 0);
    expect(r.sessions.every((s) => s.maxPowerKw === 6.6 && s.estimatedDepartureMs === s.departureMs)).toBe(
      true,
    );
    const first = Math.min(...r.sessions.map((s) => s.arrivalMs));
    const last = Math.max(...r.sessions.map((s) => s.arrivalMs));
    expect(first).toBeGreaterThanOrEqual(Date.parse('2019-03-01T08:00:00Z'));
    expect(last).toBeLessThan(Date.parse('2019-04-01T07:00:00Z'));
  });

  it.each([
    ['acn/acn_caltech_2019-05-01_2019-08-31.csv.gz', 3527, 52, 3021, 29533],
    ['acn/acn_caltech_2019-09-01_2019-12-31.csv.gz', 3177, 51, 2636, 27974],
    ['acn/acn_caltech_2020-02-01_2020-05-31.csv.gz', 1269, 49, 1015, 9523],
    ['acn/acn_caltech_2021-05-01_2021-08-31.csv.gz', 1829, 40, 1645, 22784],
  ])(
    '%s: %i sessions, %i stations, %i claimed, %i kWh delivered',
    (file, sessions, stations, claimed, kwh) => {
      const r = load(file);
      expect(r.format).toBe('acn-data');
      expect(r.problems).toEqual([]);
      expect(r.sessions).toHaveLength(sessions);
      expect(new Set(r.sessions.map((s) => s.stationId)).size).toBe(stations);
      // Claimed sessions keep the user's estimated departure; unclaimed rows only copy the actual one.
      expect(r.sessions.filter((s) => s.estimatedDepartureMs !== undefined)).toHaveLength(claimed);
      expect(Math.abs(totalKwh(r) - kwh)).toBeLessThan(1);
    },
  );

  it('Trondheim: 6878 rows = sessions + problems, 24 garages, decimal comma read', () => {
    const r = load('norway/trondheim_ev_charging_reports.csv.gz');
    expect(r.format).toBe('norway-trondheim');
    expect(r.sessions.length + r.problems.length).toBe(6878);
    expect(r.problems.length).toBeLessThan(100);
    expect(new Set(r.sessions.map((s) => s.siteId)).size).toBe(24);
    expect(r.sessions.filter((s) => s.siteId === 'Bl2').length).toBeGreaterThan(2200);
    // Decimal comma: a mean of 10-15 kWh per home session, not 1000s (thousands separator misread).
    expect(totalKwh(r) / r.sessions.length).toBeGreaterThan(5);
    expect(totalKwh(r) / r.sessions.length).toBeLessThan(30);
    const first = Math.min(...r.sessions.map((s) => s.arrivalMs));
    expect(new Date(first).toISOString()).toBe('2018-12-21T09:20:00.000Z'); // 10:20 CET
    const last = Math.max(...r.sessions.map((s) => s.arrivalMs));
    expect(new Date(last).toISOString().slice(0, 10)).toBe('2020-01-31');
  });

  it('Norway 12 locations: 35377 rows = sessions + problems, 12 locations', () => {
    const r = load('norway/norway_12_locations_charging_reports.csv.gz');
    expect(r.format).toBe('norway-12');
    expect(r.sessions.length + r.problems.length).toBe(35377);
    expect(r.problems.length).toBeLessThan(100);
    const perSite = new Map<string, number>();
    for (const s of r.sessions) perSite.set(s.siteId ?? '', (perSite.get(s.siteId ?? '') ?? 0) + 1);
    expect(perSite.size).toBe(12);
    expect(new Set(r.sessions.map((s) => s.stationId)).size).toBe(267); // README: 267 users (parking spaces)
    const arrivals = r.sessions.map((s) => s.arrivalMs);
    expect(new Date(Math.min(...arrivals)).toISOString().slice(0, 10)).toBe('2018-02-06');
    expect(new Date(Math.max(...arrivals)).toISOString().slice(0, 10)).toBe('2021-08-05');
    // README: OSL_S 9757 sessions; only the rows reported as problems may be missing.
    expect(perSite.get('OSL_S')).toBeGreaterThan(9757 - r.problems.length - 1);
    expect(perSite.get('OSL_S')).toBeLessThanOrEqual(9757);
  });

  it('Dundee: 19227 rows, the 72 without an end are problems, the rest are sessions or reported', () => {
    const r = load('scotland/dundee_charge_sessions_2018-06_2018-09.csv.gz');
    expect(r.format).toBe('dundee');
    expect(r.sessions.length + r.problems.length).toBe(19227);
    expect(countOf(r, /no end/)).toBe(72);
    expect(new Set(r.sessions.map((s) => s.siteId)).size).toBe(27);
    for (const s of r.sessions) {
      expect(s.arrivalMs).toBeGreaterThanOrEqual(Date.parse('2018-06-05T23:00:00Z'));
      expect(s.arrivalMs).toBeLessThan(Date.parse('2018-09-07T00:00:00Z'));
    }
  });

  it('Perth & Kinross: 32711 rows; with the day/month swap undone every date is in Sep 2018-Aug 2019 and in order', () => {
    const r = load('scotland/perth_kinross_ev_chargestation_use_2018-09_2019-08.csv.gz');
    expect(r.format).toBe('perth-kinross');
    expect(r.sessions.length + r.problems.length).toBe(32711);
    expect(new Set(r.sessions.map((s) => s.siteId)).size).toBe(14);
    expect(r.fixedRows).toBeGreaterThan(5000);
    const from = Date.parse('2018-08-31T23:00:00Z');
    const to = Date.parse('2019-09-01T00:00:00Z');
    expect(r.sessions.filter((s) => s.arrivalMs < from || s.arrivalMs >= to)).toEqual([]);
    // The export lists sessions newest first by _id: any misread date breaks this order.
    const byId = [...r.sessions].sort((a, b) => Number(a.id) - Number(b.id));
    const outOfOrder = byId.filter((s, i) => i > 0 && s.arrivalMs > byId[i - 1]!.arrivalMs + 86_400_000);
    expect(outOfOrder).toEqual([]);
    // README: 128 rows have End < Start when read naively; nearly all are the swap, read correctly now.
    expect(countOf(r, /is before arrival/)).toBeGreaterThan(0);
    expect(countOf(r, /is before arrival/)).toBeLessThan(20);
    expect(countOf(r, /no end/)).toBe(105);
  });
});
