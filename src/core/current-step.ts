/** Currents on a charger's step, and the allocator's tolerance for float comparisons. */

/** Tolerance for float comparisons of currents (A) and powers (kW): far below any charger's resolution. */
export const EPS = 1e-9;

/** Removes float noise such as 16.300000000000001 from multiples of a step. */
export const roundA = (value: number): number => Math.round(value * 1e6) / 1e6;

/** `value` rounded down to a multiple of `step` (a limit is never rounded up). */
export const floorStep = (value: number, step: number): number =>
  roundA(Math.floor(value / step + EPS) * step);

/** `value` rounded up to a multiple of `step` (a minimum). */
export const ceilStep = (value: number, step: number): number => roundA(Math.ceil(value / step - EPS) * step);
