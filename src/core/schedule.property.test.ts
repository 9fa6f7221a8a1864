import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Schedule, WeeklyEntry } from './schedule.ts';
import { WEEKDAYS, scheduledLimitAt, scheduledLimitOfAll } from './schedule.ts';
import { ALL_DAYS, at, schedule } from './testing/schedule-helpers.ts';

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
