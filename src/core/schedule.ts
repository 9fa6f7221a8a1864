/** Time-varying limits: a weekly schedule plus dated exceptions, in the site's IANA time zone. */
import {
  DAY_MS,
  MINUTE_MS,
  instantOfWall,
  parseLocalDate,
  parseLocalDateTime,
  parseTimeOfDayMin,
  wallAtMs,
  weekdayOfDay,
} from './local-time.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A recurring window, in local wall-clock time. `to` ≤ `from` crosses midnight; `to` may be "24:00". */
export interface WeeklyEntry {
  readonly days: readonly Weekday[];
  /** "HH:MM" local time. */
  readonly from: string;
  /** "HH:MM" local time. */
  readonly to: string;
  readonly limitA?: number | undefined;
  readonly limitKw?: number | undefined;
  /** A name shown in explanations, e.g. "weekday peak". */
  readonly label?: string | undefined;
}

/**
 * A dated period during which the weekly entries do not apply (holidays, works): the exception's own
 * limits apply instead (none given = the static limit). Either a whole local `date`
 * ("YYYY-MM-DD") or a `from`/`to` pair of local date-times ("YYYY-MM-DDTHH:MM").
 */
export interface DatedException {
  readonly date?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limitA?: number | undefined;
  readonly limitKw?: number | undefined;
  readonly label?: string | undefined;
}

export interface Schedule {
  readonly weekly: readonly WeeklyEntry[];
  readonly exceptions: readonly DatedException[];
}

/** The limits a schedule sets at one instant, and when that may change. */
export interface ScheduledLimit {
  readonly limitA?: number | undefined;
  readonly limitKw?: number | undefined;
  /** What set limitA (else limitKw); when an exception is in force, that exception's label even without limits. */
  readonly label?: string | undefined;
  /** What set limitKw (may differ from label when overlapping entries set different fields). */
  readonly labelKw?: string | undefined;
  /** Next instant > t at which the result may change (a window or exception boundary); null if none. */
  readonly nextChangeMs: number | null;
}

/** How far ahead weekly boundaries are searched, in local days: a week plus slack for DST and midnight. */
const LOOKAHEAD_DAYS = 8;

interface Limited {
  readonly limitA: number | undefined;
  readonly limitKw: number | undefined;
  readonly label: string;
}

interface CompiledWeekly extends Limited {
  /** Bit k set = the entry starts windows on weekday k (0 = Monday). */
  readonly dayMask: number;
  readonly fromMin: number;
  /** End in minutes from the start day's midnight: past 1440 when the window crosses midnight. */
  readonly toMin: number;
}

interface CompiledException extends Limited {
  readonly fromWallMs: number;
  readonly toWallMs: number;
}

interface CompiledSchedule {
  readonly weekly: readonly CompiledWeekly[];
  readonly exceptions: readonly CompiledException[];
}

// Pure memoisation keyed by the (frozen) schedule object: parsing strings on every call is wasted work.
const compiled = new WeakMap<Schedule, CompiledSchedule>();

function compile(schedule: Schedule): CompiledSchedule {
  const hit = compiled.get(schedule);
  if (hit) return hit;
  const weekly: CompiledWeekly[] = [];
  for (const e of schedule.weekly) {
    const fromMin = parseTimeOfDayMin(e.from, false);
    const toMin = parseTimeOfDayMin(e.to, true);
    // Malformed entries cannot be evaluated; validateSchedule reports them when the config is loaded.
    if (fromMin === null || toMin === null) continue;
    let dayMask = 0;
    for (const d of e.days) {
      const k = WEEKDAYS.indexOf(d);
      if (k >= 0) dayMask |= 1 << k;
    }
    weekly.push({
      dayMask,
      fromMin,
      // `to` ≤ `from` crosses midnight: the window belongs to the day it starts on.
      toMin: toMin > fromMin ? toMin : toMin + 24 * 60,
      limitA: e.limitA,
      limitKw: e.limitKw,
      label: e.label ?? `${e.days.join(',')} ${e.from}–${e.to}`,
    });
  }
  const exceptions: CompiledException[] = [];
  for (const x of schedule.exceptions) {
    const span = exceptionWallSpan(x);
    if (!span) continue;
    exceptions.push({
      fromWallMs: span[0],
      toWallMs: span[1],
      limitA: x.limitA,
      limitKw: x.limitKw,
      label: x.label ?? x.date ?? `${x.from}–${x.to}`,
    });
  }
  const result = { weekly, exceptions };
  compiled.set(schedule, result);
  return result;
}

