import { readDataText } from '../../data-file.ts';
import { describe, expect, it } from 'vitest';
import { loadBdewProfile, parseBdewProfile } from './bdew-profile.ts';
import { profileAt, profileEnergyKwh } from './power-profile.ts';
import { datasetPath } from '../../testing/datasets.ts';

const PATH = datasetPath('site-profiles/bdew_standard_load_profiles_15min_typical_days.csv.gz');
const BERLIN = 'Europe/Berlin';

/** The shape value of a profile column for (period, weekday, HH:MM), read straight from the file text. */
function shape(period: string, weekday: number, hhmm: string, column: string): number {
  const lines = readDataText(PATH).split('\n');
  const header = lines[0]!.split(',');
  const line = lines.find((l) => {
    const f = l.split(',');
    return f[1] === period && f[2] === String(weekday) && f[0]!.endsWith(` ${hhmm}:00`);
  })!;
  return Number(line.split(',')[header.indexOf(column)]);
}

describe('BDEW standard load profiles', () => {
  const g0 = loadBdewProfile(PATH, { profile: 'g0', annualKwh: 100_000, timeZone: BERLIN, year: 2019 });

  it('scaled to the annual energy', () => {
    expect(g0.kw).toHaveLength(365 * 96);
    expect(profileEnergyKwh(g0)).toBeCloseTo(100_000, 6);
  });

  it('a winter Wednesday and Sunday follow the file shapes, in local legal time', () => {
    const wed = profileAt(g0, Date.parse('2019-01-09T11:00:00Z')); // 12:00 CET
    const sun = profileAt(g0, Date.parse('2019-01-13T11:00:00Z'));
    expect(wed / sun).toBeCloseTo(shape('winter', 1, '12:00', 'g0') / shape('winter', 7, '12:00', 'g0'), 9);
    const summer = profileAt(g0, Date.parse('2019-07-10T10:00:00Z')); // 12:00 CEST
    expect(summer / wed).toBeCloseTo(
      shape('summer', 3, '12:00', 'g0') / shape('winter', 1, '12:00', 'g0'),
      9,
    );
  });

  it('seasons change on 21 March and 15 May; a holiday is a Sunday', () => {
    const at = (iso: string) => profileAt(g0, Date.parse(iso));
    // Wed 20 March (winter) and Thu 21 March (transition), 08:00 CET.
    expect(at('2019-03-20T07:00:00Z') / at('2019-03-21T07:00:00Z')).toBeCloseTo(
      shape('winter', 1, '08:00', 'g0') / shape('transition', 1, '08:00', 'g0'),
      9,
    );
    const h = loadBdewProfile(PATH, {
      profile: 'g0',
      annualKwh: 100_000,
      timeZone: BERLIN,
      year: 2019,
      holidays: ['2019-01-09'],
    });
    const ratio =
      profileAt(h, Date.parse('2019-01-09T11:00:00Z')) / profileAt(h, Date.parse('2019-01-13T11:00:00Z'));
    expect(ratio).toBeCloseTo(1, 9);
  });

  it('h0 gets the dynamisation factor: mid-winter days weigh more than mid-summer ones at the same shape', () => {
    const h0 = loadBdewProfile(PATH, { profile: 'h0', annualKwh: 3500, timeZone: BERLIN, year: 2019 });
    expect(profileEnergyKwh(h0)).toBeCloseTo(3500, 6);
    const jan = profileAt(h0, Date.parse('2019-01-09T11:00:00Z')) / shape('winter', 1, '12:00', 'h0');
    const dec = profileAt(h0, Date.parse('2019-12-11T11:00:00Z')) / shape('winter', 3, '12:00', 'h0');
    const nov = profileAt(h0, Date.parse('2019-11-06T11:00:00Z')) / shape('winter', 3, '12:00', 'h0');
    expect(jan).toBeGreaterThan(nov); // the factor falls from January towards summer and rises again
    expect(dec).toBeGreaterThan(nov);
  });

  it('unknown profile, bad energy and an incomplete file are errors', () => {
    const text = readDataText(PATH);
    // @ts-expect-error: a profile name the type does not allow, as from a config file
    expect(() => parseBdewProfile(text, { profile: 'x9', annualKwh: 1, timeZone: BERLIN })).toThrow(
      /profile must be one of h0, g0/,
    );
    expect(() => parseBdewProfile(text, { profile: 'g0', annualKwh: 0, timeZone: BERLIN })).toThrow(
      /annualKwh must be > 0/,
    );
    const cut = text.split('\n').slice(0, 100).join('\n');
    expect(() => parseBdewProfile(cut, { profile: 'g0', annualKwh: 1, timeZone: BERLIN }, 'b.csv')).toThrow(
      /^b\.csv: winter weekday 1 does not have all 96 quarter-hours$/,
    );
  });
});
