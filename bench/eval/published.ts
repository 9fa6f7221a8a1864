/** The published ACN-Sim comparison (datasets/published.md §1.4 A): its exact statistics and plot readings. */

/** Published numbers (datasets/published.md §1.4 A): exact summary statistics over the 27 capacities. */
export const PUBLISHED_STATS: Record<string, { mean3: number; min3: number; mean1: number; min1: number }> = {
  uncontrolled: { mean3: 99.94, min3: 99.88, mean1: 99.94, min1: 99.88 },
  fcfs: { mean3: 91.34, min3: 34.65, mean1: 95.53, min1: 54.74 },
  edf: { mean3: 93.1, min3: 36.94, mean1: 96.67, min1: 57.63 },
  llf: { mean3: 93.21, min3: 36.82, mean1: 96.86, min1: 58.56 },
  'round-robin': { mean3: 92.29, min3: 43.85, mean1: 95.39, min1: 55.08 },
  mpc: { mean3: 95.06, min3: 51.4, mean1: 96.89, min1: 58.72 },
  offline: { mean3: 95.26, min3: 52.09, mean1: 96.96, min1: 59.17 },
};

/** A value read off the published plot: a range [lo, hi] (±1 point reading accuracy comes on top). */
export type Reading = readonly [number, number] | undefined;
export const r = (lo: number, hi = lo): Reading => [lo, hi];
/** Three-phase plot readings by capacity (datasets/published.md §1.4 A: "≥ 60" applies to every capacity from 60 kW). */
export function reading3(policy: string, c: number): Reading {
  const at = <T>(table: Record<number, T>): T | undefined => table[c];
  const big = c >= 60;
  switch (policy) {
    case 'offline':
    case 'mpc':
      return big ? r(99.9, 100) : at({ 20: r(78), 30: r(92.5), 40: r(98.5), 50: r(99.7) });
    case 'llf':
    case 'edf':
      return big ? r(99.5, 100) : at({ 20: r(71), 30: r(86, 87), 40: r(96, 97), 50: r(99) });
    case 'round-robin':
    case 'fcfs': {
      if (c === 60) return r(97.5);
      if (c >= 80) return r(99.5);
      const rr = policy === 'round-robin';
      return at(
        rr
          ? { 20: r(68), 30: r(83), 40: r(91), 50: r(95, 96) }
          : { 20: r(67), 30: r(80), 40: r(90.5), 50: r(95) },
      );
    }
    default:
      return undefined;
  }
}
/** Single-phase readings: at 20 kW, and "≥ 99 from about 35 kW (EDF/LLF/MPC) or 50 kW (RR/FCFS)". */
export function reading1(policy: string, c: number): Reading {
  const sorted = policy === 'edf' || policy === 'llf' || policy === 'mpc' || policy === 'offline';
  if (c === 20) return sorted ? r(87, 89) : policy === 'round-robin' || policy === 'fcfs' ? r(81) : undefined;
  if ((sorted && c >= 35) || ((policy === 'round-robin' || policy === 'fcfs') && c >= 50)) return r(99, 100);
  return undefined;
}

export function fmtReading(x: Reading): string {
  if (!x) return '–';
  return x[0] === x[1] ? `≈${x[0]}` : x[1] === 100 && x[0] >= 99 ? `≥${x[0]}` : `≈${x[0]}–${x[1]}`;
}
/** Signed distance from the reading's range (0 inside it). */
export function gapToReading(v: number, x: Reading): number {
  if (!x) return 0;
  if (v < x[0]) return v - x[0];
  if (v > x[1]) return v - x[1];
  return 0;
}
