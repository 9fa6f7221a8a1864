import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DatedException, Schedule, WeeklyEntry, Weekday } from './schedule.ts';
import { WEEKDAYS, scheduledLimitAt, scheduledLimitOfAll, validateSchedule } from './schedule.ts';

const HOUR_MS = 3_600_000;
const at = (isoUtc: string): number => Date.parse(isoUtc);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ALL_DAYS: readonly Weekday[] = WEEKDAYS;
const schedule = (weekly: WeeklyEntry[], exceptions: DatedException[] = []): Schedule => ({
  weekly,
  exceptions,
});
const limitAt = (s: Schedule, zone: string, isoUtc: string) => {
  const r = scheduledLimitAt(s, zone, at(isoUtc));
  return { limitA: r.limitA, limitKw: r.limitKw, label: r.label, next: iso(r.nextChangeMs) };
};

/** Follows nextChangeMs from `fromIso` and lists the boundaries it lands on. */
function boundaries(s: Schedule, zone: string, fromIso: string, count: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t = at(fromIso);
  for (let i = 0; i < count; i++) {
    const next = scheduledLimitAt(s, zone, t).nextChangeMs;
    out.push(iso(next));
    if (next === null) break;
    t = next;
  }
  return out;
}

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

// ---------------------------------------------------------------------------------------------------
// Property: scheduledLimitAt equals a brute-force evaluation built only from Intl, minute by minute.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Local wall-clock of every minute in [startMs, endMs), from a fresh Intl formatter (no shared code). */
function minuteTable(zone: string, startMs: number, endMs: number) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const instants: number[] = [];
  const prefixMaxWall: number[] = [];
  let max = -Infinity;
  for (let t = startMs; t < endMs; t += MINUTE_MS) {
    const parts = f.formatToParts(t);
    const part = (type: string): number => Number(parts.find((x) => x.type === type)?.value);
    const w = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour') % 24, part('minute'));
    max = Math.max(max, w);
    instants.push(t);
    prefixMaxWall.push(max);
  }
  /** First minute whose wall clock reaches `wallMs`: first occurrence, or the end of a gap. */
  const instantOf = (wallMs: number): number => {
    let lo = 0;
    let hi = instants.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (prefixMaxWall[mid]! >= wallMs) hi = mid;
      else lo = mid + 1;
    }
    return lo < instants.length ? instants[lo]! : Infinity;
  };
  return {
    firstWallDay: Math.floor(prefixMaxWall[0]! / DAY_MS),
    lastWallDay: Math.floor(max / DAY_MS),
    instantOf,
  };
}

type Table = ReturnType<typeof minuteTable>;

function bruteForce(s: Schedule, table: Table, tMs: number) {
  const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const localDateTime = (text: string): number =>
    Date.parse(`${text.slice(0, 10)}T00:00:00Z`) + minutes(text.slice(11)) * MINUTE_MS;
  let next = Infinity;
  const spans: [number, number][] = [];
  const covering = (fromWall: number, toWall: number, isException: boolean): boolean => {
    const a = table.instantOf(fromWall);
    const b = table.instantOf(toWall);
    if (isException) spans.push([a, b]);
    for (const x of [a, b]) {
      // A weekly edge inside an exception changes nothing.
      const hidden = !isException && spans.some(([s0, s1]) => s0 < x && x < s1);
      if (x > tMs && x < next && !hidden) next = x;
    }
    return a <= tMs && tMs < b;
  };
  const exceptions = s.exceptions.filter((x) =>
    x.date !== undefined
      ? covering(Date.parse(`${x.date}T00:00:00Z`), Date.parse(`${x.date}T00:00:00Z`) + DAY_MS, true)
      : covering(localDateTime(x.from!), localDateTime(x.to!), true),
  );
  const windows: WeeklyEntry[] = [];
  for (let day = table.firstWallDay; day <= table.lastWallDay; day++) {
    const weekday = WEEKDAYS[(new Date(day * DAY_MS).getUTCDay() + 6) % 7]!;
    for (const e of s.weekly) {
      if (!e.days.includes(weekday)) continue;
      const from = minutes(e.from);
      const to = minutes(e.to) > from ? minutes(e.to) : minutes(e.to) + 24 * 60;
      if (covering(day * DAY_MS + from * MINUTE_MS, day * DAY_MS + to * MINUTE_MS, false)) windows.push(e);
    }
  }
  const pick = exceptions.length > 0 ? exceptions : windows;
  const lowest = (key: 'limitA' | 'limitKw') =>
    pick.reduce<number | undefined>(
      (m, e) => (e[key] === undefined ? m : Math.min(m ?? Infinity, e[key])),
      undefined,
    );
  return {
    limitA: lowest('limitA'),
    limitKw: lowest('limitKw'),
    nextChangeMs: next === Infinity ? null : next,
  };
}

