/**
 * Loads a tariff JSON file in the acnportal schema (`schedule[] = {id, effective_start, effective_end,
 * dow_mask, times, tariffs, demand_charge}`) into the core's Tariff, checking every field. Unlike
 * acnportal, fractional hours are honoured (8.5 = 08:30) and effective_end is used.
 */
import { readDataText } from '../../data-file.ts';
import { isValidTimeZone } from '../../../core/local-time.ts';
import type { Tariff, TariffBand, TariffSchedule } from '../../../core/tariff.ts';
import { makeTariff, scheduleAppliesOn } from '../../../core/tariff.ts';

/** A tariff file that cannot be used: names the file and the field. */
export class TariffFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TariffFileError';
  }
}

export interface LoadedTariff {
  readonly tariff: Tariff;
  /** Overlapping schedules (the first in the file wins) and similar oddities worth telling the user. */
  readonly warnings: readonly string[];
}

const DOW_MASKS: Record<string, readonly boolean[]> = {
  ALL: [true, true, true, true, true, true, true],
  WEEKDAYS: [true, true, true, true, true, false, false],
  WEEKENDS: [false, false, false, false, false, true, true],
};
const MONTH_DAY_RE = /^(\d{1,2})-(\d{1,2})$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const WEEKDAY_NAMES = ['Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays', 'Sundays'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function monthDay(v: unknown, where: string): { month: number; day: number } {
  const m = typeof v === 'string' ? MONTH_DAY_RE.exec(v) : null;
  const month = m ? Number(m[1]) : 0;
  const day = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) {
    throw new TariffFileError(`${where}: expected a month-day "MM-DD", got ${JSON.stringify(v)}`);
  }
  return { month, day };
}

function finiteNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TariffFileError(`${where}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function schedule(v: unknown, where: string): TariffSchedule {
  if (!isRecord(v)) throw new TariffFileError(`${where}: expected an object`);
  const id = typeof v.id === 'string' && v.id !== '' ? v.id : null;
  if (id === null) throw new TariffFileError(`${where}.id: expected a non-empty string`);
  const start = monthDay(v.effective_start, `${where}.effective_start`);
  const end = monthDay(v.effective_end, `${where}.effective_end`);
  const weekdays = typeof v.dow_mask === 'string' ? DOW_MASKS[v.dow_mask] : undefined;
  if (!weekdays) {
    throw new TariffFileError(
      `${where}.dow_mask: expected one of ${Object.keys(DOW_MASKS).join(', ')}, got ${JSON.stringify(v.dow_mask)}`,
    );
  }
  if (!Array.isArray(v.times) || v.times.length === 0)
    throw new TariffFileError(`${where}.times: expected a non-empty array of hours`);
  if (!Array.isArray(v.tariffs) || v.tariffs.length !== v.times.length) {
    throw new TariffFileError(`${where}.tariffs: expected one price per entry of times (${v.times.length})`);
  }
  const prices = v.tariffs as unknown[];
  const bands: TariffBand[] = (v.times as unknown[]).map((t, i) => {
    const hour = finiteNumber(t, `${where}.times[${i}]`);
    if (hour < 0 || hour >= 24)
      throw new TariffFileError(`${where}.times[${i}]: expected an hour in [0, 24), got ${hour}`);
    return { fromMin: Math.round(hour * 60), pricePerKwh: finiteNumber(prices[i], `${where}.tariffs[${i}]`) };
  });
  for (let i = 1; i < bands.length; i++) {
    if (bands[i]!.fromMin <= bands[i - 1]!.fromMin)
      throw new TariffFileError(`${where}.times: hours must increase (entry ${i})`);
  }
  const demandChargePerKw = finiteNumber(v.demand_charge ?? 0, `${where}.demand_charge`);
  if (demandChargePerKw < 0) throw new TariffFileError(`${where}.demand_charge: must be ≥ 0 $/kW`);
  return {
    id,
    startMonth: start.month,
    startDay: start.day,
    endMonth: end.month,
    endDay: end.day,
    weekdays,
    bands,
    demandChargePerKw,
  };
}

/** Validates parsed JSON into a Tariff in the given zone; `source` names the file in errors. */
export function parseTariff(json: unknown, timeZone: string, source = 'tariff'): LoadedTariff {
  if (!isValidTimeZone(timeZone)) throw new TariffFileError(`${source}: unknown time zone "${timeZone}"`);
  if (!isRecord(json)) throw new TariffFileError(`${source}: expected a JSON object`);
  if (!Array.isArray(json.schedule) || json.schedule.length === 0) {
    throw new TariffFileError(`${source}: schedule: expected a non-empty array`);
  }
  const name = typeof json.name === 'string' && json.name !== '' ? json.name : source;
  const schedules = (json.schedule as unknown[]).map((s, i) => schedule(s, `${source}: schedule[${i}]`));
  const tariff = makeTariff(name, timeZone, schedules);
  const warnings: string[] = [];
  const overlaps = new Map<string, Set<string>>();
  for (let yday = 0; yday < 366; yday++) {
    for (let wd = 0; wd < 7; wd++) {
      const first = tariff.lookup[yday]![wd]!;
      if (first < 0) {
        const { month, day } = dateOfLeapDay(yday);
        throw new TariffFileError(
          `${source}: no schedule applies on ${pad(month)}-${pad(day)} for ${WEEKDAY_NAMES[wd]}`,
        );
      }
      schedules.forEach((s, i) => {
        if (i > first && scheduleAppliesOn(s, yday, wd)) {
          const key = `${schedules[first]!.id}|${s.id}`;
          if (!overlaps.has(key)) overlaps.set(key, new Set());
          overlaps.get(key)!.add(WEEKDAY_NAMES[wd]!);
        }
      });
    }
  }
  for (const [key, days] of overlaps) {
    const [a, b] = key.split('|');
    warnings.push(
      `${source}: schedules "${a}" and "${b}" both apply (${[...days].join(', ')}); "${a}", first in the file, is used`,
    );
  }
  return { tariff, warnings };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function dateOfLeapDay(yday: number): { month: number; day: number } {
  let month = 1;
  let rest = yday;
  while (rest >= DAYS_IN_MONTH[month - 1]!) rest -= DAYS_IN_MONTH[month++ - 1]!;
  return { month, day: rest + 1 };
}

/** Loads a tariff JSON file (acnportal schema) for a site in `timeZone`. */
export function loadTariffFile(path: string, timeZone: string): LoadedTariff {
  let json: unknown;
  try {
    json = JSON.parse(readDataText(path));
  } catch (err) {
    throw new TariffFileError(`${path}: cannot read tariff JSON: ${(err as Error).message}`);
  }
  return parseTariff(json, timeZone, path);
}
