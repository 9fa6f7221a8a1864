/**
 * The maths of the live demand cap (docs/control.md, "Demand cap"), pure: demand windows on the local clock,
 * billing periods (local calendar months), the running window's average from sampled power, the power left
 * for the rest of a window under a target, and the target itself. The control loop's side is
 * src/control/demand-cap.ts.
 */
import { DAY_MS, civilFromDays, daysFromCivil, instantOfWall, wallAtMs } from './local-time.ts';

/** A demand window: [startMs, endMs). */
export interface WindowBounds {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The window holding instant tMs: aligned to the local clock (:00, :15, :30, :45 for 15 min), as a meter's
 * demand register is. windowMs divides an hour, so zone offsets (whole quarter hours) keep windows whole; in
 * the hour the clocks go back, the repeated local times have windows of their own.
 */
export function demandWindowAt(timeZone: string, tMs: number, windowMs: number): WindowBounds {
  const wall = wallAtMs(timeZone, tMs);
  const startMs = tMs - (wall - Math.floor(wall / windowMs) * windowMs);
  return { startMs, endMs: startMs + windowMs };
}

/** A billing period: the local calendar month, "YYYY-MM", from local midnight on the 1st to the next 1st. */
export interface BillingPeriod extends WindowBounds {
  readonly key: string;
}

export function billingPeriodAt(timeZone: string, tMs: number): BillingPeriod {
  const { year, month } = civilFromDays(Math.floor(wallAtMs(timeZone, tMs) / DAY_MS));
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return {
    key: `${year}-${String(month).padStart(2, '0')}`,
    startMs: instantOfWall(timeZone, daysFromCivil(year, month, 1) * DAY_MS),
    endMs: instantOfWall(timeZone, daysFromCivil(next.year, next.month, 1) * DAY_MS),
  };
}

/** A window that has ended, with its average over the time its power was known. */
export interface ClosedWindow extends WindowBounds {
  readonly averageKw: number;
}

/** The running window so far. */
export interface RunningWindow extends WindowBounds {
  /** Energy so far in kW·ms (kW × ms: divide by 3.6e6 for kWh). */
  readonly energyKwMs: number;
  /** Time of the window whose power is known, in ms (less than elapsed after a start or a silent meter). */
  readonly coveredMs: number;
  /** energyKwMs / coveredMs, 0 while nothing is covered. */
  readonly averageKw: number;
}

interface MeterState {
  window: WindowBounds | null;
  energyKwMs: number;
  coveredMs: number;
  /** The last sample: its power holds until the next one (null: unknown, nothing is counted). */
  lastMs: number | null;
  lastKw: number | null;
}

/**
 * Averages a sampled power over the demand windows: each sample's power holds until the next sample
 * (a meter's reading is the best knowledge until the next one). A window whose power was known only for a
 * part of it averages over that part; unknown power (null) leaves a gap.
 */
export class DemandWindowMeter {
  private s: MeterState = { window: null, energyKwMs: 0, coveredMs: 0, lastMs: null, lastKw: null };

  constructor(
    readonly timeZone: string,
    readonly windowMs: number,
  ) {}

  /** A sample at nowMs (kW, import positive; null: unknown). Returns the windows that ended since the last one. */
  observe(nowMs: number, kw: number | null): ClosedWindow[] {
    const closed = advance(this.s, this.timeZone, this.windowMs, nowMs);
    this.s.lastMs = nowMs;
    this.s.lastKw = kw !== null && Number.isFinite(kw) ? kw : null;
    return closed;
  }

