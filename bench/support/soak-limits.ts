/**
 * The soak's limit check (bench/soak.ts): every second, what the simulated cars and the building really draw
 * on each circuit and phase against its breaker limit. An excursion over a limit that lasts longer than the
 * reaction bound is a violation, said as it closes; one of LONG_EXCURSION_S or more is said too (a car takes a
 * second to follow its limit, so anything much longer wants a look even within the bound).
 */

/** An excursion at least this long is said as it closes, with its circuit, phase, start and largest excess. */
export const LONG_EXCURSION_S = 3;

export class LimitWatch {
  violations = 0;
  excursions = 0;
  longestExcursionS = 0;
  maxOverA = 0;
  /** Per circuit and phase (c * 3 + phase): since when it is over its limit, NaN when it is not. */
  private readonly overSince: Float64Array;
  /** Per circuit and phase: the largest excess (A) of the excursion open now. */
  private readonly overMaxA: Float64Array;

  private readonly circuitIds: readonly string[];
  private readonly limits: readonly number[];

  constructor(
    circuits: readonly { readonly id: string; readonly limitA: number }[],
    private readonly boundS: number,
    private readonly say: (line: string) => void,
  ) {
    this.circuitIds = circuits.map((c) => c.id);
    this.limits = circuits.map((c) => c.limitA);
    this.overSince = new Float64Array(circuits.length * 3).fill(NaN);
    this.overMaxA = new Float64Array(circuits.length * 3);
  }

  /** `load(c, ph)`: what circuit c carries on phase ph now. */
  check(load: (c: number, ph: number) => number, nowMs: number): void {
    this.limits.forEach((limit, c) => {
      for (let ph = 0; ph < 3; ph++) {
        const over = load(c, ph) - limit;
        const k = c * 3 + ph;
        if (over > 0.05) {
          this.maxOverA = Math.max(this.maxOverA, over);
          if (Number.isNaN(this.overSince[k]!)) {
            this.overSince[k] = nowMs;
            this.overMaxA[k] = 0;
            this.excursions++;
          }
          this.overMaxA[k] = Math.max(this.overMaxA[k]!, over);
        } else if (!Number.isNaN(this.overSince[k]!)) this.close(k, nowMs);
      }
    });
  }

  /** Closes the excursions still open at the end of the run. */
  finish(endMs: number): void {
    this.overSince.forEach((since, k) => {
      if (!Number.isNaN(since)) this.close(k, endMs);
    });
  }

  private close(k: number, nowMs: number): void {
    const s = (nowMs - this.overSince[k]!) / 1000;
    this.longestExcursionS = Math.max(this.longestExcursionS, s);
    const what =
      `${this.circuitIds[Math.floor(k / 3)]!} L${(k % 3) + 1} over its limit for ${s.toFixed(1)} s from ` +
      `${new Date(this.overSince[k]!).toISOString()}, at most ${this.overMaxA[k]!.toFixed(1)} A over`;
    if (s > this.boundS) {
      this.violations++;
      this.say(`  violation: ${what}`);
    } else if (s >= LONG_EXCURSION_S)
      this.say(`  long excursion (within the ${this.boundS}-s bound): ${what}`);
    this.overSince[k] = NaN;
  }
}