/** The local wall-clock span [from, to) of an exception, or null when malformed or empty. */
function exceptionWallSpan(x: DatedException): [number, number] | null {
  if (x.date !== undefined) {
    if (x.from !== undefined || x.to !== undefined) return null;
    const day = parseLocalDate(x.date);
    return day === null ? null : [day * DAY_MS, (day + 1) * DAY_MS];
  }
  if (x.from === undefined || x.to === undefined) return null;
  const from = parseLocalDateTime(x.from);
  const to = parseLocalDateTime(x.to);
  return from === null || to === null || to <= from ? null : [from, to];
}

/** Per field, the lowest limit among `items` and the label of what set it (first wins ties). */
function lowest(items: readonly Limited[]): {
  limitA?: number;
  limitKw?: number;
  labelA?: string;
  labelKw?: string;
} {
  let limitA: number | undefined;
  let limitKw: number | undefined;
  let labelA: string | undefined;
  let labelKw: string | undefined;
  for (const it of items) {
    if (it.limitA !== undefined && (limitA === undefined || it.limitA < limitA)) {
      limitA = it.limitA;
      labelA = it.label;
    }
    if (it.limitKw !== undefined && (limitKw === undefined || it.limitKw < limitKw)) {
      limitKw = it.limitKw;
      labelKw = it.label;
    }
  }
  return { limitA, limitKw, labelA, labelKw };
}

/**
 * The scheduled limits in force at instant tMs in `timeZone`. A dated exception covering tMs replaces the
 * weekly entries (its own limits, or none = the static limit); otherwise overlapping weekly windows give
 * the lowest limit per field. Window edges are instants from instantOfWall (DST rules there), so a
 * window is [start, end) in real time and nextChangeMs lands exactly on an edge.
 */
export function scheduledLimitAt(schedule: Schedule, timeZone: string, tMs: number): ScheduledLimit {
  const c = compile(schedule);
  if (c.weekly.length === 0 && c.exceptions.length === 0) return { nextChangeMs: null };
  let nextMs = Infinity;
  const edge = (ms: number): void => {
    if (ms > tMs && ms < nextMs) nextMs = ms;
  };

  const inException: CompiledException[] = [];
  const exceptionSpans: number[] = [];
  for (const x of c.exceptions) {
    const startMs = instantOfWall(timeZone, x.fromWallMs);
    const endMs = instantOfWall(timeZone, x.toWallMs);
    edge(startMs);
    edge(endMs);
    exceptionSpans.push(startMs, endMs);
    if (startMs <= tMs && tMs < endMs) inException.push(x);
  }
  // Weekly edges strictly inside an exception change nothing: skip them so the loop does not wake for them.
  const weeklyEdge = (ms: number): void => {
    if (ms <= tMs || ms >= nextMs) return;
    for (let i = 0; i < exceptionSpans.length; i += 2)
      if (exceptionSpans[i]! < ms && ms < exceptionSpans[i + 1]!) return;
    nextMs = ms;
  };

  const inWindow: CompiledWeekly[] = [];
  if (c.weekly.length > 0) {
    const today = Math.floor(wallAtMs(timeZone, tMs) / DAY_MS);
    // A window ends before the second local midnight after its start day; one more day back covers
    // zones whose date steps back at a DST change.
    for (let day = today - 2; day <= today + LOOKAHEAD_DAYS; day++) {
      const bit = 1 << weekdayOfDay(day);
      for (const w of c.weekly) {
        if ((w.dayMask & bit) === 0) continue;
        const startMs = instantOfWall(timeZone, day * DAY_MS + w.fromMin * MINUTE_MS);
        const endMs = instantOfWall(timeZone, day * DAY_MS + w.toMin * MINUTE_MS);
        weeklyEdge(startMs);
        weeklyEdge(endMs);
        if (startMs <= tMs && tMs < endMs) inWindow.push(w);
      }
    }
  }

  const nextChangeMs = nextMs === Infinity ? null : nextMs;
  if (inException.length > 0) {
    const l = lowest(inException);
    const label = l.labelA ?? l.labelKw ?? inException[0]!.label;
    return { limitA: l.limitA, limitKw: l.limitKw, label, labelKw: l.labelKw, nextChangeMs };
  }
  const l = lowest(inWindow);
  return {
    limitA: l.limitA,
    limitKw: l.limitKw,
    label: l.labelA ?? l.labelKw,
    labelKw: l.labelKw,
    nextChangeMs,
  };
}

