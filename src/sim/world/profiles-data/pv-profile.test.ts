import { readDataText } from '../../data-file.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileAt, profileEnergyKwh } from './power-profile.ts';
import { loadPvProfile, parsePvProfile } from './pv-profile.ts';
import { datasetPath } from '../../testing/datasets.ts';

const DATA = datasetPath('site-profiles');
const JPL = join(DATA, 'pv_jpl_220kWdc_sam_30min.csv.gz');
const LA = 'America/Los_Angeles';

/** The DC kW the file gives for a time stamp, read straight from the text. */
function rowValue(path: string, stamp: string): number {
  const line = readDataText(path)
    .split('\n')
    .find((l) => l.startsWith(`"${stamp}"`))!;
  return Number(line.split(',').pop());
}

describe('PV profile (SAM output)', () => {
  it('JPL 30-min: 17520 rows, max 201.9 kW DC; a stamp is the start of its interval in standard time', () => {
    const p = loadPvProfile(JPL, { timeZone: LA });
    expect(p.kw).toHaveLength(17520);
    expect(p.stepMs).toBe(30 * 60_000);
    expect(Math.max(...p.kw)).toBeCloseTo(201.9, 1);
    // 10 July 12:45 PDT = 11:45 PST → the "Jul 10, 11:30 am" interval.
    expect(profileAt(p, Date.parse('2019-07-10T19:45:00Z'))).toBe(rowValue(JPL, 'Jul 10, 11:30 am'));
    expect(profileAt(p, Date.parse('2019-07-10T08:00:00Z'))).toBe(0); // 00:00 PST
  });

  it('scale, inverter efficiency and the AC rating apply in that order', () => {
    const dc = loadPvProfile(JPL, { timeZone: LA });
    const ac = loadPvProfile(JPL, { timeZone: LA, scale: 0.5, inverterEfficiency: 0.9, acRatingKw: 80 });
    const i = dc.kw.indexOf(Math.max(...dc.kw));
    expect(ac.kw[i]).toBe(80); // 201.9 × 0.5 × 0.9 = 90.9, clipped
    const j = dc.kw.findIndex((v) => v > 20 && v < 100);
    expect(ac.kw[j]).toBeCloseTo(dc.kw[j]! * 0.45, 9);
  });

  it('Des Moines hourly: 8760 rows, max 255.0 kW DC, more energy in June than in December', () => {
    const path = join(DATA, 'pv_des_moines_270kWdc_sam.csv.gz');
    const p = loadPvProfile(path, { timeZone: 'America/Chicago' });
    expect(p.kw).toHaveLength(8760);
    expect(Math.max(...p.kw)).toBeCloseTo(255.0, 1);
    expect(profileAt(p, Date.parse('2019-06-15T18:30:00Z'))).toBe(rowValue(path, 'Jun 15, 12:00 pm')); // 13:30 CDT
    expect(profileEnergyKwh(p)).toBeGreaterThan(200_000);
  });

  it('a file that is not a whole year, or with a stamp out of sequence, is an error', () => {
    const head = '"Time stamp","Array DC power | (kW)"\n';
    expect(() =>
      parsePvProfile(`${head}"Jan 1, 12:00 am",0\n"Jan 1, 01:00 am",0\n`, { timeZone: LA }, 'pv.csv'),
    ).toThrow(/^pv\.csv: expected a whole year of 30-min or hourly rows, got 2 rows$/);
    const text = readDataText(JPL).replace('"Mar 3, 04:00 pm"', '"Mar 3, 04:00 am"');
    expect(() => parsePvProfile(text, { timeZone: LA }, 'pv.csv')).toThrow(
      /^pv\.csv: line \d+: time stamp "Mar 3, 04:00 am" is not 30 min after/,
    );
    expect(() => parsePvProfile(readDataText(JPL), { timeZone: LA, inverterEfficiency: 1.2 })).toThrow(
      /inverterEfficiency/,
    );
  });
});
