import { describe, expect, it } from 'vitest';
import { DAYS, emptyWeek, entriesFromWeek, paint, weekFromEntries } from './app/weekly-grid.ts';

describe('weekly schedule grid', () => {
  it('turns a painted block into one entry with the days merged, and back', () => {
    const cells = paint(emptyWeek(), { day: 4, hour: 17 }, { day: 0, hour: 8 }, 30);
    const entries = entriesFromWeek(cells);
    expect(entries).toEqual([
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00', limitA: 30 },
    ]);
    expect(weekFromEntries(entries).cells).toEqual(cells);
  });

  it('ends a run at the end of the day as 24:00 and splits runs with different limits', () => {
    let cells = paint(emptyWeek(), { day: 6, hour: 0 }, { day: 6, hour: 23 }, 40);
    cells = paint(cells, { day: 6, hour: 10 }, { day: 6, hour: 11 }, 20);
    expect(entriesFromWeek(cells)).toEqual([
      { days: ['sun'], from: '00:00', to: '10:00', limitA: 40 },
      { days: ['sun'], from: '10:00', to: '12:00', limitA: 20 },
      { days: ['sun'], from: '12:00', to: '24:00', limitA: 40 },
    ]);
  });

  it('shows entries off the hour rounded outwards, the lower limit where entries overlap, and kW-only entries as absent', () => {
    const r = weekFromEntries([
      { days: ['mon'], from: '11:30', to: '13:30', limitA: 20 },
      { days: ['mon'], from: '12:00', to: '13:00', limitA: 10 },
      { days: ['tue'], from: '00:00', to: '24:00', limitKw: 50 },
    ]);
    expect(r.inexact).toBe(true);
    expect(r.kwOnly).toBe(true);
    const mon = r.cells.slice(0, 24);
    expect(mon.slice(10, 15)).toEqual([null, 20, 10, 20, null]);
    expect(r.cells.slice(24, 48).every((c) => c === null)).toBe(true);
    expect(DAYS).toHaveLength(7);
  });

  it('clears hours with null', () => {
    const cells = paint(
      paint(emptyWeek(), { day: 0, hour: 0 }, { day: 0, hour: 3 }, 16),
      { day: 0, hour: 1 },
      { day: 0, hour: 2 },
      null,
    );
    expect(entriesFromWeek(cells)).toEqual([
      { days: ['mon'], from: '00:00', to: '01:00', limitA: 16 },
      { days: ['mon'], from: '03:00', to: '04:00', limitA: 16 },
    ]);
  });
});
