import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  civilFromDays,
  daysFromCivil,
  instantOfWall,
  isValidTimeZone,
  offsetAtMs,
  parseLocalDate,
  parseLocalDateTime,
  parseTimeOfDayMin,
  wallAtMs,
  weekdayOfDay,
} from './local-time.ts';

const HOUR_MS = 3_600_000;
/** Wall ms of a local date-time written like an ISO string without offset. */
const wall = (local: string): number => Date.parse(`${local}Z`);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('civil dates', () => {
  it('match Date.UTC for any day', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (days) => {
        const d = new Date(days * DAY_MS);
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
        expect(civilFromDays(days)).toEqual({
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
        });
        expect(weekdayOfDay(days)).toBe((d.getUTCDay() + 6) % 7);
      }),
    );
  });
});

describe('offsets', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29T00:59:59Z', 1],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', 2],
    ['Europe/Berlin', '2026-10-25T00:59:59Z', 2],
    ['Europe/Berlin', '2026-10-25T01:00:00Z', 1],
    ['America/New_York', '2026-03-08T06:59:59Z', -5],
    ['America/New_York', '2026-03-08T07:00:00Z', -4],
    ['America/New_York', '2026-11-01T05:59:59Z', -4],
    ['America/New_York', '2026-11-01T06:00:00Z', -5],
    ['Australia/Lord_Howe', '2026-04-04T14:59:59Z', 11],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z', 10.5],
    ['Australia/Lord_Howe', '2026-10-03T15:29:59Z', 10.5],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', 11],
    ['Asia/Kolkata', '2026-03-29T01:00:00Z', 5.5],
  ])('%s at %s is UTC%+d h', (zone, at, hours) => {
    expect(offsetAtMs(zone, Date.parse(at))).toBe(hours * HOUR_MS);
  });

  it('agree with Intl for random instants in several zones', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'America/Sao_Paulo',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
        (zone, tMs) => {
          const text = new Intl.DateTimeFormat('sv-SE', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            hourCycle: 'h23',
          }).format(tMs);
          expect(iso(wallAtMs(zone, tMs) - (tMs % 1000)).slice(0, 19)).toBe(text.replace(' ', 'T'));
        },
      ),
    );
  });
});

describe('instantOfWall', () => {
  it.each([
    // Spring-forward gap: the first instant after the gap (03:00 CEST).
    ['Europe/Berlin', '2026-03-29T02:30:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T02:00:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T03:00:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T01:59:00', '2026-03-29T00:59:00.000Z'],
    // Fall-back overlap: the first occurrence (still CEST).
    ['Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z'],
    ['Europe/Berlin', '2026-10-25T03:00:00', '2026-10-25T02:00:00.000Z'],
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z'],
    ['America/New_York', '2026-11-01T02:00:00', '2026-11-01T07:00:00.000Z'],
    // Lord Howe shifts by 30 minutes: gap 02:00–02:30 in October, overlap 01:30–02:00 in April.
    ['Australia/Lord_Howe', '2026-10-04T02:15:00', '2026-10-03T15:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05T01:45:00', '2026-04-04T14:45:00.000Z'],
    ['Asia/Kolkata', '2026-03-29T02:30:00', '2026-03-28T21:00:00.000Z'],
  ])('%s %s → %s', (zone, local, expected) => {
    expect(iso(instantOfWall(zone, wall(local)))).toBe(expected);
  });

  it('inverts wallAtMs wherever the wall time is not ambiguous, and is non-decreasing', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
        fc.integer({ min: 0, max: 3 * HOUR_MS }),
        (zone, wallMs, deltaMs) => {
          const t = instantOfWall(zone, wallMs);
          expect(instantOfWall(zone, wallMs + deltaMs)).toBeGreaterThanOrEqual(t);
          // Either the wall time exists (and t shows it) or t is the end of a gap, later on the clock.
          expect(wallAtMs(zone, t)).toBeGreaterThanOrEqual(wallMs);
          // First occurrence: no earlier instant, under either nearby offset, shows the same wall time.
          for (const o of [offsetAtMs(zone, t - DAY_MS), offsetAtMs(zone, t + DAY_MS)]) {
            const other = wallMs - o;
            if (other < t) expect(wallAtMs(zone, other)).not.toBe(wallMs);
          }
        },
      ),
    );
  });
});

describe('parsing', () => {
  it.each([
    ['00:00', false, 0],
    ['23:59', false, 1439],
    ['24:00', true, 1440],
    ['24:00', false, null],
    ['25:00', true, null],
    ['7:5', true, null],
    ['07:60', true, null],
    ['0700', true, null],
  ])('time %s (24:00 allowed: %s) → %s', (text, allow, expected) => {
    expect(parseTimeOfDayMin(text, allow)).toBe(expected);
  });

  it('dates and date-times', () => {
    expect(parseLocalDate('2026-12-25')).toBe(daysFromCivil(2026, 12, 25));
    expect(parseLocalDate('2026-02-30')).toBeNull();
    expect(parseLocalDate('2026-13-01')).toBeNull();
    expect(parseLocalDate('26-12-25')).toBeNull();
    expect(parseLocalDateTime('2026-12-24T18:00')).toBe(wall('2026-12-24T18:00:00'));
    expect(parseLocalDateTime('2026-12-24T24:00')).toBe(wall('2026-12-25T00:00:00'));
    expect(parseLocalDateTime('2026-12-24 18:00')).toBeNull();
    expect(parseLocalDateTime('2026-12-24T18:00:00')).toBeNull();
  });

  it('time zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