  /** The window holding nowMs, with the last sample held until nowMs. */
  current(nowMs: number): RunningWindow {
    const s = { ...this.s };
    advance(s, this.timeZone, this.windowMs, nowMs);
    const w = s.window ?? demandWindowAt(this.timeZone, nowMs, this.windowMs);
    return {
      ...w,
      energyKwMs: s.energyKwMs,
      coveredMs: s.coveredMs,
      averageKw: s.coveredMs > 0 ? s.energyKwMs / s.coveredMs : 0,
    };
  }
}

/** Moves the state to toMs, counting the held power; returns the windows that ended. */
function advance(s: MeterState, timeZone: string, windowMs: number, toMs: number): ClosedWindow[] {
  const closed: ClosedWindow[] = [];
  if (s.window === null) s.window = demandWindowAt(timeZone, s.lastMs ?? toMs, windowMs);
  // A clock stepped back: nothing to count (the next sample starts from there).
  let t = s.lastMs === null || s.lastMs > toMs ? toMs : s.lastMs;
  while (true) {
    const until = Math.min(toMs, s.window.endMs);
    if (s.lastKw !== null && until > t) {
      s.energyKwMs += s.lastKw * (until - t);
      s.coveredMs += until - t;
    }
    t = Math.max(t, until);
    if (toMs < s.window.endMs) break;
    if (s.coveredMs > 0) closed.push({ ...s.window, averageKw: s.energyKwMs / s.coveredMs });
    s.window = demandWindowAt(timeZone, s.window.endMs, windowMs);
    s.energyKwMs = 0;
    s.coveredMs = 0;
  }
  if (toMs < s.window.startMs) {
    // Stepped back before the window: start over in the window of toMs.
    s.window = demandWindowAt(timeZone, toMs, windowMs);
    s.energyKwMs = 0;
    s.coveredMs = 0;
  }
  return closed;
}

export interface RemainingWindowInput {
  readonly targetKw: number;
  readonly windowMs: number;
  /** Time since the window started. */
  readonly elapsedMs: number;
  readonly energyKwMs: number;
  readonly coveredMs: number;
  /** Power now: it continues for leadMs, the time a new limit takes to be followed. */
  readonly currentKw: number;
  readonly leadMs: number;
}

/**
 * The constant power for the rest of the window that brings its average exactly to the target: what the
 * target allows over the window (over the part that was seen and the rest) less the energy so far and the
 * present power for the lead time, spread over what remains after the lead time. Never below 0; within the
 * lead time of the end, nothing sent now acts in this window, and the next one starts at the target.
 */
export function remainingWindowKw(i: RemainingWindowInput): number {
  const remaining = i.windowMs - i.elapsedMs;
  if (remaining <= i.leadMs) return i.targetKw;
  const allowed = i.targetKw * (i.coveredMs + remaining) - i.energyKwMs - i.currentKw * i.leadMs;
  return Math.max(0, allowed / (remaining - i.leadMs));
}

export type TargetReason = 'pinned' | 'period peak' | 'floor' | 'cars need';

export interface TargetInput {
  /** An operator's or the site file's pinned target: it wins. */
  readonly pinnedKw?: number | undefined;
  /** The highest window average of the billing period so far (already paid for: free to use). */
  readonly periodPeakKw: number;
  readonly floorKw?: number | undefined;
  /** What the cars with a deadline need at the grid (deadlineNeedKw), 0 when none. */
  readonly needKw: number;
}

/** The target: a pin; else the period's peak (at least the floor), raised to what the cars need. */
export function demandTarget(i: TargetInput): { targetKw: number; reason: TargetReason } {
  if (i.pinnedKw !== undefined) return { targetKw: i.pinnedKw, reason: 'pinned' };
  const floor = i.floorKw ?? 0;
  const base =
    i.periodPeakKw >= floor
      ? { targetKw: i.periodPeakKw, reason: 'period peak' as const }
      : { targetKw: floor, reason: 'floor' as const };
  return i.needKw > base.targetKw ? { targetKw: i.needKw, reason: 'cars need' } : base;
}

/** A session with a deadline, as the need rule sees it. */
export interface DeadlineSession {
  readonly departureMs: number;
  readonly energyKwh: number;
  /** The most it can take, in kW. */
  readonly maxKw: number;
}

/**
 * The least constant grid power that serves every session with a deadline (earliest deadline first: for
 * each departure, the energy of the sessions leaving by then over the time until then), plus `otherKw` (the
 * non-EV load, assumed to stay). A session counts for no more than its maximum power can deliver by its
 * departure: more would not serve it. 0 when no session needs anything.
 */
export function deadlineNeedKw(sessions: readonly DeadlineSession[], nowMs: number, otherKw: number): number {
  const open = sessions
    .filter((s) => s.departureMs > nowMs && s.energyKwh > 0)
    .sort((a, b) => a.departureMs - b.departureMs);
  let cumKwh = 0;
  let needKw = 0;
  for (const s of open) {
    const hours = (s.departureMs - nowMs) / 3_600_000;
    cumKwh += Math.min(s.energyKwh, Math.max(0, s.maxKw) * hours);
    needKw = Math.max(needKw, cumKwh / hours);
  }
  return needKw > 0 ? needKw + Math.max(0, otherKw) : 0;
}

/** A billing period's peak, as stored: the highest demand window average at the grid connection. */
export interface DemandPeakRecord {
  /** Local calendar month "YYYY-MM". */
  readonly period: string;
  readonly peakKw: number;
  /** Start of the window that set it. */
  readonly peakAtMs: number;
  readonly windowMs: number;
}

/** A target pinned by an operator, as stored. */
export interface DemandPinRecord {
  readonly targetKw: number;
  readonly by: string;
  readonly atMs: number;
}
