/**
 * The building load profile (NREL/OpenEI commercial reference building, EnergyPlus hourly output): 8760
 * rows " MM/DD  HH:00:00", hour-ending with hours 01..24, no year, local standard time. Row " 01/01
 * 01:00:00" is the average kW from 00:00 to 01:00. Offices follow the week, so the profile is replayed
 * weekday-aligned (see PowerProfile.yearly.firstWeekday).
 */
import type { PowerProfile } from './power-profile.ts';
import { ProfileFileError, yearStartMs } from './power-profile.ts';
import { profileNumber, profileRows, readProfileText } from './profile-csv.ts';

export interface BuildingProfileOptions {
  /** The site's zone (the data is in its standard time). */
  readonly timeZone: string;
  /** Column to read; default the whole facility. */
  readonly column?: string;
  /** Multiply every value (e.g. to resize the building); default 1. */
  readonly scale?: number;
  /** Reference year for startMs; the profile repeats every year. Default 2019. */
  readonly year?: number;
  /** Weekday of the data's 1 January (0 = Monday); default: found from the data (the two quietest days). */
  readonly firstWeekday?: number;
}

/** Weekday of day 0 such that the days falling on Saturday and Sunday use the least energy on average. */
export function quietWeekendFirstWeekday(kw: Float64Array, samplesPerDay: number): number {
  const days = Math.floor(kw.length / samplesPerDay);
  const byWeekday = new Float64Array(7);
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < samplesPerDay; i++) byWeekday[d % 7]! += kw[d * samplesPerDay + i]!;
  }
  let best = 0;
  let bestSum = Number.POSITIVE_INFINITY;
  for (let first = 0; first < 7; first++) {
    // Day index d falls on weekday (first + d) % 7; Saturday = 5 and Sunday = 6 are d ≡ 5 - first, 6 - first.
    const sum = byWeekday[(5 - first + 7) % 7]! + byWeekday[(6 - first + 7) % 7]!;
    if (sum < bestSum) {
      bestSum = sum;
      best = first;
    }
  }
  return best;
}

export const FACILITY_COLUMN = 'Electricity:Facility [kW](Hourly)';
const STAMP_RE = /^(\d{1,2})\/(\d{1,2})\s+(\d{1,2}):00:00$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const HOUR_MS = 3_600_000;

/** Parses the EnergyPlus hourly CSV text into a yearly PowerProfile. */
export function parseBuildingProfile(
  text: string,
  opts: BuildingProfileOptions,
  source = 'building profile',
): PowerProfile {
  const column = opts.column ?? FACILITY_COLUMN;
  const scale = opts.scale ?? 1;
  const rows = profileRows(text, source, ['Date/Time', column]);
  if (rows.length !== 8760)
    throw new ProfileFileError(`${source}: expected 8760 hourly rows, got ${rows.length}`);
  const kw = new Float64Array(8760);
  let month = 1;
  let day = 1;
  let hour = 1;
  rows.forEach((row, i) => {
    const stamp = row.get('Date/Time');
    const m = STAMP_RE.exec(stamp);
    if (!m || Number(m[1]) !== month || Number(m[2]) !== day || Number(m[3]) !== hour) {
      const want = `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}  ${String(hour).padStart(2, '0')}:00:00`;
      throw new ProfileFileError(
        `${source}: line ${row.line}: expected the hour ending "${want}", got "${stamp}"`,
      );
    }
    kw[i] = profileNumber(row, column, source) * scale;
    if (++hour > 24) {
      hour = 1;
      if (++day > DAYS_IN_MONTH[month - 1]!) {
        day = 1;
        month++;
      }
    }
  });
  const firstWeekday = opts.firstWeekday ?? quietWeekendFirstWeekday(kw, 24);
  const yearly = { timeZone: opts.timeZone, standardTime: true, firstWeekday };
  return { startMs: yearStartMs(yearly, opts.year ?? 2019), stepMs: HOUR_MS, kw, yearly };
}

/** Loads the building profile CSV from a file. */
export function loadBuildingProfile(path: string, opts: BuildingProfileOptions): PowerProfile {
  return parseBuildingProfile(readProfileText(path), opts, path);
}
