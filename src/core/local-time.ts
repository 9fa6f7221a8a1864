/**
 * Local wall-clock time in an IANA time zone ↔ instants (ms since epoch), with the DST rules schedules
 * use. A "wall" value is a local date and time written as ms on a UTC-like axis with no DST (so day and
 * minute arithmetic on it is plain arithmetic); an "instant" is a real point in time.
 *
 * Intl.DateTimeFormat is slow (microseconds per call) and the allocator runs often, so formatters are
 * cached per zone and each UTC day's offsets (and its DST transition, if any) are memoised. The caches
 * are pure memoisation: results never depend on what was called before.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Offsets of one UTC day: at its start, at its end, and the instant between where they change. */
interface DayOffsets {
  readonly startOffsetMs: number;
  readonly endOffsetMs: number;
  /** First instant (whole second) with endOffsetMs, or null when the offset does not change that day. */
  readonly transitionMs: number | null;
}

const MAX_CACHED_DAYS = 20_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayCaches = new Map<string, Map<number, DayOffsets>>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: callers validate the zone once with isValidTimeZone.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime's ICU knows the IANA zone name (config validation uses this). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day number from daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Weekday of a day number, 0 = Monday … 6 = Sunday (ISO 8601 order; 1970-01-01 was a Thursday). */
export function weekdayOfDay(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

/** Offset (local − UTC) in ms at an instant, asked of Intl directly. */
function intlOffsetMs(timeZone: string, tMs: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter(timeZone).formatToParts(tMs)) {
    const v = Number(part.value);
    if (part.type === 'year') year = v;
    else if (part.type === 'month') month = v;
    else if (part.type === 'day') day = v;
    else if (part.type === 'hour')
      hour = v % 24; // some ICU versions print midnight as 24
    else if (part.type === 'minute') minute = v;
    else if (part.type === 'second') second = v;
  }
  const wallMs = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
  return wallMs - Math.floor(tMs / 1000) * 1000;
}

function dayOffsets(timeZone: string, day: number): DayOffsets {
  let cache = dayCaches.get(timeZone);
  if (!cache) {
    cache = new Map();
    dayCaches.set(timeZone, cache);
  }
  const hit = cache.get(day);
  if (hit) return hit;
  const startMs = day * DAY_MS;
  const startOffsetMs = intlOffsetMs(timeZone, startMs);
  const endOffsetMs = intlOffsetMs(timeZone, startMs + DAY_MS);
  let transitionMs: number | null = null;
  if (startOffsetMs !== endOffsetMs) {
    // Zones change offset on whole seconds: bisect to the first second with the new offset.
    // Assumes at most one change per UTC day, true of every zone in use today.
    let lo = startMs;
    let hi = startMs + DAY_MS;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (intlOffsetMs(timeZone, mid) === startOffsetMs) lo = mid;
      else hi = mid;
    }
    transitionMs = hi;
  }
  if (cache.size >= MAX_CACHED_DAYS) cache.clear();
  const entry = { startOffsetMs, endOffsetMs, transitionMs };
  cache.set(day, entry);
  return entry;
}

/** Offset of local time from UTC (local − UTC) in ms at instant tMs. */
export function offsetAtMs(timeZone: string, tMs: number): number {
  const d = dayOffsets(timeZone, Math.floor(tMs / DAY_MS));
  return d.transitionMs === null || tMs < d.transitionMs ? d.startOffsetMs : d.endOffsetMs;
}

/** The local wall-clock time of instant tMs, as wall ms. */
export function wallAtMs(timeZone: string, tMs: number): number {
  return tMs + offsetAtMs(timeZone, tMs);
}

/**
 * The instant at which the local wall clock reads `wallMs`. DST rules, as the configuration docs state:
 * - a wall time that occurs twice (fall-back overlap) maps to its first occurrence;
 * - a wall time that does not exist (spring-forward gap) maps to the first instant after the gap,
 *   e.g. 02:30 on the last Sunday of March in Europe/Berlin happens at 03:00 CEST.
 * The mapping is non-decreasing in wallMs, which keeps windows built from it well ordered.
 */
export function instantOfWall(timeZone: string, wallMs: number): number {
  // Offsets are within ±1 day, so the offsets in force a day either side are the only candidates.
  const before = offsetAtMs(timeZone, wallMs - DAY_MS);
  const after = offsetAtMs(timeZone, wallMs + DAY_MS);
  let best: number | null = null;
  for (const o of before === after ? [before] : [before, after]) {
    const t = wallMs - o;
    if (offsetAtMs(timeZone, t) === o && (best === null || t < best)) best = t;
  }
  if (best !== null) return best;
  // In a gap: the clocks jumped over wallMs at a transition between these two instants.
  const earliest = Math.min(wallMs - before, wallMs - after);
  const latest = Math.max(wallMs - before, wallMs - after);
  for (let day = Math.floor(earliest / DAY_MS); day <= Math.floor(latest / DAY_MS); day++) {
    const t = dayOffsets(timeZone, day).transitionMs;
    if (t !== null && t > earliest && t <= latest) return t;
  }
  return latest; // unreachable for zones with at most one change per day; still a valid, later instant
}

const TIME_RE = /^(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes since midnight of "HH:MM" (00:00–23:59, or 24:00 when allowed), or null when malformed. */
export function parseTimeOfDayMin(text: string, allowEndOfDay: boolean): number | null {
  const m = TIME_RE.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h === 24 && min === 0 && allowEndOfDay) return 24 * 60;
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

/** Day number of a calendar date "YYYY-MM-DD", or null when malformed or not a real date (2026-02-30). */
export function parseLocalDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : null;
}

/** Wall ms of a local date-time "YYYY-MM-DDTHH:MM" ("T24:00" = end of that day), or null when malformed. */
export function parseLocalDateTime(text: string): number | null {
  const [date, time, ...rest] = text.split('T');
  if (date === undefined || time === undefined || rest.length > 0) return null;
  const days = parseLocalDate(date);
  const min = parseTimeOfDayMin(time, true);
  return days === null || min === null ? null : days * DAY_MS + min * MINUTE_MS;
}
