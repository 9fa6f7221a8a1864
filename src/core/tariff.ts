/**
 * Time-of-use energy prices and monthly demand charges (the acnportal tariff schedule model), evaluated in
 * the tariff's IANA zone. Pure: the loader validates a file into a Tariff; everything here is arithmetic.
 */
import { DAY_MS, MINUTE_MS, civilFromDays, instantOfWall, wallAtMs, weekdayOfDay } from './local-time.ts';

/** One price band: from a minute of the local day, until the next band starts. */
export interface TariffBand {
  /** Minutes since local midnight (8.5 h in the file = 510). */
  readonly fromMin: number;
  readonly pricePerKwh: number;
}

/** A schedule in force on a range of calendar days (MM-DD, inclusive, may wrap the new year) and weekdays. */
export interface TariffSchedule {
  readonly id: string;
  readonly startMonth: number;
  readonly startDay: number;
  readonly endMonth: number;
  readonly endDay: number;
  /** Weekdays it applies on, index 0 = Monday … 6 = Sunday. */
  readonly weekdays: readonly boolean[];
  /** Sorted by fromMin; a day's minutes before the first band belong to the last band (it wraps midnight). */
  readonly bands: readonly TariffBand[];
  /** $/kW of the billing month's highest demand. */
  readonly demandChargePerKw: number;
}

export interface Tariff {
  readonly name: string;
  /** The zone the schedule's local times are in (the site's). */
  readonly timeZone: string;
  /** In file order: where schedules overlap, the first one applies. */
  readonly schedules: readonly TariffSchedule[];
  /** Index into schedules for [day of a leap year 0..365][weekday 0..6], -1 where none applies. */
  readonly lookup: readonly Int16Array[];
}

/** A power series in kW: sample i holds from startMs + i·stepMs for stepMs. */
export interface PowerSeries {
  readonly startMs: number;
  readonly stepMs: number;
  readonly kw: ArrayLike<number>;
}

/** One billing month's demand charge. */
export interface MonthlyDemandCharge {
  /** "YYYY-MM" in the tariff's zone. */
  readonly month: string;
  readonly peakKw: number;
  /** Start of the demand window that set the peak. */
  readonly peakAtMs: number;
  readonly chargePerKw: number;
  readonly charge: number;
}

export const DEMAND_WINDOW_MS = 15 * MINUTE_MS;
const HOUR_MS = 3_600_000;
const MONTH_START_DAY = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

/** Day of a leap year (0..365) of a month and day; Feb 29 has its own slot. */
export function dayOfLeapYear(month: number, day: number): number {
  return (MONTH_START_DAY[month - 1] ?? 0) + day - 1;
}

/** True when a schedule is in force on a day of a leap year (0..365) and weekday (0 = Monday). */
export function scheduleAppliesOn(s: TariffSchedule, yday: number, weekday: number): boolean {
  if (!s.weekdays[weekday]) return false;
  const from = dayOfLeapYear(s.startMonth, s.startDay);
  const to = dayOfLeapYear(s.endMonth, s.endDay);
  return from <= to ? yday >= from && yday <= to : yday >= from || yday <= to;
}

/** The lookup table of a schedule list (first applicable schedule per day of year and weekday). */
export function scheduleLookup(schedules: readonly TariffSchedule[]): Int16Array[] {
  const table: Int16Array[] = [];
  for (let yday = 0; yday < 366; yday++) {
    const row = new Int16Array(7).fill(-1);
    for (let wd = 0; wd < 7; wd++) row[wd] = schedules.findIndex((s) => scheduleAppliesOn(s, yday, wd));
    table.push(row);
  }
  return table;
}

/** Builds a Tariff (computes its lookup table). */
export function makeTariff(name: string, timeZone: string, schedules: readonly TariffSchedule[]): Tariff {
  return { name, timeZone, schedules, lookup: scheduleLookup(schedules) };
}

/** Local calendar facts of an instant in the tariff's zone. */
function localOf(
  tariff: Tariff,
  tMs: number,
): { yday: number; weekday: number; minute: number; year: number; month: number } {
  const wall = wallAtMs(tariff.timeZone, tMs);
  const day = Math.floor(wall / DAY_MS);
  const { year, month, day: dom } = civilFromDays(day);
  return {
    yday: dayOfLeapYear(month, dom),
    weekday: weekdayOfDay(day),
    minute: (wall - day * DAY_MS) / MINUTE_MS,
    year,
    month,
  };
}

/** The schedule in force at an instant; throws when the tariff has none for that day (a loader bug). */
export function scheduleAt(tariff: Tariff, tMs: number): TariffSchedule {
  const { yday, weekday } = localOf(tariff, tMs);
  const s = tariff.schedules[tariff.lookup[yday]?.[weekday] ?? -1];
  if (!s)
    throw new RangeError(`tariff ${tariff.name}: no schedule applies at ${new Date(tMs).toISOString()}`);
  return s;
}