/**
 * The scheduled limits of several independent schedules at tMs (a circuit's schedule from the site file and
 * each one made in the dashboard). Each is evaluated on its own, so a dated exception suspends only its own
 * schedule's weekly entries; per field the lowest limit wins with the label of the schedule that set it
 * (the first on ties); nextChangeMs is the earliest of theirs.
 */
export function scheduledLimitOfAll(
  schedules: readonly Schedule[],
  timeZone: string,
  tMs: number,
): ScheduledLimit {
  if (schedules.length === 1) return scheduledLimitAt(schedules[0]!, timeZone, tMs);
  let limitA: number | undefined;
  let limitKw: number | undefined;
  let labelA: string | undefined;
  let labelKw: string | undefined;
  // An exception in force without limits still names itself (see ScheduledLimit.label).
  let anyLabel: string | undefined;
  let nextChangeMs: number | null = null;
  for (const s of schedules) {
    const r = scheduledLimitAt(s, timeZone, tMs);
    if (r.limitA !== undefined && (limitA === undefined || r.limitA < limitA)) {
      limitA = r.limitA;
      labelA = r.label;
    }
    if (r.limitKw !== undefined && (limitKw === undefined || r.limitKw < limitKw)) {
      limitKw = r.limitKw;
      labelKw = r.labelKw ?? r.label;
    }
    anyLabel ??= r.label;
    if (r.nextChangeMs !== null && (nextChangeMs === null || r.nextChangeMs < nextChangeMs))
      nextChangeMs = r.nextChangeMs;
  }
  return { limitA, limitKw, label: labelA ?? labelKw ?? anyLabel, labelKw, nextChangeMs };
}

/** Human-readable problems with a schedule (bad times, dates, limits), each prefixed by its path; [] if fine. */
export function validateSchedule(schedule: Schedule): string[] {
  const errors: string[] = [];
  const checkLimits = (
    path: string,
    e: { limitA?: number | undefined; limitKw?: number | undefined },
  ): void => {
    for (const [key, v] of [
      ['limitA', e.limitA],
      ['limitKw', e.limitKw],
    ] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0))
        errors.push(`${path}.${key}: ${String(v)} is not a limit (a number ≥ 0)`);
    }
  };
  schedule.weekly.forEach((e, i) => {
    const path = `weekly[${i}]`;
    if (e.days.length === 0)
      errors.push(`${path}.days: no days given (use mon, tue, wed, thu, fri, sat, sun)`);
    for (const d of e.days)
      if (!WEEKDAYS.includes(d))
        errors.push(`${path}.days: "${String(d)}" is not a day (${WEEKDAYS.join(', ')})`);
    const fromMin = parseTimeOfDayMin(e.from, false);
    const toMin = parseTimeOfDayMin(e.to, true);
    if (fromMin === null) errors.push(`${path}.from: "${e.from}" is not a time of day (HH:MM, 00:00–23:59)`);
    if (toMin === null) errors.push(`${path}.to: "${e.to}" is not a time of day (HH:MM, 00:00–24:00)`);
    if (fromMin !== null && toMin !== null && fromMin === toMin)
      errors.push(
        `${path}: from and to are both ${e.from}; for a whole day write from: "00:00", to: "24:00"`,
      );
    if (e.limitA === undefined && e.limitKw === undefined)
      errors.push(`${path}: sets neither limitA nor limitKw, so it has no effect`);
    checkLimits(path, e);
  });
  schedule.exceptions.forEach((x, i) => {
    const path = `exceptions[${i}]`;
    if (x.date !== undefined) {
      if (x.from !== undefined || x.to !== undefined)
        errors.push(`${path}: give either date or from/to, not both`);
      if (parseLocalDate(x.date) === null)
        errors.push(`${path}.date: "${x.date}" is not a date (YYYY-MM-DD)`);
    } else if (x.from === undefined || x.to === undefined) {
      errors.push(`${path}: give a date ("YYYY-MM-DD") or both from and to ("YYYY-MM-DDTHH:MM")`);
    } else {
      const from = parseLocalDateTime(x.from);
      const to = parseLocalDateTime(x.to);
      if (from === null) errors.push(`${path}.from: "${x.from}" is not a local date-time (YYYY-MM-DDTHH:MM)`);
      if (to === null) errors.push(`${path}.to: "${x.to}" is not a local date-time (YYYY-MM-DDTHH:MM)`);
      if (from !== null && to !== null && to <= from)
        errors.push(`${path}: to (${x.to}) must be after from (${x.from})`);
    }
    checkLimits(path, x);
  });
  return errors;
}
