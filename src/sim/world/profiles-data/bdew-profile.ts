/**
 * BDEW standard load profiles (German typical days, 15-min): 3 seasons × 3 day types × 96 quarter-hours,
 * scaled to an annual kWh. Seasons as BDEW defines them: winter 1 Nov–20 Mar, summer 15 May–14 Sep,
 * transition between. Mon–Fri share the workday shape, Saturday its own, Sunday and given holidays the
 * Sunday shape. H0 (households) also gets BDEW's day-of-year dynamisation factor.
 */
import { DAY_MS, daysFromCivil, weekdayOfDay } from '../../../core/local-time.ts';
import type { PowerProfile } from './power-profile.ts';
import { ProfileFileError, yearStartMs } from './power-profile.ts';
import { profileNumber, profileRows, readProfileText } from './profile-csv.ts';

export const BDEW_PROFILES = ['h0', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'l0', 'l1', 'l2'] as const;
export type BdewProfileName = (typeof BDEW_PROFILES)[number];

export interface BdewProfileOptions {
  readonly profile: BdewProfileName;
  /** Energy over the year the shapes are scaled to. */
  readonly annualKwh: number;
  /** The site's zone (BDEW shapes follow local legal time, DST included). */
  readonly timeZone: string;
  /** The calendar year whose weekdays are used; the profile repeats in other years. Default 2019. */
  readonly year?: number;
  /** Extra dates "YYYY-MM-DD" read as Sundays (public holidays). */
  readonly holidays?: readonly string[];
}

const SEASONS = ['winter', 'summer', 'transition'] as const;
type Season = (typeof SEASONS)[number];
const QUARTERS = 96;
const STEP_MS = 15 * 60_000;
const STAMP_TIME_RE = /(\d{2}):(\d{2})(?::\d{2})?$/;

function seasonOf(month: number, day: number): Season {
  const md = month * 100 + day;
  if (md >= 1101 || md <= 320) return 'winter';
  if (md >= 515 && md <= 914) return 'summer';
  return 'transition';
}

/** BDEW's H0 dynamisation: a 4th-degree polynomial in the day of the year (1..365). */
function h0Factor(dayOfYear: number): number {
  const t = dayOfYear;
  return -3.92e-10 * t ** 4 + 3.2e-7 * t ** 3 - 7.02e-5 * t ** 2 + 2.1e-3 * t + 1.24;
}

/** Parses the BDEW typical-day CSV text and builds one year of 15-min kW. */
export function parseBdewProfile(
  text: string,
  opts: BdewProfileOptions,
  source = 'BDEW profile',
): PowerProfile {
  if (!BDEW_PROFILES.includes(opts.profile)) {
    throw new ProfileFileError(
      `${source}: profile must be one of ${BDEW_PROFILES.join(', ')}, got "${String(opts.profile)}"`,
    );
  }
  if (!(opts.annualKwh > 0 && Number.isFinite(opts.annualKwh)))
    throw new ProfileFileError(`${source}: annualKwh must be > 0`);
  const rows = profileRows(text, source, ['period', 'weekday', opts.profile]);
  const shapes = new Map<string, Float64Array>();
  const filled = new Map<string, number>();
  for (const row of rows) {
    const period = row.get('period');
    const weekday = row.get('weekday');
    const time = STAMP_TIME_RE.exec(row.get(''));
    if (!SEASONS.includes(period as Season) || !/^[1-7]$/.test(weekday) || !time) {
      throw new ProfileFileError(
        `${source}: line ${row.line}: expected a time stamp, period and weekday 1-7`,
      );
    }
    const q = (Number(time[1]) * 60 + Number(time[2])) / 15;
    const key = `${period}/${weekday}`;
    const shape = shapes.get(key) ?? new Float64Array(QUARTERS).fill(Number.NaN);
    shapes.set(key, shape);
    if (!Number.isInteger(q) || q >= QUARTERS || !Number.isNaN(shape[q]!)) {
      throw new ProfileFileError(
        `${source}: line ${row.line}: quarter-hour ${time[0]} is not new for ${key}`,
      );
    }
    shape[q] = profileNumber(row, opts.profile, source);
    filled.set(key, (filled.get(key) ?? 0) + 1);
  }
  for (const season of SEASONS) {
    for (let wd = 1; wd <= 7; wd++) {
      if (filled.get(`${season}/${wd}`) !== QUARTERS) {
        throw new ProfileFileError(
          `${source}: ${season} weekday ${wd} does not have all ${QUARTERS} quarter-hours`,
        );
      }
    }
  }
  const year = opts.year ?? 2019;
  const holidays = new Set(opts.holidays ?? []);
  const kw = new Float64Array(365 * QUARTERS);
  let d = 0;
  for (let month = 1; month <= 12; month++) {
    for (let day = 1; day <= 31; day++) {
      if (month === 2 && day === 29) continue; // a typical year has 365 days; Feb 29 reads Feb 28
      const days = daysFromCivil(year, month, day);
      if (new Date(days * DAY_MS).getUTCMonth() + 1 !== month) break;
      const iso = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const wd = holidays.has(iso) ? 7 : weekdayOfDay(days) + 1;
      const shape = shapes.get(`${seasonOf(month, day)}/${wd}`)!;
      const factor = opts.profile === 'h0' ? h0Factor(d + 1) : 1;
      for (let q = 0; q < QUARTERS; q++) kw[d * QUARTERS + q] = shape[q]! * factor;
      d++;
    }
  }
  let energy = 0;
  for (const v of kw) energy += v * 0.25;
  const k = energy > 0 ? opts.annualKwh / energy : 0;
  for (let i = 0; i < kw.length; i++) kw[i]! *= k;
  const yearly = {
    timeZone: opts.timeZone,
    standardTime: false,
    firstWeekday: weekdayOfDay(daysFromCivil(year, 1, 1)),
  };
  return { startMs: yearStartMs(yearly, year), stepMs: STEP_MS, kw, yearly };
}

/** Loads the BDEW typical-day CSV from a file and scales the chosen profile to annualKwh. */
export function loadBdewProfile(path: string, opts: BdewProfileOptions): PowerProfile {
  return parseBdewProfile(readProfileText(path), opts, path);
}
