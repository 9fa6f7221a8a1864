import { describe, expect, it } from 'vitest';
import type { Weekday } from './schedule.ts';
import { scheduledLimitAt, validateSchedule } from './schedule.ts';
import { ALL_DAYS, at, boundaries, HOUR_MS, limitAt, schedule } from './testing/schedule-helpers.ts';

describe('scheduledLimitAt: weekly windows', () => {
  const daily = schedule([{ days: ALL_DAYS, from: '07:00', to: '19:00', limitA: 20, label: 'day' }]);

  it('an empty schedule sets nothing and never changes', () => {
    expect(scheduledLimitAt(schedule([]), 'Europe/Berlin', at('2026-03-29T12:00:00Z'))).toEqual({
      nextChangeMs: null,
    });
  });

  it('Europe/Berlin spring forward: the 07:00 boundary after the change is 23 h after the one before', () => {
    // Sat 28 March 07:00 CET = 06:00Z; Sun 29 March 07:00 CEST = 05:00Z.
    expect(boundaries(daily, 'Europe/Berlin', '2026-03-28T03:00:00Z', 4)).toEqual([
      '2026-03-28T06:00:00.000Z',
      '2026-03-28T18:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
      '2026-03-29T17:00:00.000Z',
    ]);
    expect(at('2026-03-29T05:00:00Z') - at('2026-03-28T06:00:00Z')).toBe(23 * HOUR_MS);
  });

  it('Europe/Berlin fall back: the 07:00 boundary after the change is 25 h after the one before', () => {
    expect(boundaries(daily, 'Europe/Berlin', '2026-10-24T03:00:00Z', 3)).toEqual([
      '2026-10-24T05:00:00.000Z',
      '2026-10-24T17:00:00.000Z',
      '2026-10-25T06:00:00.000Z',
    ]);
  });

  it('America/New_York across both 2026 changes', () => {
    expect(boundaries(daily, 'America/New_York', '2026-03-07T10:00:00Z', 3)).toEqual([
      '2026-03-07T12:00:00.000Z', // 07:00 EST
      '2026-03-08T00:00:00.000Z', // 19:00 EST
      '2026-03-08T11:00:00.000Z', // 07:00 EDT, 23 h later
    ]);
    expect(boundaries(daily, 'America/New_York', '2026-10-31T10:00:00Z', 3)).toEqual([
      '2026-10-31T11:00:00.000Z', // 07:00 EDT
      '2026-10-31T23:00:00.000Z', // 19:00 EDT
      '2026-11-01T12:00:00.000Z', // 07:00 EST, 25 h later
    ]);
  });

  it('Asia/Kolkata (no DST): a Friday 22:00–06:00 window runs into Saturday morning only', () => {
    const night = schedule([{ days: ['fri'], from: '22:00', to: '06:00', limitA: 16, label: 'night' }]);
    // Fri 27 March 2026 22:00 IST = 16:30Z; Sat 06:00 IST = 00:30Z.
    expect(limitAt(night, 'Asia/Kolkata', '2026-03-27T16:29:59Z')).toMatchObject({
      limitA: undefined,
      next: '2026-03-27T16:30:00.000Z',
    });
    expect(limitAt(night, 'Asia/Kolkata', '2026-03-27T16:30:00Z')).toMatchObject({
      limitA: 16,
      label: 'night',
      next: '2026-03-28T00:30:00.000Z',
    });
    expect(limitAt(night, 'Asia/Kolkata', '2026-03-28T00:29:59Z').limitA).toBe(16);
    // Saturday evening is not covered: the window belongs to Friday; the next one is a week later.
    expect(limitAt(night, 'Asia/Kolkata', '2026-03-28T17:00:00Z')).toMatchObject({
      limitA: undefined,
      next: '2026-04-03T16:30:00.000Z',
    });
    // Thursday night, before Friday's window: nothing (a Thursday start would need 'thu').
    expect(limitAt(night, 'Asia/Kolkata', '2026-03-26T20:00:00Z').limitA).toBeUndefined();
  });

  it('"24:00" ends the window at the next midnight, DST-aware', () => {
    const evening = schedule([{ days: ['sat'], from: '18:00', to: '24:00', limitKw: 50 }]);
    // Sat 28 March 2026 in Berlin: 18:00 CET = 17:00Z, midnight = Sun 00:00 CET = 23:00Z.
    expect(limitAt(evening, 'Europe/Berlin', '2026-03-28T22:59:59Z')).toMatchObject({
      limitKw: 50,
      label: 'sat 18:00–24:00',
      next: '2026-03-28T23:00:00.000Z',
    });
    expect(limitAt(evening, 'Europe/Berlin', '2026-03-28T23:00:00Z').limitKw).toBeUndefined();
  });

  it('a window crossing midnight over the spring-forward night is an hour shorter', () => {
    const night = schedule([{ days: ['sat'], from: '22:00', to: '06:00', limitA: 10 }]);
    // Sat 22:00 CET = 21:00Z to Sun 06:00 CEST = 04:00Z: 7 h.
    expect(boundaries(night, 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-28T21:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
    ]);
  });

  it('Europe/Berlin: a boundary inside the spring-forward gap happens at 03:00 CEST', () => {
    const s = schedule([{ days: ['sun'], from: '02:30', to: '05:00', limitA: 12 }]);
    expect(limitAt(s, 'Europe/Berlin', '2026-03-29T00:59:59Z')).toMatchObject({
      limitA: undefined,
      next: '2026-03-29T01:00:00.000Z',
    });
    expect(limitAt(s, 'Europe/Berlin', '2026-03-29T01:00:00Z')).toMatchObject({
      limitA: 12,
      next: '2026-03-29T03:00:00.000Z',
    });
  });

  it('Europe/Berlin: a window wholly inside the gap does not happen that day', () => {
    const s = schedule([{ days: ['sun'], from: '02:00', to: '02:45', limitA: 12 }]);
    for (const t of ['2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-03-29T01:30:00Z'])
      expect(limitAt(s, 'Europe/Berlin', t).limitA).toBeUndefined();
    // A week later it does: 02:00 CEST = 00:00Z.
    expect(limitAt(s, 'Europe/Berlin', '2026-04-05T00:10:00Z').limitA).toBe(12);
  });

  it('Europe/Berlin: ambiguous boundaries take the first occurrence on the fall-back night', () => {
    const s = schedule([{ days: ['sun'], from: '02:30', to: '04:00', limitA: 12 }]);
    // 02:30 happens first at 00:30Z (CEST), again at 01:30Z (CET); the window starts at the first.
    expect(limitAt(s, 'Europe/Berlin', '2026-10-25T00:29:59Z').next).toBe('2026-10-25T00:30:00.000Z');
    expect(limitAt(s, 'Europe/Berlin', '2026-10-25T00:30:00Z')).toMatchObject({
      limitA: 12,
      next: '2026-10-25T03:00:00.000Z', // 04:00 CET
    });
    // A window ending at 02:30 ends at the first 02:30: the repeated hour is outside it.
    const early = schedule([{ days: ['sun'], from: '01:00', to: '02:30', limitA: 8 }]);
    expect(limitAt(early, 'Europe/Berlin', '2026-10-25T00:29:59Z').limitA).toBe(8);
    expect(limitAt(early, 'Europe/Berlin', '2026-10-25T01:15:00Z').limitA).toBeUndefined(); // 02:15 CET
  });

  it('America/New_York: the gap at 02:00–03:00 and the repeated 01:00–02:00', () => {
    const s = schedule([{ days: ['sun'], from: '02:30', to: '03:30', limitA: 24 }]);
    expect(limitAt(s, 'America/New_York', '2026-03-08T06:59:59Z').next).toBe('2026-03-08T07:00:00.000Z');
    expect(limitAt(s, 'America/New_York', '2026-03-08T07:00:00Z')).toMatchObject({
      limitA: 24,
      next: '2026-03-08T07:30:00.000Z',
    });
    const repeated = schedule([{ days: ['sun'], from: '01:30', to: '03:00', limitA: 24 }]);
    // 01:30 EDT = 05:30Z is the first occurrence; 03:00 EST = 08:00Z.
    expect(boundaries(repeated, 'America/New_York', '2026-11-01T04:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('Australia/Lord_Howe: 30-minute shifts', () => {
    const daily7 = schedule([{ days: ALL_DAYS, from: '07:00', to: '08:00', limitA: 10 }]);
    // April 2026: 07:00 LHDT (+11) on the 4th, 07:00 LHST (+10:30) on the 5th: 24.5 h apart.
    expect(boundaries(daily7, 'Australia/Lord_Howe', '2026-04-03T19:00:00Z', 3)).toEqual([
      '2026-04-03T20:00:00.000Z',
      '2026-04-03T21:00:00.000Z',
      '2026-04-04T20:30:00.000Z',
    ]);
    // October 2026: 02:15 falls in the 02:00–02:30 gap and happens at 02:30 LHDT = 15:30Z.
    const gap = schedule([{ days: ['sun'], from: '02:15', to: '04:00', limitA: 10 }]);
    expect(limitAt(gap, 'Australia/Lord_Howe', '2026-10-03T15:00:00Z').next).toBe('2026-10-03T15:30:00.000Z');
  });
});

describe('scheduledLimitAt: overlaps and exceptions', () => {
  const weekly = [
    { days: ALL_DAYS, from: '00:00', to: '24:00', limitA: 40, limitKw: 30, label: 'base' },
    {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Weekday[],
      from: '08:00',
      to: '18:00',
      limitA: 25,
      label: 'peak',
    },
    { days: ALL_DAYS, from: '17:00', to: '20:00', limitA: 32, limitKw: 20, label: 'evening' },
  ];

  it('overlapping entries take the lowest limit per field, each with its own label', () => {
    const s = schedule(weekly);
    // Mon 30 March 2026, 17:30 CEST = 15:30Z: base, peak and evening all apply.
    expect(scheduledLimitAt(s, 'Europe/Berlin', at('2026-03-30T15:30:00Z'))).toEqual({
      limitA: 25,
      limitKw: 20,
      label: 'peak',
      labelKw: 'evening',
      nextChangeMs: at('2026-03-30T16:00:00Z'), // 18:00, peak ends
    });
    expect(limitAt(s, 'Europe/Berlin', '2026-03-30T16:00:00Z')).toMatchObject({ limitA: 32, limitKw: 20 });
    expect(limitAt(s, 'Europe/Berlin', '2026-03-30T20:00:00Z')).toMatchObject({ limitA: 40, limitKw: 30 });
    // Saturday: no peak.
    expect(limitAt(s, 'Europe/Berlin', '2026-04-04T10:00:00Z')).toMatchObject({ limitA: 40, label: 'base' });
  });

  it('a dated exception replaces the weekly entries with its own limits, for the whole local day', () => {
    const s = schedule(weekly, [{ date: '2026-04-06', limitA: 63, label: 'Easter Monday' }]);
    // Easter Monday 10:00 CEST: weekly says 25 A, the exception 63 A, and no kW limit.
    expect(scheduledLimitAt(s, 'Europe/Berlin', at('2026-04-06T08:00:00Z'))).toMatchObject({
      limitA: 63,
      limitKw: undefined,
      label: 'Easter Monday',
      nextChangeMs: at('2026-04-06T22:00:00Z'), // local midnight: the exception ends
    });
    expect(limitAt(s, 'Europe/Berlin', '2026-04-05T21:59:59Z')).toMatchObject({
      limitA: 40,
      next: '2026-04-05T22:00:00.000Z',
    });
    expect(limitAt(s, 'Europe/Berlin', '2026-04-06T22:00:00Z')).toMatchObject({ limitA: 40, limitKw: 30 });
  });

  it('an exception without limits lifts the schedule (the static limit applies) but still names itself', () => {
    const s = schedule(weekly, [{ from: '2026-03-30T12:00', to: '2026-03-30T14:00', label: 'works' }]);
    expect(limitAt(s, 'Europe/Berlin', '2026-03-30T10:30:00Z')).toEqual({
      limitA: undefined,
      limitKw: undefined,
      label: 'works',
      next: '2026-03-30T12:00:00.000Z',
    });
  });

  it('overlapping exceptions take the lowest limit per field', () => {
    const s = schedule(weekly, [
      { date: '2026-12-24', limitA: 50, label: 'eve' },
      { from: '2026-12-24T16:00', to: '2026-12-26T00:00', limitA: 20, limitKw: 40, label: 'closed' },
    ]);
    expect(limitAt(s, 'Europe/Berlin', '2026-12-24T16:00:00Z')).toMatchObject({
      limitA: 20,
      limitKw: 40,
      label: 'closed',
    });
    expect(limitAt(s, 'Europe/Berlin', '2026-12-24T10:00:00Z')).toMatchObject({
      limitA: 50,
      next: '2026-12-24T15:00:00.000Z',
    });
  });

  it('exception boundaries far beyond the weekly look-ahead are still found', () => {
    const s = schedule([], [{ date: '2027-01-01', limitA: 10 }]);
    expect(limitAt(s, 'Europe/Berlin', '2026-06-01T00:00:00Z')).toMatchObject({
      limitA: undefined,
      next: '2026-12-31T23:00:00.000Z',
    });
    expect(limitAt(s, 'Europe/Berlin', '2027-01-02T00:00:00Z').next).toBeNull();
  });
});

describe('validateSchedule', () => {
  it('accepts a good schedule', () => {
    expect(
      validateSchedule(
        schedule(
          [
            { days: ['fri'], from: '22:00', to: '06:00', limitA: 16 },
            { days: ALL_DAYS, from: '00:00', to: '24:00', limitKw: 0 },
          ],
          [{ date: '2026-12-25' }, { from: '2026-12-31T18:00', to: '2026-12-31T24:00', limitA: 10 }],
        ),
      ),
    ).toEqual([]);
  });

  it('reports each problem with its path', () => {
    const errors = validateSchedule({
      weekly: [
        { days: ['mon'], from: '25:00', to: '7:5', limitA: -1 },
        { days: [], from: '08:00', to: '08:00', limitKw: Number.NaN },
        { days: ['monday' as Weekday], from: '24:00', to: '09:00' },
      ],
      exceptions: [
        { date: '2026-02-30' },
        { from: '2026-12-24T18:00', to: '2026-12-24T08:00' },
        { from: '2026-12-24T18:00' },
        { date: '2026-12-24', from: '2026-12-24T18:00', to: '2026-12-24T20:00' },
        { from: '2026-12-24 18:00', to: '2026-12-24T20:00', limitKw: -5 },
      ],
    });
    expect(errors).toEqual([
      'weekly[0].from: "25:00" is not a time of day (HH:MM, 00:00–23:59)',
      'weekly[0].to: "7:5" is not a time of day (HH:MM, 00:00–24:00)',
      'weekly[0].limitA: -1 is not a limit (a number ≥ 0)',
      'weekly[1].days: no days given (use mon, tue, wed, thu, fri, sat, sun)',
      'weekly[1]: from and to are both 08:00; for a whole day write from: "00:00", to: "24:00"',
      'weekly[1].limitKw: NaN is not a limit (a number ≥ 0)',
      'weekly[2].days: "monday" is not a day (mon, tue, wed, thu, fri, sat, sun)',
      'weekly[2].from: "24:00" is not a time of day (HH:MM, 00:00–23:59)',
      'weekly[2]: sets neither limitA nor limitKw, so it has no effect',
      'exceptions[0].date: "2026-02-30" is not a date (YYYY-MM-DD)',
      'exceptions[1]: to (2026-12-24T08:00) must be after from (2026-12-24T18:00)',
      'exceptions[2]: give a date ("YYYY-MM-DD") or both from and to ("YYYY-MM-DDTHH:MM")',
      'exceptions[3]: give either date or from/to, not both',
      'exceptions[4].from: "2026-12-24 18:00" is not a local date-time (YYYY-MM-DDTHH:MM)',
      'exceptions[4].limitKw: -5 is not a limit (a number ≥ 0)',
    ]);
  });
});
