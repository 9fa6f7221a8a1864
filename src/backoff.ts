/**
 * Capped exponential backoff, the one rule for every retry that waits longer each time it fails (refused
 * decreases, uncontrolled ports, cloud reconnects, offline-limit stops).
 */

/**
 * The wait after the `failures`-th failure in a row (1: the first): `firstMs`, doubled for each further one,
 * at most `maxMs`.
 */
export function backoffMs(firstMs: number, maxMs: number, failures: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}
