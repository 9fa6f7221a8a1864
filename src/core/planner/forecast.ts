/**
 * The planner's forecast of the net building load (building − PV, kW) per slot, behind an interface that
 * takes a better one. The simple one here:
 * - building load: the average of the same quarter hour of the local day over the last `days` days of
 *   history (default 7); a quarter hour with no history takes the mean of all history, else 0;
 * - PV: a clear-sky shape, cos of the sun's zenith angle from the latitude, longitude and day of the year
 *   (declination 23.44°·sin(2π(284 + day)/365), solar time from UTC and the longitude, no equation of
 *   time: the shape is off by up to 16 min), scaled by the highest ratio of measured PV to that shape seen
 *   in the history while the sun stood above 17° (cos zenith > 0.3). Clouds are not forecast: it is the
 *   clear-sky upper bound, so the plan may expect more PV than comes; the real-time layer still holds every
 *   limit on what is measured.
 * Pure: history comes in, nothing is read.
 */
import { DAY_MS, civilFromDays, daysFromCivil, wallAtMs } from '../local-time.ts';

/** What the planner asks: the net building load expected in the slot starting at `slotStartMs`, kW. */
export interface NetLoadForecast {
  netKwAt(slotStartMs: number): number;
}

/** Measured history, sample i holding from startMs + i·stepMs; NaN where unknown. */
export interface LoadHistory {
  readonly startMs: number;
  readonly stepMs: number;
  readonly buildingKw: ArrayLike<number>;
  readonly pvKw?: ArrayLike<number> | undefined;
}

export interface HistoryForecastOptions {
  readonly timeZone: string;
  /** Days of history the building average spans (default 7). */
  readonly days?: number | undefined;
  /** Where the PV is, degrees (north and east positive); without them, no PV is forecast. */
  readonly latitudeDeg?: number | undefined;
  readonly longitudeDeg?: number | undefined;
}

const QUARTER_MS = 15 * 60_000;
const DEG = Math.PI / 180;

/** cos of the sun's zenith angle at an instant (≤ 0: below the horizon). */
export function clearSkyShape(tMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const days = Math.floor(tMs / DAY_MS);
  const { year } = civilFromDays(days);
  const dayOfYear = days - daysFromCivil(year, 1, 1) + 1;
  const decl = 23.44 * DEG * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
  const utcHours = (tMs - days * DAY_MS) / 3_600_000;
  const solarHours = utcHours + longitudeDeg / 15;
  const hourAngle = 15 * DEG * (solarHours - 12);
  const lat = latitudeDeg * DEG;
  return Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
}

/** The forecast of the file comment, from `history` (see LoadHistory). */
export function historyForecast(history: LoadHistory, opts: HistoryForecastOptions): NetLoadForecast {
  const days = opts.days ?? 7;
  const bucketOf = (t: number): number =>
    Math.floor((((wallAtMs(opts.timeZone, t) % DAY_MS) + DAY_MS) % DAY_MS) / QUARTER_MS);
  const n = history.buildingKw.length;
  const endMs = history.startMs + n * history.stepMs;
  const fromMs = endMs - days * DAY_MS;
  const sum = new Float64Array(96);
  const count = new Float64Array(96);
  let all = 0;
  let allCount = 0;
  let pvScale = 0;
  const hasSun = opts.latitudeDeg !== undefined && opts.longitudeDeg !== undefined;
  for (let i = 0; i < n; i++) {
    const t = history.startMs + i * history.stepMs;
    const kw = history.buildingKw[i]!;
    if (Number.isFinite(kw) && t >= fromMs) {
      const b = bucketOf(t);
      sum[b] = sum[b]! + kw;
      count[b] = count[b]! + 1;
      all += kw;
      allCount++;
    }
    const pv = history.pvKw?.[i];
    if (hasSun && pv !== undefined && Number.isFinite(pv)) {
      const shape = clearSkyShape(t + history.stepMs / 2, opts.latitudeDeg ?? 0, opts.longitudeDeg ?? 0);
      if (shape > 0.3) pvScale = Math.max(pvScale, pv / shape);
    }
  }
  const fallback = allCount > 0 ? all / allCount : 0;
  return {
    netKwAt(t: number): number {
      const b = bucketOf(t);
      const building = count[b]! > 0 ? sum[b]! / count[b]! : fallback;
      const pv = hasSun
        ? pvScale *
          Math.max(0, clearSkyShape(t + QUARTER_MS / 2, opts.latitudeDeg ?? 0, opts.longitudeDeg ?? 0))
        : 0;
      return building - pv;
    },
  };
}
