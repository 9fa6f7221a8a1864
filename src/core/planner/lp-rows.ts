/**
 * Linear rows for one network constraint in the offline LP. Linear model: one row. Exact model: the
 * magnitude |Σ a_i·I_i| ≤ L is second-order-cone; it is replaced by half-planes Re(z·e^{−jφ}) ≤ L for
 * directions φ across the cone the terms can point in (the currents are ≥ 0). That polygon contains the
 * disc (an outer approximation, so the LP optimum is an upper bound); it exceeds the disc by at most
 * 1/cos(Δ/2) with Δ the spacing of the directions.
 */
import type { Network, NetworkConstraint } from './network.ts';

/** Largest angle between neighbouring facet directions, in degrees. */
export const FACET_SPACING_DEG = 10;

/** One LP row over the constraint's terms: Σ coef[k]·I(terms[k].evse) ≤ limit. */
export interface LpRow {
  readonly coef: Float64Array;
  readonly limit: number;
}

/** Smallest arc [start, start + width] (radians) holding every angle, or null when it is 180° or more. */
function coveringArc(angles: number[]): { start: number; width: number } | null {
  const a = angles.map((x) => ((x % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)).sort((p, q) => p - q);
  let bestGap = -1;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const next = i + 1 < a.length ? a[i + 1]! : a[0]! + 2 * Math.PI;
    if (next - a[i]! > bestGap) {
      bestGap = next - a[i]!;
      at = i;
    }
  }
  const width = 2 * Math.PI - bestGap;
  if (width >= Math.PI - 1e-9) return null;
  return { start: a[(at + 1) % a.length]!, width };
}

/** The rows that stand for one constraint (see the file comment). */
export function lpRows(network: Network, c: NetworkConstraint): LpRow[] {
  if (!network.exact) {
    return [{ coef: Float64Array.from(c.terms, (t) => Math.abs(t.re) + Math.abs(t.im)), limit: c.limitA }];
  }
  const angles = c.terms.filter((t) => t.re !== 0 || t.im !== 0).map((t) => Math.atan2(t.im, t.re));
  if (angles.length === 0) return [];
  const arc = coveringArc(angles);
  const spacing = (FACET_SPACING_DEG * Math.PI) / 180;
  const dirs: number[] = [];
  if (arc === null) {
    const k = Math.ceil((2 * Math.PI) / spacing);
    for (let i = 0; i < k; i++) dirs.push((2 * Math.PI * i) / k);
  } else if (arc.width < 1e-9) {
    dirs.push(arc.start);
  } else {
    const k = Math.ceil(arc.width / spacing);
    for (let i = 0; i <= k; i++) dirs.push(arc.start + (arc.width * i) / k);
  }
  return dirs.map((phi) => ({
    coef: Float64Array.from(c.terms, (t) => t.re * Math.cos(phi) + t.im * Math.sin(phi)),
    limit: c.limitA,
  }));
}
