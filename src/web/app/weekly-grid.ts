/**
 * A week as 7 x 24 hourly cells (Monday first) and back to schedule entries: the model behind the schedule
 * grid. Pure, so it is unit-tested in Node (src/web/weekly-grid.test.ts).
 */
import type { Day, WeeklyEntry } from './api-types.ts';

export const DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const HOURS = 24;

/** Limit in A per hour of the week (index day * 24 + hour), null where the schedule sets nothing. */
export type WeekCells = (number | null)[];

/** An empty week. */
export function emptyWeek(): WeekCells {
  return new Array<number | null>(DAYS.length * HOURS).fill(null);
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
const hhmm = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;

/**
 * Cells of weekly entries: an hour is covered when the entry overlaps it; where entries overlap, the lower
 * limit wins (as in the control loop). Entries with only a kW limit leave cells empty; `inexact` tells the
 * caller that some entry did not start and end on the hour (shown rounded outwards).
 */
export function weekFromEntries(entries: readonly WeeklyEntry[]): {
  cells: WeekCells;
  inexact: boolean;
  kwOnly: boolean;
} {
  const cells = emptyWeek();
  let inexact = false;
  let kwOnly = false;
  for (const e of entries) {
    if (e.limitA === undefined) {
      kwOnly = true;
      continue;
    }
    const from = minutes(e.from);
    const to = minutes(e.to);
    if (from % 60 !== 0 || to % 60 !== 0) inexact = true;
    for (const day of e.days) {
      const d = DAYS.indexOf(day);
      if (d < 0) continue;
      for (let h = Math.floor(from / 60); h < Math.ceil(to / 60) && h < HOURS; h++) {
        const i = d * HOURS + h;
        const cur = cells[i] ?? null;
        cells[i] = cur === null ? e.limitA : Math.min(cur, e.limitA);
      }
    }
  }
  return { cells, inexact, kwOnly };
}

/** Schedule entries for the cells: one entry per run of equal hours, days with the same runs merged. */
export function entriesFromWeek(cells: WeekCells): WeeklyEntry[] {
  const byRun = new Map<string, { days: Day[]; from: string; to: string; limitA: number }>();
  for (let d = 0; d < DAYS.length; d++) {
    let h = 0;
    while (h < HOURS) {
      const v = cells[d * HOURS + h] ?? null;
      if (v === null) {
        h++;
        continue;
      }
      let end = h + 1;
      while (end < HOURS && cells[d * HOURS + end] === v) end++;
      const from = hhmm(h);
      const to = end === HOURS ? '24:00' : hhmm(end);
      const key = `${from}|${to}|${v}`;
      const run = byRun.get(key) ?? { days: [], from, to, limitA: v };
      run.days.push(DAYS[d]!);
      byRun.set(key, run);
      h = end;
    }
  }
  return [...byRun.values()].sort(
    (a, b) => a.from.localeCompare(b.from) || DAYS.indexOf(a.days[0]!) - DAYS.indexOf(b.days[0]!),
  );
}

/** Sets the cells of a rectangle (inclusive corners, any order) to a limit (null clears). */
export function paint(
  cells: WeekCells,
  a: { day: number; hour: number },
  b: { day: number; hour: number },
  value: number | null,
): WeekCells {
  const next = cells.slice();
  for (let d = Math.min(a.day, b.day); d <= Math.max(a.day, b.day); d++)
    for (let h = Math.min(a.hour, b.hour); h <= Math.max(a.hour, b.hour); h++) next[d * HOURS + h] = value;
  return next;
}
