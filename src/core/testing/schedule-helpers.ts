/** Building schedules and reading their limits in the schedule tests (schedule*.test.ts). */
import type { DatedException, Schedule, WeeklyEntry, Weekday } from '../schedule.ts';
import { WEEKDAYS, scheduledLimitAt } from '../schedule.ts';

export const HOUR_MS = 3_600_000;
export const at = (isoUtc: string): number => Date.parse(isoUtc);
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const ALL_DAYS: readonly Weekday[] = WEEKDAYS;
export const schedule = (weekly: WeeklyEntry[], exceptions: DatedException[] = []): Schedule => ({
  weekly,
  exceptions,
});
export const limitAt = (s: Schedule, zone: string, isoUtc: string) => {
  const r = scheduledLimitAt(s, zone, at(isoUtc));
  return { limitA: r.limitA, limitKw: r.limitKw, label: r.label, next: iso(r.nextChangeMs) };
};

/** Follows nextChangeMs from `fromIso` and lists the boundaries it lands on. */
export function boundaries(s: Schedule, zone: string, fromIso: string, count: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t = at(fromIso);
  for (let i = 0; i < count; i++) {
    const next = scheduledLimitAt(s, zone, t).nextChangeMs;
    out.push(iso(next));
    if (next === null) break;
    t = next;
  }
  return out;
}
