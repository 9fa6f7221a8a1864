/**
 * The site file's `tariff:` section (docs/configuration.md, "tariff"): time-of-use energy prices by season
 * (months), day type (weekdays, weekends, holidays or named days) and band (from a local time until the next
 * band), demand charges per kW of the billing month's highest demand window (optionally per band), the export
 * price and currency, and the live demand cap's settings. Checked here (coverage of every month and day, band
 * order, DST gaps in the site's zone) and turned into the core's Tariff (src/core/tariff.ts), the same model
 * `fusebox simulate --tariff` uses.
 */
import { z } from 'zod';
import {
  DAY_MS,
  MINUTE_MS,
  instantOfWall,
  offsetAtMs,
  parseLocalDate,
  parseTimeOfDayMin,
  wallAtMs,
} from '../core/local-time.ts';
import { WEEKDAYS } from '../core/schedule.ts';
import type { Tariff, TariffBand, TariffSchedule } from '../core/tariff.ts';
import { makeTariff } from '../core/tariff.ts';
import type { DocPath } from './config-problem.ts';
import type { Report } from './problem-list.ts';

const DAY_TOKENS = ['weekdays', 'weekends', 'holidays', ...WEEKDAYS] as const;
type DayToken = (typeof DAY_TOKENS)[number];
const DAY_NAMES = ['Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays', 'Sundays'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const HOUR_DIVISORS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

const price = z
  .number({ error: 'expected a price per kWh such as 0.25' })
  .nonnegative('must not be negative');
const perKw = z.number({ error: 'expected a price per kW such as 15' }).nonnegative('must not be negative');
const kw = z.number({ error: 'expected a power in kW' }).nonnegative('must not be negative');

const bandSchema = z.strictObject({
  from: z
    .string({ error: 'expected a local time "HH:MM" (quote it)' })
    .refine((t) => parseTimeOfDayMin(t, false) !== null, {
      error: (iss) => `'${String(iss.input)}' is not a local time "HH:MM" from 00:00 to 23:59`,
    }),
  perKwh: price,
  /** A time-of-use demand charge: per kW of the month's highest window starting in this band. */
  demandPerKw: perKw.optional(),
});

const pricesSchema = z.strictObject({
  days: z
    .array(
      z.enum(DAY_TOKENS, {
        error: (iss) => `'${String(iss.input)}' is not a day type: use ${DAY_TOKENS.join(', ')}`,
      }),
      { error: 'expected a list of day types such as [weekdays] or [sat, sun, holidays]' },
    )
    .min(1, 'give at least one day type'),
  bands: z
    .array(bandSchema, { error: "expected a list of bands such as [{ from: '00:00', perKwh: 0.2 }]" })
    .min(1, 'give at least one band'),
});

const seasonSchema = z.strictObject({
  name: z.string({ error: 'expected a name' }).min(1, 'must not be empty'),
  months: z
    .array(
      z
        .number({ error: 'expected a month number 1-12' })
        .int('expected a month number 1-12')
        .min(1, 'expected a month number 1-12')
        .max(12, 'expected a month number 1-12'),
      { error: 'expected a list of months such as [6, 7, 8, 9]' },
    )
    .min(1, 'give at least one month'),
  /** Per kW of the billing month's highest demand window, whenever it happens. */
  demandPerKw: perKw.default(0),
  prices: z.array(pricesSchema, { error: 'expected a list of prices by day type' }).min(1, 'give prices'),
});

/** `tariff.demand`: the live demand cap (docs/control.md, "Demand cap"). Present: the cap runs. */
export const demandSettingsSchema = z.strictObject({
  /** Length of a demand window in minutes; windows follow the local clock (:00, :15, ...). */
  windowMin: z
    .number({ error: 'expected a number of minutes' })
    .int('expected a whole number of minutes')
    .default(15)
    .refine((m) => HOUR_DIVISORS.includes(m), {
      error: `must divide an hour (${HOUR_DIVISORS.slice(0, -1).join(', ')} or 60 min)`,
    }),
  /** A pinned target in kW: the cap holds every window's average at or below it, whatever the month's peak. */
  targetKw: kw.optional(),
  /** The target never goes below this (kW), so that the first windows of a month do not pin the cars at 0. */
  floorKw: kw.optional(),
});

export const tariffSectionSchema = z.strictObject({
  name: z.string({ error: 'expected a name' }).min(1, 'must not be empty').default('tariff'),
  currency: z
    .string({ error: 'expected a currency code such as EUR or USD' })
    .regex(/^[A-Z]{3}$/, {
      error: (iss) => `'${String(iss.input)}' is not a currency code such as EUR or USD`,
    })
    .optional(),
  /** What exported energy earns per kWh. */
  exportPerKwh: price.default(0),
  holidays: z
    .array(
      z.string({ error: 'expected a date YYYY-MM-DD' }).refine((t) => parseLocalDate(t) !== null, {
        error: (iss) => `'${String(iss.input)}' is not a date YYYY-MM-DD`,
      }),
      { error: "expected a list of dates such as ['2026-12-25']" },
    )
    .default([]),
  demand: demandSettingsSchema.optional(),
  seasons: z.array(seasonSchema, { error: 'expected a list of seasons' }).min(1, 'give at least one season'),
});

export type TariffSection = z.infer<typeof tariffSectionSchema>;
export type DemandSettings = z.infer<typeof demandSettingsSchema>;

/** The weekdays (0 = Monday) and the holiday flag of a list of day types. */
function daysOf(tokens: readonly DayToken[]): { weekdays: boolean[]; holidays: boolean } {
  const weekdays = Array<boolean>(7).fill(false);
  let holidays = false;
  for (const t of tokens) {
    if (t === 'weekdays') for (let d = 0; d < 5; d++) weekdays[d] = true;
    else if (t === 'weekends') weekdays[5] = weekdays[6] = true;
    else if (t === 'holidays') holidays = true;
    else weekdays[WEEKDAYS.indexOf(t)] = true;
  }
  return { weekdays, holidays };
}

/** Weekdays (0 = Monday) a day type stands for. */
function weekdaysOf(t: DayToken): number[] {
  if (t === 'weekdays') return [0, 1, 2, 3, 4];
  if (t === 'weekends') return [5, 6];
  if (t === 'holidays') return [];
  return [WEEKDAYS.indexOf(t)];
}

const hhmm = (min: number): string =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/**
 * Checks a validated tariff section against itself and the site's zone, reports at `path`, and returns the
 * core Tariff when it has no errors. `nowMs` picks the year whose DST changes are checked (the next 12 months).
 */
export function checkTariff(
  section: TariffSection,
  timeZone: string,
  report: Report,
  nowMs: number = Date.now(),
  path: DocPath = ['tariff'],
): Tariff | undefined {
  let errors = 0;
  const error = (p: DocPath, message: string): void => {
    errors++;
    report.error(p, message);
  };
  const seasonOfMonth = new Map<number, number>();
  section.seasons.forEach((s, si) => {
    s.months.forEach((m, mi) => {
      const first = seasonOfMonth.get(m);
      if (first === undefined) seasonOfMonth.set(m, si);
      else {
        const other = section.seasons[first]!.name;
        error(
          [...path, 'seasons', si, 'months', mi],
          `month ${m} (${MONTH_NAMES[m - 1]}) is in season "${other}" and in season "${s.name}"`,
        );
      }
    });
  });
  for (let m = 1; m <= 12; m++) {
    if (!seasonOfMonth.has(m))
      error([...path, 'seasons'], `no season covers month ${m} (${MONTH_NAMES[m - 1]})`);
  }
  section.seasons.forEach((s, si) => {
    const pricedBy = Array<number>(7).fill(-1);
    let holidayEntry = -1;
    s.prices.forEach((p, pi) => {
      p.days.forEach((t, ti) => {
        if (t === 'holidays') {
          if (holidayEntry >= 0 && holidayEntry !== pi)
            error(
              [...path, 'seasons', si, 'prices', pi, 'days', ti],
              `holidays are priced twice in season "${s.name}"`,
            );
          holidayEntry = pi;
        }
        for (const d of weekdaysOf(t)) {
          if (pricedBy[d] === -1 || pricedBy[d] === pi) pricedBy[d] = pi;
          else
            error(
              [...path, 'seasons', si, 'prices', pi, 'days', ti],
              `${DAY_NAMES[d]} are priced twice in season "${s.name}"`,
            );
        }
      });
      for (let bi = 1; bi < p.bands.length; bi++) {
        const prev = p.bands[bi - 1]!.from;
        const cur = p.bands[bi]!.from;
        if (parseTimeOfDayMin(cur, false)! <= parseTimeOfDayMin(prev, false)!)
          error(
            [...path, 'seasons', si, 'prices', pi, 'bands', bi, 'from'],
            `bands must start in order: '${cur}' is not after '${prev}'`,
          );
      }
    });
    pricedBy.forEach((pi, d) => {
      if (pi === -1)
        error([...path, 'seasons', si, 'prices'], `season "${s.name}" has no prices for ${DAY_NAMES[d]}`);
    });
  });
  if (errors > 0) return undefined;
  checkDst(section, timeZone, report, nowMs, path);
  return buildTariff(section, timeZone);
}

/** Warns at every band start that does not exist (spring gap) or happens twice (autumn) in the zone. */
function checkDst(
  section: TariffSection,
  timeZone: string,
  report: Report,
  nowMs: number,
  path: DocPath,
): void {
  const changes: { day: number; beforeMs: number; afterMs: number }[] = [];
  const firstDay = Math.floor(nowMs / DAY_MS);
  for (let d = firstDay; d < firstDay + 366; d++) {
    const before = offsetAtMs(timeZone, d * DAY_MS);
    const after = offsetAtMs(timeZone, (d + 1) * DAY_MS);
    if (before !== after) changes.push({ day: d, beforeMs: before, afterMs: after });
  }
  if (changes.length === 0) return;
  section.seasons.forEach((s, si) =>
    s.prices.forEach((p, pi) =>
      p.bands.forEach((b, bi) => {
        const min = parseTimeOfDayMin(b.from, false)!;
        for (const c of changes) {
          // The local day of the change: the UTC day d, or the one after in zones east of UTC ahead of it.
          for (const localDay of [c.day, c.day + 1]) {
            const wall = localDay * DAY_MS + min * MINUTE_MS;
            const t = instantOfWall(timeZone, wall);
            const date = isoDate(localDay);
            const where = [...path, 'seasons', si, 'prices', pi, 'bands', bi, 'from'];
            if (wallAtMs(timeZone, t) !== wall) {
              const gapStart = hhmm(
                Math.round((wallAtMs(timeZone, t - 1) + 1 - localDay * DAY_MS) / MINUTE_MS),
              );
              const startsAt = hhmm(Math.round((wallAtMs(timeZone, t) - localDay * DAY_MS) / MINUTE_MS));
              report.warning(
                where,
                `'${b.from}' does not exist on ${date} in ${timeZone} (the clocks go from ${gapStart} to ${startsAt}): that day this band starts at ${startsAt}`,
              );
              return;
            }
            const second = wall - Math.min(c.beforeMs, c.afterMs);
            if (second !== t && wallAtMs(timeZone, second) === wall) {
              report.warning(
                where,
                `'${b.from}' happens twice on ${date} in ${timeZone} (the clocks go back): that day this band starts at its first occurrence and the band before it returns for the repeated time`,
              );
              return;
            }
          }
        }
      }),
    ),
  );
}

function isoDate(day: number): string {
  const d = new Date(day * DAY_MS);
  return d.toISOString().slice(0, 10);
}

/** The core Tariff of a checked section: one schedule per season, month and price entry. */
export function buildTariff(section: TariffSection, timeZone: string): Tariff {
  const schedules: TariffSchedule[] = [];
  for (const s of section.seasons) {
    for (const m of s.months) {
      for (const p of s.prices) {
        const bands: TariffBand[] = p.bands.map((b) => ({
          fromMin: parseTimeOfDayMin(b.from, false)!,
          pricePerKwh: b.perKwh,
          ...(b.demandPerKw !== undefined ? { demandChargePerKw: b.demandPerKw } : {}),
        }));
        schedules.push({
          id: `${s.name} ${p.days.join('+')}`,
          startMonth: m,
          startDay: 1,
          endMonth: m,
          endDay: DAYS_IN_MONTH[m - 1]!,
          ...daysOf(p.days),
          bands,
          demandChargePerKw: s.demandPerKw,
        });
      }
    }
  }
  return makeTariff(section.name, timeZone, schedules, {
    currency: section.currency,
    exportPricePerKwh: section.exportPerKwh,
    holidays: section.holidays,
    demandWindowMs: (section.demand?.windowMin ?? 15) * MINUTE_MS,
  });
}