const hhmm = (min: number): string =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** Random schedules on a 15-minute grid (so that DST gap and overlap times come up often). */
function arbSchedule(firstDay: number, dayCount: number): fc.Arbitrary<Schedule> {
  const limit = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });
  // Half the times fall between 00:45 and 03:15, where DST changes happen in the zones tested.
  const quarter = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: 3, max: 13 }));
  const entry = fc
    .record({
      days: fc.subarray([...WEEKDAYS]),
      from: quarter(95),
      to: quarter(96),
      limitA: limit,
      limitKw: limit,
    })
    .filter((e) => e.from !== e.to)
    .map((e) => ({ ...e, from: hhmm(e.from * 15), to: hhmm(e.to * 15) }));
  const localDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const exception = fc.oneof(
    fc.record({
      date: fc.integer({ min: firstDay, max: firstDay + dayCount }).map(localDate),
      limitA: limit,
    }),
    fc
      .record({
        start: fc.integer({ min: firstDay * 96, max: (firstDay + dayCount) * 96 }),
        length: fc.integer({ min: 1, max: 96 * 3 }),
        limitA: limit,
        limitKw: limit,
      })
      .map(({ start, length, limitA, limitKw }) => ({
        from: new Date(start * 15 * MINUTE_MS).toISOString().slice(0, 16),
        to: new Date((start + length) * 15 * MINUTE_MS).toISOString().slice(0, 16),
        limitA,
        limitKw,
      })),
  );
  return fc.record({
    weekly: fc.array(entry, { maxLength: 4 }),
    exceptions: fc.array(exception, { maxLength: 2 }),
  });
}

