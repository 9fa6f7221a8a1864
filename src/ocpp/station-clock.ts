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
  /**
   * The last MAX_SAMPLES observations in a ring (`next` is where the next one goes): their receive times and
   * offsets in two flat arrays, not an object each. At 1,000 stations that was 64,000 small objects for V8
   * to mark at every major GC, and the scan in every profile sent (offsetMs) touched 64 of them scattered
   * over the heap: in the soak's CPU profile, the largest part of sending a limit.
   */
  private readonly atMs = new Float64Array(MAX_SAMPLES);
  private readonly offsets = new Float64Array(MAX_SAMPLES);
  private count = 0;
  private next = 0;
  /**
   * The last offsetMs answer and the instant it was for (until the next observation): a profile sent asks
   * behindMs and aheadMs at one instant, and so does a station's other port in the same run.
   */
  private lastNowMs = NaN;
  private lastOffsetMs: number | undefined;

  constructor(private readonly windowMs = SKEW_WINDOW_MS) {}

  /** A timestamp `stationMs` received at `receivedMs` (both epoch ms; a non-finite one is ignored). */
  observe(stationMs: number, receivedMs: number): void {
    if (!Number.isFinite(stationMs) || !Number.isFinite(receivedMs)) return;
    this.atMs[this.next] = receivedMs;
    this.offsets[this.next] = receivedMs - stationMs;
    this.next = (this.next + 1) % MAX_SAMPLES; // the oldest goes first
    this.count = Math.min(this.count + 1, MAX_SAMPLES);
    this.lastNowMs = NaN;
  }

  /** The smallest receive − station offset seen in the window before `nowMs`; undefined without any. */
  private offsetMs(nowMs: number): number | undefined {
    if (this.lastNowMs === nowMs) return this.lastOffsetMs;
    let min = Infinity;
    for (let i = 0; i < this.count; i++) {
      const at = this.atMs[i]!;
      if (at < nowMs - this.windowMs || at > nowMs + this.windowMs) continue;
      min = Math.min(min, this.offsets[i]!);
    }
    this.lastNowMs = nowMs;
    this.lastOffsetMs = min === Infinity ? undefined : min;
    return this.lastOffsetMs;
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
