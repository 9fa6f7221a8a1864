/**
 * Arrival and departure written in local wall-clock time (no offset), turned into instants in an IANA zone.
 * A wall time in the spring-forward gap never happened: the row is a problem. A wall time in the fall-back
 * overlap happened twice: the stated duration decides when the data has one, else the earliest reading
 * with departure after arrival (the same first-occurrence rule as schedules).
 */
import { DAY_MS, daysFromCivil, offsetAtMs } from '../../core/local-time.ts';
import type { CsvRow } from './csv-table.ts';
import { requiredText, RowProblem } from './row-fields.ts';
import type { RowReader } from './session-format.ts';
import type { SimSession } from './sim-session.ts';

/** Wall ms (local time on a UTC-like axis) of a calendar date and time, or null when not a real date. */
export function wallMsOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const days = daysFromCivil(year, month, day);
  const back = new Date(days * DAY_MS);
  if (back.getUTCMonth() + 1 !== month || back.getUTCDate() !== day) return null;
  return days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

const HM_RE = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Wall ms of a date column and a time column "HH:MM[:SS]" (the UK council exports): the date must match
 * `dateRe` (`written` says how, in the problem) and `ymd` reads year, month and day from its match.
 */
export function dateAndTimeWall(
  row: CsvRow,
  dateColumn: string,
  timeColumn: string,
  dateRe: RegExp,
  written: string,
  ymd: (d: RegExpExecArray) => readonly [number, number, number],
): number {
  const date = requiredText(row, dateColumn);
  const time = requiredText(row, timeColumn);
  const d = dateRe.exec(date);
  const t = HM_RE.exec(time);
  if (!d) throw new RowProblem(`${dateColumn} is not a date "${written}": "${date}"`);
  if (!t) throw new RowProblem(`${timeColumn} is not a time "HH:MM": "${time}"`);
  const [year, month, day] = ymd(d);
  const w = wallMsOf(year, month, day, Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  if (w === null)
    throw new RowProblem(`${dateColumn} ${timeColumn} is not a real date and time: "${date} ${time}"`);
  return w;
}

/** Every instant at which the zone's clock reads wallMs: none (DST gap), one, or two (DST overlap). */
export function instantsOfWall(timeZone: string, wallMs: number): number[] {
  const offsets = new Set([offsetAtMs(timeZone, wallMs - DAY_MS), offsetAtMs(timeZone, wallMs + DAY_MS)]);
  const out: number[] = [];
  for (const o of offsets) {
    const t = wallMs - o;
    if (offsetAtMs(timeZone, t) === o) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

function isoWall(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** Counts of rows whose local times fell in a DST overlap, by how the reading was chosen. */
export interface DstTally {
  byDuration: number;
  earliest: number;
}

/** A fresh tally. */
export function dstTally(): DstTally {
  return { byDuration: 0, earliest: 0 };
}

/** The import notes of a tally (none when no row was ambiguous). */
export function dstNotes(t: DstTally, timeZone: string): string[] {
  const notes: string[] = [];
  if (t.byDuration > 0) {
    notes.push(
      `${t.byDuration} row(s) had a time in the repeated DST hour of ${timeZone}; the stated duration chose the reading`,
    );
  }
  if (t.earliest > 0) {
    notes.push(
      `${t.earliest} row(s) had a time in the repeated DST hour of ${timeZone}; the earliest reading with departure after arrival was used`,
    );
  }
  return notes;
}

/**
 * Arrival and departure instants of a local-time session; throws RowProblem when no reading is valid.
 * When `tally` is given, a row with a DST-ambiguous time is counted there.
 */
export function localSpan(
  timeZone: string,
  arrivalWallMs: number,
  departureWallMs: number,
  statedDurationMs?: number,
  tally?: DstTally,
): { arrivalMs: number; departureMs: number } {
  const starts = instantsOfWall(timeZone, arrivalWallMs);
  const ends = instantsOfWall(timeZone, departureWallMs);
  if (starts.length === 0)
    throw new RowProblem(`arrival ${isoWall(arrivalWallMs)} does not exist in ${timeZone} (DST gap)`);
  if (ends.length === 0)
    throw new RowProblem(`departure ${isoWall(departureWallMs)} does not exist in ${timeZone} (DST gap)`);
  let best: { arrivalMs: number; departureMs: number; miss: number } | null = null;
  for (const a of starts) {
    for (const d of ends) {
      if (d <= a) continue;
      const miss = statedDurationMs === undefined ? 0 : Math.abs(d - a - statedDurationMs);
      // Strictly better only: ties keep the earliest reading (loops run in ascending order).
      if (best === null || miss < best.miss) best = { arrivalMs: a, departureMs: d, miss };
    }
  }
  if (best === null) {
    const what = departureWallMs === arrivalWallMs ? 'equals' : 'is before';
    throw new RowProblem(`departure ${isoWall(departureWallMs)} ${what} arrival ${isoWall(arrivalWallMs)}`);
  }
  if (tally && (starts.length > 1 || ends.length > 1)) {
    if (statedDurationMs === undefined) tally.earliest++;
    else tally.byDuration++;
  }
  return { arrivalMs: best.arrivalMs, departureMs: best.departureMs };
}

/** A row reader whose rows share one DST tally in `timeZone`; its notes are the tally's (dstNotes). */
export function dstTallyReader(
  timeZone: string,
  read: (row: CsvRow, tally: DstTally) => SimSession,
): RowReader {
  const tally = dstTally();
  return { read: (row) => read(row, tally), notes: () => dstNotes(tally, timeZone) };
}