describe('scheduledLimitAt: property against brute force', () => {
  // Each case spans a DST change (or none, for Kolkata) with the sampled instants within ±4 days of it.
  const cases = [
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ['Asia/Kolkata', '2026-06-01T00:00:00Z'],
  ] as const;

  it.each(cases)('%s around %s', (zone, changeIso) => {
    const changeMs = at(changeIso);
    const table = minuteTable(zone, changeMs - 7 * DAY_MS, changeMs + 16 * DAY_MS);
    const sampleFrom = changeMs - 4 * DAY_MS;
    const sampleTo = changeMs + 4 * DAY_MS;
    const instant = fc.oneof(
      fc.integer({ min: sampleFrom, max: sampleTo }),
      // Whole minutes and the millisecond before them: where boundaries are.
      fc
        .tuple(fc.integer({ min: sampleFrom / MINUTE_MS, max: sampleTo / MINUTE_MS }), fc.boolean())
        .map(([m, before]) => m * MINUTE_MS - (before ? 1 : 0)),
    );
    fc.assert(
      fc.property(arbSchedule(Math.floor(changeMs / DAY_MS) - 3, 6), instant, (s, tMs) => {
        const got = scheduledLimitAt(s, zone, tMs);
        expect({ limitA: got.limitA, limitKw: got.limitKw, nextChangeMs: got.nextChangeMs }).toEqual(
          bruteForce(s, table, tMs),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('the result holds unchanged from t until just before nextChangeMs', () => {
    fc.assert(
      fc.property(
        arbSchedule(Math.floor(at('2026-03-26T00:00:00Z') / DAY_MS), 6),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'),
        fc.integer({ min: at('2026-03-25T00:00:00Z'), max: at('2026-04-06T00:00:00Z') }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (s, zone, tMs, fraction) => {
          const r = scheduledLimitAt(s, zone, tMs);
          if (r.nextChangeMs === null) return;
          expect(r.nextChangeMs).toBeGreaterThan(tMs);
          const { nextChangeMs: _a, ...here } = r;
          for (const u of [r.nextChangeMs - 1, tMs + Math.floor((r.nextChangeMs - 1 - tMs) * fraction)]) {
            const { nextChangeMs: _b, ...there } = scheduledLimitAt(s, zone, u);
            expect(there).toEqual(here);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('scheduledLimitOfAll: independent schedules (site file and dashboard)', () => {
  // Wed 25 Nov 2026 and Thu 24 Dec 2026, Europe/Amsterdam (CET, UTC+1).
  const siteFile = schedule(
    [{ days: ALL_DAYS, from: '17:00', to: '20:00', limitA: 25, label: 'evening peak' }],
    [{ date: '2026-12-24', limitA: 30, label: 'christmas eve' }],
  );
  const dashboard = schedule(
    [{ days: ALL_DAYS, from: '18:00', to: '19:00', limitA: 20, label: 'dinner' }],
    [{ date: '2026-11-25', label: 'works day' }],
  );
  const zone = 'Europe/Amsterdam';
  const both = (isoUtc: string) => scheduledLimitOfAll([siteFile, dashboard], zone, at(isoUtc));

  it("one schedule's exception does not suspend the other's weekly entries", () => {
    // 25 Nov 17:30: the dashboard's exception is in force (its weekly entry is off), the site file's is not.
    expect(both('2026-11-25T16:30:00Z')).toMatchObject({ limitA: 25, label: 'evening peak' });
    // 24 Dec 18:30: the site file's exception (30 A) replaces its own evening peak; dinner still applies.
    expect(both('2026-12-24T17:30:00Z')).toMatchObject({ limitA: 20, label: 'dinner' });
    expect(both('2026-12-24T16:30:00Z')).toMatchObject({ limitA: 30, label: 'christmas eve' });
  });

  it('the lowest limit per field wins with its label; the earliest change of any schedule comes next', () => {
    expect(both('2026-11-26T17:30:00Z')).toEqual({
      limitA: 20,
      limitKw: undefined,
      label: 'dinner',
      labelKw: undefined,
      nextChangeMs: at('2026-11-26T18:00:00Z'), // 19:00, dinner ends (evening peak goes on to 20:00)
    });
    const kw = schedule([{ days: ALL_DAYS, from: '00:00', to: '24:00', limitKw: 11, label: 'kw cap' }]);
    expect(scheduledLimitOfAll([siteFile, kw], zone, at('2026-11-26T12:00:00Z'))).toMatchObject({
      limitA: undefined,
      limitKw: 11,
      label: 'kw cap',
      labelKw: 'kw cap',
      nextChangeMs: at('2026-11-26T16:00:00Z'), // 17:00, evening peak starts
    });
  });

  it('an exception without limits in force still names itself; none at all sets nothing', () => {
    expect(both('2026-11-25T12:00:00Z')).toMatchObject({ limitA: undefined, label: 'works day' });
    expect(scheduledLimitOfAll([], zone, at('2026-11-25T12:00:00Z'))).toEqual({
      limitA: undefined,
      limitKw: undefined,
      label: undefined,
      labelKw: undefined,
      nextChangeMs: null,
    });
  });

  it('property: per field the minimum of the schedules evaluated one by one; the earliest next change', () => {
    const first = Math.floor(at('2026-03-26T00:00:00Z') / DAY_MS);
    fc.assert(
      fc.property(
        fc.array(arbSchedule(first, 6), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('Europe/Berlin', 'America/New_York'),
        fc.integer({ min: at('2026-03-25T00:00:00Z'), max: at('2026-04-06T00:00:00Z') }),
        (schedules, tz, tMs) => {
          const each = schedules.map((s) => scheduledLimitAt(s, tz, tMs));
          const min = (xs: (number | undefined | null)[]): number | undefined => {
            const v = xs.filter((x): x is number => typeof x === 'number');
            return v.length ? Math.min(...v) : undefined;
          };
          const got = scheduledLimitOfAll(schedules, tz, tMs);
          expect(got.limitA).toBe(min(each.map((r) => r.limitA)));
          expect(got.limitKw).toBe(min(each.map((r) => r.limitKw)));
          expect(got.nextChangeMs).toBe(min(each.map((r) => r.nextChangeMs)) ?? null);
          // The label is that of a schedule giving the binding limit.
          if (got.limitA !== undefined)
            expect(each.some((r) => r.limitA === got.limitA && r.label === got.label)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