/** Energy price in $/kWh at an instant (local time in the tariff's zone). */
export function energyPriceAt(tariff: Tariff, tMs: number): number {
  const { yday, weekday, minute } = localOf(tariff, tMs);
  const s = tariff.schedules[tariff.lookup[yday]?.[weekday] ?? -1];
  if (!s)
    throw new RangeError(`tariff ${tariff.name}: no schedule applies at ${new Date(tMs).toISOString()}`);
  let price = s.bands[s.bands.length - 1]!.pricePerKwh;
  for (const b of s.bands) {
    if (b.fromMin > minute) break;
    price = b.pricePerKwh;
  }
  return price;
}

/** Demand charge rate in $/kW in force at an instant. */
export function demandChargeRateAt(tariff: Tariff, tMs: number): number {
  return scheduleAt(tariff, tMs).demandChargePerKw;
}

/** Billing month "YYYY-MM" of an instant, in the tariff's zone. */
export function billingMonth(tariff: Tariff, tMs: number): string {
  const { year, month } = localOf(tariff, tMs);
  return `${year}-${String(month).padStart(2, '0')}`;
}

/**
 * The next instant after tMs at which the price may change: the next band start or local midnight
 * (where the schedule may change). DST-correct: boundaries are local wall times.
 */
export function nextPriceChangeMs(tariff: Tariff, tMs: number): number {
  const wall = wallAtMs(tariff.timeZone, tMs);
  const day = Math.floor(wall / DAY_MS);
  const minute = (wall - day * DAY_MS) / MINUTE_MS;
  const s = scheduleAt(tariff, tMs);
  const next = s.bands.find((b) => b.fromMin > minute);
  const boundaryWall = day * DAY_MS + (next ? next.fromMin * MINUTE_MS : DAY_MS);
  const t = instantOfWall(tariff.timeZone, boundaryWall);
  // A boundary inside a DST overlap maps to its first occurrence, which may not be after tMs.
  return t > tMs ? t : tMs + MINUTE_MS;
}

/** Energy cost in $ of a kW series: each step's energy priced exactly, split where the price changes. */
export function energyCost(tariff: Tariff, series: PowerSeries): number {
  let cost = 0;
  for (let i = 0; i < series.kw.length; i++) {
    const kw = series.kw[i]!;
    if (kw === 0) continue;
    let t = series.startMs + i * series.stepMs;
    const end = t + series.stepMs;
    while (t < end) {
      const until = Math.min(end, nextPriceChangeMs(tariff, t));
      cost += ((kw * (until - t)) / HOUR_MS) * energyPriceAt(tariff, t);
      t = until;
    }
  }
  return cost;
}

/**
 * Average kW over fixed demand windows aligned to the local clock (:00, :15, :30, :45 for 15 min), as a
 * meter's demand register does. A window the series covers only partly averages over the covered part.
 */
export function demandWindows(
  series: PowerSeries,
  timeZone: string,
  windowMs = DEMAND_WINDOW_MS,
): { startMs: number; kw: number }[] {
  const out: { startMs: number; kw: number }[] = [];
  let key = Number.NaN;
  let startMs = 0;
  let energy = 0;
  let covered = 0;
  const flush = (): void => {
    if (covered > 0) out.push({ startMs, kw: energy / covered });
  };
  for (let i = 0; i < series.kw.length; i++) {
    let t = series.startMs + i * series.stepMs;
    const end = t + series.stepMs;
    const kw = series.kw[i]!;
    while (t < end) {
      const wall = wallAtMs(timeZone, t);
      const k = Math.floor(wall / windowMs);
      if (k !== key) {
        flush();
        key = k;
        startMs = t - (wall - k * windowMs);
        energy = 0;
        covered = 0;
      }
      const until = Math.min(end, startMs + windowMs);
      energy += kw * (until - t);
      covered += until - t;
      t = until;
    }
  }
  flush();
  return out;
}

/** Highest 15-min (or windowMs) demand of a series in kW, 0 for an empty series. */
export function demandPeakKw(series: PowerSeries, timeZone: string, windowMs = DEMAND_WINDOW_MS): number {
  let peak = 0;
  for (const w of demandWindows(series, timeZone, windowMs)) if (w.kw > peak) peak = w.kw;
  return peak;
}

/**
 * Demand charge per billing month: the month's highest window demand × the demand charge of the schedule
 * in force when that peak happened.
 */
export function monthlyDemandCharges(
  tariff: Tariff,
  series: PowerSeries,
  windowMs = DEMAND_WINDOW_MS,
): MonthlyDemandCharge[] {
  const peaks = new Map<string, { kw: number; atMs: number }>();
  for (const w of demandWindows(series, tariff.timeZone, windowMs)) {
    const month = billingMonth(tariff, w.startMs);
    const p = peaks.get(month);
    if (!p || w.kw > p.kw) peaks.set(month, { kw: w.kw, atMs: w.startMs });
  }
  return [...peaks].map(([month, p]) => {
    const chargePerKw = demandChargeRateAt(tariff, p.atMs);
    return { month, peakKw: p.kw, peakAtMs: p.atMs, chargePerKw, charge: p.kw * chargePerKw };
  });
}

/** Total demand charge in $ of a series over all its billing months. */
export function demandCharge(tariff: Tariff, series: PowerSeries, windowMs = DEMAND_WINDOW_MS): number {
  return monthlyDemandCharges(tariff, series, windowMs).reduce((a, m) => a + m.charge, 0);
}
