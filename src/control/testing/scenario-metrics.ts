/** Measurements the scenario tests assert on, and a way to print them for reports. */
import type { Overload } from '../../sim/world/site-world.ts';

/** Jain's fairness index of non-negative values: 1 = all equal, 1/n = one gets everything. */
export function jainIndex(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

/** Counts the starts and stops in a series of draws (0 ↔ more than `thresholdA`) and how long each lasted. */
export class TransitionCounter {
  private on: boolean | null = null;
  private sinceMs: number | null = null;
  starts = 0;
  stops = 0;
  /** Shortest complete on and off periods (between two transitions), in ms. */
  shortestOnMs = Infinity;
  shortestOffMs = Infinity;
  constructor(private readonly thresholdA = 0.5) {}
  add(valueA: number, atMs: number): void {
    const on = valueA > this.thresholdA;
    if (this.on !== null && on !== this.on) {
      if (this.sinceMs !== null) {
        const lasted = atMs - this.sinceMs;
        if (this.on) this.shortestOnMs = Math.min(this.shortestOnMs, lasted);
        else this.shortestOffMs = Math.min(this.shortestOffMs, lasted);
      }
      if (on) this.starts++;
      else this.stops++;
      // The first period (before the first transition) is not complete: it does not count.
      this.sinceMs = atMs;
    }
    this.on = on;
  }
  get transitions(): number {
    return this.starts + this.stops;
  }
}

/** A short line per overload, for failure messages. */
export function describeOverloads(over: readonly Overload[]): string[] {
  return over.map(
    (o) =>
      `${o.circuitId} ${o.dimension}: ${o.overMs} ms over, ${o.overIntegral.toFixed(1)} A·s, max ${o.maxOver.toFixed(1)}` +
      ` (${o.firstAtMs === null ? '' : new Date(o.firstAtMs).toISOString()}…)`,
  );
}

/** Prints measured numbers when SCENARIO_REPORT is set (the tests assert on them either way). */
export function report(name: string, values: Record<string, unknown>): void {
  if (process.env.SCENARIO_REPORT) console.log(`[scenario] ${name}: ${JSON.stringify(values)}`);
}
