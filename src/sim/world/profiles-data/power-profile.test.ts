import { describe, expect, it } from 'vitest';
import { msIntoTypicalYear, profileAt, profileEnergyKwh, yearStartMs } from './power-profile.ts';

const DAY = 86_400_000;
const wall = (iso: string): number => Date.parse(`${iso}Z`);

describe('PowerProfile lookup', () => {
  it('a dated series is a step function and 0 outside its data', () => {
    const p = { startMs: 1_000, stepMs: 100, kw: new Float64Array([1, 2, 3]) };
    expect([999, 1000, 1099, 1100, 1299, 1300].map((t) => profileAt(p, t))).toEqual([0, 1, 1, 2, 3, 0]);
    expect(profileEnergyKwh({ startMs: 0, stepMs: 3_600_000, kw: new Float64Array([1, 2, 3]) })).toBe(6);
  });

  it('typical-year position by date; Feb 29 reads Feb 28 and March keeps its day', () => {
    expect(msIntoTypicalYear(wall('2019-01-01T00:30:00'))).toBe(30 * 60_000);
    expect(msIntoTypicalYear(wall('2024-02-29T10:00:00'))).toBe(
      msIntoTypicalYear(wall('2019-02-28T10:00:00')),
    );
    expect(msIntoTypicalYear(wall('2024-03-01T00:00:00'))).toBe(59 * DAY);
    expect(msIntoTypicalYear(wall('2019-12-31T23:00:00'))).toBe(364 * DAY + 23 * 3_600_000);
  });

  it('weekday-aligned: a date reads the nearest typical day with the same weekday', () => {
    // Data starting on a Sunday (6). 2019-07-10 is a Wednesday, day 190, which the data has as a Monday.
    expect(msIntoTypicalYear(wall('2019-07-10T11:00:00'), 6)).toBe(192 * DAY + 11 * 3_600_000);
    // 1 January 2019 (Tuesday) in data starting on Sunday: two days later, 3 January.
    expect(msIntoTypicalYear(wall('2019-01-01T00:00:00'), 6)).toBe(2 * DAY);
    // 31 December 2019 (Tuesday): day 364 is a Sunday in the data; +2 wraps back 52 weeks to day 2.
    expect(msIntoTypicalYear(wall('2019-12-31T00:00:00'), 6)).toBe(2 * DAY);
  });

  it('standard-time data ignores DST; legal-time data follows it', () => {
    const kw = new Float64Array(365 * 24).map((_, i) => i % 24);
    const std = {
      startMs: 0,
      stepMs: 3_600_000,
      kw,
      yearly: { timeZone: 'America/Los_Angeles', standardTime: true },
    };
    const legal = { ...std, yearly: { timeZone: 'America/Los_Angeles', standardTime: false } };
    const t = Date.parse('2019-07-10T19:30:00Z'); // 12:30 PDT = 11:30 PST
    expect(profileAt(std, t)).toBe(11);
    expect(profileAt(legal, t)).toBe(12);
    expect(profileAt(std, Date.parse('2019-01-10T19:30:00Z'))).toBe(11); // 11:30 PST
    expect(yearStartMs(std.yearly, 2019)).toBe(Date.parse('2019-01-01T08:00:00Z'));
  });
});
