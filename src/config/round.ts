/** Rounding for numbers shown to people. */

/** `x` rounded to `digits` decimals (0.1 A is the finest step a charger takes). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
