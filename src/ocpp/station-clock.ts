/**
 * How far a station's clock is from Fusebox's, measured from the timestamps it sends (docs/ocpp.md "Station
 * clocks and charging profiles"), so that the absolute times of the profiles Fusebox sends are in force by
 * the station's clock when Fusebox means them to be. Pure: times are arguments.
 *
 * Each timestamped message gives receive time − station time: the station's lag plus the message's delay
 * (the network, or a queue while it was offline). The smallest over the last `windowMs` is the estimate: a
 * delayed message only makes one larger. Used where being wrong is safe: a profile that starts further in
 * the past than needed, or lasts a little longer, changes nothing while Fusebox runs.
 */
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';

/** How long an observation counts, in ms. */
export const SKEW_WINDOW_MS = 15 * 60_000;
/** Observations kept per station (the oldest go first). */
const MAX_SAMPLES = 64;

export class StationClockSkew {
  private readonly samples: { readonly atMs: number; readonly offsetMs: number }[] = [];
  /**
   * The last offsetMs answer and the instant it was for (until the next observation): a profile sent asks
   * behindMs and aheadMs at one instant, and so does a station's other port in the same run.
   */
  private last: { readonly nowMs: number; readonly offsetMs: number | undefined } | null = null;

  constructor(private readonly windowMs = SKEW_WINDOW_MS) {}

  /** A timestamp `stationMs` received at `receivedMs` (both epoch ms; a non-finite one is ignored). */
  observe(stationMs: number, receivedMs: number): void {
    if (!Number.isFinite(stationMs) || !Number.isFinite(receivedMs)) return;
    this.samples.push({ atMs: receivedMs, offsetMs: receivedMs - stationMs });
    this.last = null;
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** The smallest receive − station offset seen in the window before `nowMs`; undefined without any. */
  private offsetMs(nowMs: number): number | undefined {
    if (this.last?.nowMs === nowMs) return this.last.offsetMs;
    let min: number | undefined;
    for (const s of this.samples) {
      if (s.atMs < nowMs - this.windowMs || s.atMs > nowMs + this.windowMs) continue;
      min = min === undefined ? s.offsetMs : Math.min(min, s.offsetMs);
    }
    this.last = { nowMs, offsetMs: min };
    return min;
  }

  /** How far the station's clock is behind Fusebox's, in ms (0 when ahead or not known). */
  behindMs(nowMs: number): number {
    return Math.max(0, this.offsetMs(nowMs) ?? 0);
  }

  /** How far it is ahead, in ms, at most CLOCK_AHEAD_MS (0 when behind or not known). */
  aheadMs(nowMs: number): number {
    return Math.min(CLOCK_AHEAD_MS, Math.max(0, -(this.offsetMs(nowMs) ?? 0)));
  }
}
