/**
 * Time-of-use energy prices and monthly demand charges, evaluated in the tariff's IANA zone (the site's).
 * One model for the site file's `tariff:` section (src/config/tariff-section.ts) and the acnportal JSON files
 * `fusebox simulate --tariff` reads (src/sim/world/profiles-data/tariff-file.ts). Pure: the loaders validate into a
 * Tariff; everything here is arithmetic.
 */
import {
  DAY_MS,
  MINUTE_MS,
  civilFromDays,
  instantOfWall,
  parseLocalDate,
  wallAtMs,
  weekdayOfDay,
} from './local-time.ts';

/** One price band: from a minute of the local day, until the next band starts. */
export interface TariffBand {
  /** Minutes since local midnight (8.5 h in the file = 510). */
  readonly fromMin: number;
  readonly pricePerKwh: number;
  /**
   * $/kW of the billing month's highest demand among the windows that start in this band (a time-of-use
   * demand charge, paid on top of the schedule's demandChargePerKw); absent: none.
   */
  readonly demandChargePerKw?: number | undefined;
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
  /** Whether it applies on the tariff's holidays (which take the first such schedule, whatever their weekday). */
  readonly holidays?: boolean | undefined;
  /** Sorted by fromMin; a day's minutes before the first band belong to the last band (it wraps midnight). */
  readonly bands: readonly TariffBand[];
  /** $/kW of the billing month's highest demand. */
  readonly demandChargePerKw: number;
}

/** What a tariff has beyond its schedules; every field optional. */
export interface TariffExtras {
  /** ISO 4217 code the prices are in, e.g. "USD" (only shown). */
  readonly currency?: string | undefined;
  /** What exported energy earns, per kWh (0 when absent). */
  readonly exportPricePerKwh?: number | undefined;
  /** Local dates "YYYY-MM-DD" priced as holidays. */
  readonly holidays?: readonly string[] | undefined;
  /** Length of a demand window in ms (15 min when absent); it divides an hour. */
  readonly demandWindowMs?: number | undefined;
}

export interface Tariff {
  readonly name: string;
  /** The zone the schedule's local times are in (the site's). */
  readonly timeZone: string;
  /** In file order: where schedules overlap, the first one applies. */
  readonly schedules: readonly TariffSchedule[];
  /** Index into schedules for [day of a leap year 0..365][weekday 0..6], -1 where none applies. */
  readonly lookup: readonly Int16Array[];
  readonly currency: string | undefined;
  readonly exportPricePerKwh: number;
  /** Local day numbers (days since 1970-01-01) of the holidays. */
  readonly holidayDays: ReadonlySet<number>;
  /** Index into schedules of the first that applies on holidays, per day of a leap year; -1: none (weekday rule). */
  readonly holidayLookup: Int16Array;
  readonly demandWindowMs: number;
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
  /** The month's whole demand charge: peakKw × chargePerKw plus every band charge. */
  readonly charge: number;
  /** Time-of-use demand charges (bands with their own demandChargePerKw); absent when the tariff has none. */
  readonly bandCharges?: readonly BandDemandCharge[];
}

