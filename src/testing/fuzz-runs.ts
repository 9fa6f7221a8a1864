/**
 * How many runs a fuzz property gets: the short count in `npm test`, FUZZ_RUNS (set by `npm run fuzz`) for
 * the long version. fast-check prints the seed and the shrunk counterexample of a failing property;
 * FUZZ_SEED replays one (`FUZZ_SEED=<seed> npx vitest run <file>`).
 */
import type { Parameters } from 'fast-check';

export function fuzzRuns(short: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : short;
}

/** fast-check parameters for a fuzz property: `numRuns` from fuzzRuns, and FUZZ_SEED when given. */
export function fuzzParams<T>(short: number): Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(short), ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** A vitest timeout that grows with the run count (long fuzz runs take minutes). */
export function fuzzTimeoutMs(short: number, perRunMs: number): number {
  return Math.max(60_000, fuzzRuns(short) * perRunMs);
}
