/**
 * A power time series for the simulator's "other site load" and PV inputs, and its lookup. Typical-year
 * data (no year of its own: building and PV simulations, BDEW shapes) repeats every year by local date
 * and time in the site's zone; Feb 29 reuses Feb 28.
 */
import { DAY_MS, civilFromDays, daysFromCivil, offsetAtMs, weekdayOfDay } from '../../../core/local-time.ts';

/** How a typical-year profile maps onto real instants. */
export interface YearlyRepeat {
  /** The zone whose local time the data follows. */
  readonly timeZone: string;
  /** True when the data is in local standard time all year (TMY weather, EnergyPlus, SAM): no DST shift. */
  readonly standardTime: boolean;
  /**
   * Weekday of the data's 1 January (0 = Monday), for loads that follow the week (offices, BDEW): a date
   * then reads the typical-year day nearest to it (±3 days) with the same weekday. Absent: by date (PV).
   */
  readonly firstWeekday?: number;
}

export interface PowerProfile {
  /** Instant of sample 0 (for a yearly profile: 1 January 00:00 local of its reference year). */
  readonly startMs: number;
  readonly stepMs: number;
  /** Average kW over each step. */
  readonly kw: Float64Array;
  /** Present when the data is a typical 365-day year that repeats; absent for a dated series. */
  readonly yearly?: YearlyRepeat;
}

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/** Standard-time offset of a zone in a year: the smaller of its January and July offsets. */
export function standardOffsetMs(timeZone: string, year: number): number {
  const jan = offsetAtMs(timeZone, Date.UTC(year, 0, 15));
  const jul = offsetAtMs(timeZone, Date.UTC(year, 6, 15));
  return Math.min(jan, jul);
}

/**
 * Ms since 1 January 00:00 of a 365-day typical year, of a local wall time (Feb 29 is read as Feb 28);
 * with firstWeekday, moved by up to 3 days to the typical day of the same weekday.
 */
export function msIntoTypicalYear(wallMs: number, firstWeekday?: number): number {
  const day = Math.floor(wallMs / DAY_MS);
  const { month, day: dom } = civilFromDays(day);
  let yday = (DAYS_BEFORE_MONTH[month - 1] ?? 0) + Math.min(dom, month === 2 ? 28 : dom) - 1;
  if (firstWeekday !== undefined) {
    const shift = ((((weekdayOfDay(day) - firstWeekday - yday) % 7) + 10) % 7) - 3;
    yday += shift;
    // 364 days = 52 weeks: wrapping by it keeps the weekday.
    if (yday < 0) yday += 364;
    else if (yday >= 365) yday -= 364;
  }
  return yday * DAY_MS + (wallMs - day * DAY_MS);
}

/** The local wall ms of an instant as a yearly profile reads it. */
function wallFor(y: YearlyRepeat, tMs: number): number {
  if (!y.standardTime) return tMs + offsetAtMs(y.timeZone, tMs);
  const year = civilFromDays(Math.floor((tMs + offsetAtMs(y.timeZone, tMs)) / DAY_MS)).year;
  return tMs + standardOffsetMs(y.timeZone, year);
}

/** kW of a profile at an instant: step lookup; yearly profiles repeat, dated ones give 0 outside their data. */
export function profileAt(p: PowerProfile, tMs: number): number {
  if (p.yearly) {
    const i = Math.floor(msIntoTypicalYear(wallFor(p.yearly, tMs), p.yearly.firstWeekday) / p.stepMs);
    return p.kw[i % p.kw.length] ?? 0;
  }
  const i = Math.floor((tMs - p.startMs) / p.stepMs);
  return i >= 0 && i < p.kw.length ? p.kw[i]! : 0;
}

/** Instant of 1 January 00:00 local of `year` as a yearly profile reads it (its startMs). */
export function yearStartMs(y: YearlyRepeat, year: number): number {
  const wall = daysFromCivil(year, 1, 1) * DAY_MS;
  const offset = y.standardTime ? standardOffsetMs(y.timeZone, year) : offsetAtMs(y.timeZone, wall);
  return wall - offset;
}

/** Energy in kWh of a profile's samples (one pass over the data, e.g. one typical year). */
export function profileEnergyKwh(p: PowerProfile): number {
  let sum = 0;
  for (const kw of p.kw) sum += kw;
  return (sum * p.stepMs) / 3_600_000;
}

/** A whole file that cannot be used as a profile: names the file and, where it applies, the line. */
export class ProfileFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileFileError';
  }
}