/** One band's demand charge in a billing month: its highest window demand × its rate. */
export interface BandDemandCharge {
  readonly scheduleId: string;
  /** The band's start (minutes since local midnight). */
  readonly fromMin: number;
  readonly peakKw: number;
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

/** Builds a Tariff (computes its lookup tables). Holidays that are not dates are a loader bug: RangeError. */
export function makeTariff(
  name: string,
  timeZone: string,
  schedules: readonly TariffSchedule[],
  extras: TariffExtras = {},
): Tariff {
  const holidayDays = new Set<number>();
  for (const h of extras.holidays ?? []) {
    const d = parseLocalDate(h);
    if (d === null) throw new RangeError(`tariff ${name}: holiday "${h}" is not a date YYYY-MM-DD`);
    holidayDays.add(d);
  }
  const holidayLookup = new Int16Array(366).fill(-1);
  for (let yday = 0; yday < 366; yday++) {
    holidayLookup[yday] = schedules.findIndex(
      (s) => s.holidays === true && scheduleAppliesOn({ ...s, weekdays: ALL_DAYS }, yday, 0),
    );
  }
  return {
    name,
    timeZone,
    schedules,
    lookup: scheduleLookup(schedules),
    currency: extras.currency,
    exportPricePerKwh: extras.exportPricePerKwh ?? 0,
    holidayDays,
    holidayLookup,
    demandWindowMs: extras.demandWindowMs ?? DEMAND_WINDOW_MS,
  };
}

const ALL_DAYS = [true, true, true, true, true, true, true];

/** Local calendar facts of an instant in the tariff's zone. */
function localOf(
  tariff: Tariff,
  tMs: number,
): { yday: number; weekday: number; minute: number; year: number; month: number; day: number } {
  const wall = wallAtMs(tariff.timeZone, tMs);
  const day = Math.floor(wall / DAY_MS);
  const { year, month, day: dom } = civilFromDays(day);
  return {
    yday: dayOfLeapYear(month, dom),
    weekday: weekdayOfDay(day),
    minute: (wall - day * DAY_MS) / MINUTE_MS,
    year,
    month,
    day,
  };
}

/** Index of the schedule of a local day: a holiday's first holiday schedule, else by weekday; -1 when none. */
function scheduleIndex(tariff: Tariff, yday: number, weekday: number, day: number): number {
  if (tariff.holidayDays.has(day)) {
    const h = tariff.holidayLookup[yday] ?? -1;
    if (h >= 0) return h;
  }
  return tariff.lookup[yday]?.[weekday] ?? -1;
}

/** The schedule in force at an instant; throws when the tariff has none for that day (a loader bug). */
export function scheduleAt(tariff: Tariff, tMs: number): TariffSchedule {
  const { yday, weekday, day } = localOf(tariff, tMs);
  const s = tariff.schedules[scheduleIndex(tariff, yday, weekday, day)];
  if (!s)
    throw new RangeError(`tariff ${tariff.name}: no schedule applies at ${new Date(tMs).toISOString()}`);
  return s;
}

/** The band in force at an instant and its schedule. */
export function bandAt(tariff: Tariff, tMs: number): { schedule: TariffSchedule; band: TariffBand } {
  const { minute } = localOf(tariff, tMs);
  const s = scheduleAt(tariff, tMs);
  let band = s.bands[s.bands.length - 1]!;
  for (const b of s.bands) {
    if (b.fromMin > minute) break;
    band = b;
  }
  return { schedule: s, band };
}

/** Energy price in $/kWh at an instant (local time in the tariff's zone). */
export function energyPriceAt(tariff: Tariff, tMs: number): number {
  return bandAt(tariff, tMs).band.pricePerKwh;
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
  windowMs = tariff.demandWindowMs,
): MonthlyDemandCharge[] {
  const peaks = new Map<string, { kw: number; atMs: number }>();
  /** Per month, per band with its own rate ("scheduleId|fromMin"): the highest window starting in it. */
  const bandPeaks = new Map<string, Map<string, BandDemandCharge>>();
  for (const w of demandWindows(series, tariff.timeZone, windowMs)) {
    const month = billingMonth(tariff, w.startMs);
    const p = peaks.get(month);
    if (!p || w.kw > p.kw) peaks.set(month, { kw: w.kw, atMs: w.startMs });
    const { schedule, band } = bandAt(tariff, w.startMs);
    const rate = band.demandChargePerKw;
    if (rate === undefined) continue;
    let m = bandPeaks.get(month);
    if (!m) bandPeaks.set(month, (m = new Map<string, BandDemandCharge>()));
    const key = `${schedule.id}|${band.fromMin}`;
    const b = m.get(key);
    if (!b || w.kw > b.peakKw) {
      m.set(key, {
        scheduleId: schedule.id,
        fromMin: band.fromMin,
        peakKw: w.kw,
        peakAtMs: w.startMs,
        chargePerKw: rate,
        charge: w.kw * rate,
      });
    }
  }
  return [...peaks].map(([month, p]): MonthlyDemandCharge => {
    const chargePerKw = demandChargeRateAt(tariff, p.atMs);
    const bands = [...(bandPeaks.get(month)?.values() ?? [])];
    const charge = p.kw * chargePerKw + bands.reduce((a, b) => a + b.charge, 0);
    const base = { month, peakKw: p.kw, peakAtMs: p.atMs, chargePerKw, charge };
    return bands.length > 0 ? { ...base, bandCharges: bands } : base;
  });
}

/** Total demand charge in $ of a series over all its billing months. */
export function demandCharge(tariff: Tariff, series: PowerSeries, windowMs = tariff.demandWindowMs): number {
  return monthlyDemandCharges(tariff, series, windowMs).reduce((a, m) => a + m.charge, 0);
}
