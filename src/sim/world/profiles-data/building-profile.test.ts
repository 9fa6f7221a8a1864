import { readDataText } from '../../data-file.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACILITY_COLUMN, loadBuildingProfile, parseBuildingProfile } from './building-profile.ts';
import { profileAt } from './power-profile.ts';
import { datasetPath } from '../../testing/datasets.ts';

const DATA = datasetPath('site-profiles');
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An EnergyPlus-like hourly file whose value is the row index (0 = the hour ending 01/01 01:00). */
function syntheticFile(edit?: (lines: string[]) => void): string {
  const lines = [`Date/Time,${FACILITY_COLUMN},Fans:Electricity [kW](Hourly)`];
  let i = 0;
  DAYS.forEach((n, m) => {
    for (let d = 1; d <= n; d++) {
      for (let h = 1; h <= 24; h++) {
        const stamp = ` ${String(m + 1).padStart(2, '0')}/${String(d).padStart(2, '0')}  ${String(h).padStart(2, '0')}:00:00`;
        lines.push(`${stamp},${i++},0.0`);
      }
    }
  });
  edit?.(lines);
  return lines.join('\n');
}

describe('building load profile (EnergyPlus hourly, hour-ending)', () => {
  it('the row ending 01:00 covers 00:00-01:00 local standard time', () => {
    const p = parseBuildingProfile(syntheticFile(), { timeZone: 'America/Los_Angeles', firstWeekday: 6 });
    expect(p.kw).toHaveLength(8760);
    // Sun 6 Jan 00:30 PST: the data's day 5 is a Friday, its nearest Sunday is day 7.
    expect(profileAt(p, Date.parse('2019-01-06T08:30:00Z'))).toBe(7 * 24);
    expect(profileAt(p, Date.parse('2019-01-06T07:59:00Z'))).toBe(6 * 24 + 23); // Sat 5 Jan 23:59 PST → day 6
    // Wed 10 July 12:30 PDT = 11:30 PST; the data's Wednesday nearest day 190 is day 192.
    expect(profileAt(p, Date.parse('2019-07-10T19:30:00Z'))).toBe(192 * 24 + 11);
  });

  it('scale multiplies, another column can be chosen', () => {
    const p = parseBuildingProfile(syntheticFile(), { timeZone: 'UTC', scale: 2, firstWeekday: 0 });
    expect(p.kw[10]).toBe(20);
    const fans = parseBuildingProfile(syntheticFile(), {
      timeZone: 'UTC',
      column: 'Fans:Electricity [kW](Hourly)',
    });
    expect(Math.max(...fans.kw)).toBe(0);
  });

  it('a missing hour, a bad number or a missing column is an error with the line', () => {
    expect(() =>
      parseBuildingProfile(
        syntheticFile((l) => l.splice(30, 1, l[31]!)),
        { timeZone: 'UTC' },
        'b.csv',
      ),
    ).toThrow(/^b\.csv: line 31: expected the hour ending "01\/02 {2}06:00:00", got "01\/02 {2}07:00:00"$/);
    expect(() =>
      parseBuildingProfile(
        syntheticFile((l) => (l[5] = ' 01/01  05:00:00,n/a,0')),
        { timeZone: 'UTC' },
        'b.csv',
      ),
    ).toThrow(/^b\.csv: line 6: Electricity:Facility \[kW\]\(Hourly\) must be a number ≥ 0, got "n\/a"$/);
    expect(() => parseBuildingProfile(syntheticFile(), { timeZone: 'UTC', column: 'Nope' }, 'b.csv')).toThrow(
      /no column "Nope"/,
    );
    expect(() =>
      parseBuildingProfile(
        syntheticFile((l) => l.pop()),
        { timeZone: 'UTC' },
        'b.csv',
      ),
    ).toThrow(/8760 hourly rows, got 8759/);
  });

  it('the real Los Angeles medium office: 8760 h, 18.8-226.0 kW, mean 76.1 kW, data year starting on a Sunday', () => {
    const path = join(DATA, 'building_medium_office_los_angeles_hourly.csv.gz');
    const p = loadBuildingProfile(path, { timeZone: 'America/Los_Angeles' });
    expect(Math.min(...p.kw)).toBeCloseTo(18.8, 1);
    expect(Math.max(...p.kw)).toBeCloseTo(226.0, 1);
    expect(p.kw.reduce((a, b) => a + b, 0) / 8760).toBeCloseTo(76.1, 1);
    expect(p.yearly?.firstWeekday).toBe(6);
    // Same row as the file's " 07/12  12:00:00" (day 192, hour ending 12), read straight from the text.
    const row = readDataText(path)
      .split('\n')
      .find((l) => l.startsWith(' 07/12  12:00:00'))!;
    expect(profileAt(p, Date.parse('2019-07-10T19:30:00Z'))).toBe(Number(row.split(',')[1]));
    // An office: Saturday noon well below Wednesday noon.
    expect(profileAt(p, Date.parse('2019-07-13T19:30:00Z'))).toBeLessThan(
      0.7 * profileAt(p, Date.parse('2019-07-10T19:30:00Z')),
    );
  });
});
