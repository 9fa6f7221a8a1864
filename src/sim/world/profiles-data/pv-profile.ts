/**
 * PV production from an NREL SAM simulation: rows "Mon D, hh:mm am" (no year, local standard time, the
 * interval's start), 30-min or hourly, "Array DC power | (kW)". AC power = min(DC × scale × inverter
 * efficiency, AC rating).
 */
import type { PowerProfile } from './power-profile.ts';
import { ProfileFileError, yearStartMs } from './power-profile.ts';
import { profileNumber, profileRows, readProfileText } from './profile-csv.ts';

export interface PvProfileOptions {
  /** The site's zone (the data is in its standard time). */
  readonly timeZone: string;
  /** Multiply DC power, e.g. 50 / 219.586 to model a 50 kWdc array from the 219.586 kWdc JPL one. Default 1. */
  readonly scale?: number;
  /** DC to AC efficiency of the inverter; default 1 (DC power taken as AC). */
  readonly inverterEfficiency?: number;
  /** Inverter AC rating in kW: output is clipped here. Default: no clipping. */
  readonly acRatingKw?: number;
  /** Reference year for startMs; the profile repeats every year. Default 2019. */
  readonly year?: number;
}

export const PV_DC_COLUMN = 'Array DC power | (kW)';
const STAMP_RE = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{1,2}):(\d{2}) (am|pm)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const MINUTE_MS = 60_000;
const YEAR_MIN = 365 * 1440;

/** Minutes since 1 January 00:00 of a SAM time stamp, or null when malformed. */
function stampMinute(stamp: string): number | null {
  const m = STAMP_RE.exec(stamp);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  const day = Number(m[2]);
  const h12 = Number(m[3]);
  const minute = Number(m[4]);
  if (month < 0 || day < 1 || h12 < 1 || h12 > 12 || minute > 59) return null;
  const hour = (h12 % 12) + (m[5] === 'pm' ? 12 : 0);
  return (DAYS_BEFORE_MONTH[month]! + day - 1) * 1440 + hour * 60 + minute;
}

/** Parses SAM CSV text into a yearly PowerProfile of AC kW. */
export function parsePvProfile(text: string, opts: PvProfileOptions, source = 'PV profile'): PowerProfile {
  const scale = opts.scale ?? 1;
  const eff = opts.inverterEfficiency ?? 1;
  const ac = opts.acRatingKw ?? Number.POSITIVE_INFINITY;
  if (!(scale >= 0) || !(eff > 0 && eff <= 1) || !(ac > 0)) {
    throw new ProfileFileError(`${source}: scale must be ≥ 0, inverterEfficiency in (0, 1], acRatingKw > 0`);
  }
  const rows = profileRows(text, source, ['Time stamp', PV_DC_COLUMN]);
  const second = rows[1] ? stampMinute(rows[1].get('Time stamp')) : null;
  const stepMin = second ?? 0;
  if (stepMin <= 0 || YEAR_MIN % stepMin !== 0 || rows.length !== YEAR_MIN / stepMin) {
    throw new ProfileFileError(
      `${source}: expected a whole year of 30-min or hourly rows, got ${rows.length} rows`,
    );
  }
  const kw = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const stamp = row.get('Time stamp');
    if (stampMinute(stamp) !== i * stepMin) {
      throw new ProfileFileError(
        `${source}: line ${row.line}: time stamp "${stamp}" is not ${stepMin} min after the previous row`,
      );
    }
    kw[i] = Math.min(profileNumber(row, PV_DC_COLUMN, source) * scale * eff, ac);
  });
  const yearly = { timeZone: opts.timeZone, standardTime: true };
  return { startMs: yearStartMs(yearly, opts.year ?? 2019), stepMs: stepMin * MINUTE_MS, kw, yearly };
}

/** Loads a SAM PV CSV from a file. */
export function loadPvProfile(path: string, opts: PvProfileOptions): PowerProfile {
  return parsePvProfile(readProfileText(path), opts, path);
}
