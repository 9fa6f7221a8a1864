/**
 * Running constraint sums for one step's allocation, and the largest extra current an EVSE can take
 * without breaking any constraint: what the sorted, round-robin and feasibility-projection code needs.
 */
import type { Network } from '../../core/planner/network.ts';

/** Per EVSE, the constraints it appears in with its coefficient (index-based for speed). */
interface EvseTerms {
  readonly constraint: Int32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

const termCache = new WeakMap<object, EvseTerms[]>();

function evseTerms(network: Network): EvseTerms[] {
  // Keyed by the constraints' first term list: withExternalLoad copies constraints but keeps their terms.
  const key = network.constraints[0]?.terms ?? network.evses;
  const hit = termCache.get(key);
  if (hit && hit.length === network.evses.length) return hit;
  const lists = network.evses.map(() => ({ c: [] as number[], re: [] as number[], im: [] as number[] }));
  network.constraints.forEach((c, k) => {
    for (const t of c.terms) {
      const l = lists[t.evse]!;
      l.c.push(k);
      if (network.exact) {
        l.re.push(t.re);
        l.im.push(t.im);
      } else {
        l.re.push(Math.abs(t.re) + Math.abs(t.im));
        l.im.push(0);
      }
    }
  });
  const out = lists.map((l) => ({
    constraint: Int32Array.from(l.c),
    re: Float64Array.from(l.re),
    im: Float64Array.from(l.im),
  }));
  termCache.set(key, out);
  return out;
}

/** Relative slack kept below every limit so that rounding never turns into a violation. */
const REL_EPS = 1e-9;

/** Constraint sums of a partial allocation (start from zero, add EVSE currents one at a time). */
export class NetworkLoad {
  private readonly terms: EvseTerms[];
  private readonly sumRe: Float64Array;
  private readonly sumIm: Float64Array;
  private readonly limit: Float64Array;
  private readonly exact: boolean;

  constructor(network: Network) {
    this.terms = evseTerms(network);
    this.exact = network.exact;
    this.sumRe = new Float64Array(network.constraints.length);
    this.sumIm = new Float64Array(network.constraints.length);
    this.limit = Float64Array.from(network.constraints, (c) => c.limitA * (1 - REL_EPS) - REL_EPS);
  }

  /** Adds `amps` (may be negative, to take some back) of current at an EVSE. */
  add(evse: number, amps: number): void {
    const t = this.terms[evse]!;
    for (let j = 0; j < t.constraint.length; j++) {
      const k = t.constraint[j]!;
      this.sumRe[k] = this.sumRe[k]! + t.re[j]! * amps;
      this.sumIm[k] = this.sumIm[k]! + t.im[j]! * amps;
    }
  }

  /** Largest extra current ≥ 0 the EVSE can take with every constraint still met (0 when none). */
  headroomA(evse: number): number {
    const t = this.terms[evse]!;
    let best = Infinity;
    for (let j = 0; j < t.constraint.length; j++) {
      const k = t.constraint[j]!;
      const L = this.limit[k]!;
      const ar = t.re[j]!;
      const ai = t.im[j]!;
      let r: number;
      if (!this.exact) {
        if (ar <= 0) continue;
        r = (L - this.sumRe[k]!) / ar;
      } else {
        // Largest r with |S + a·r| ≤ L: the upper root of |a|²r² + 2(S·a)r + |S|² − L² = 0.
        const sr = this.sumRe[k]!;
        const si = this.sumIm[k]!;
        const a2 = ar * ar + ai * ai;
        if (a2 === 0) continue;
        const b = sr * ar + si * ai;
        const c = sr * sr + si * si - L * L;
        const disc = b * b - a2 * c;
        r = disc < 0 ? 0 : (-b + Math.sqrt(disc)) / a2;
      }
      if (r < best) best = r;
    }
    return best > 0 ? best : 0;
  }

  /** True when every constraint holds with `amps` more at the EVSE. */
  fits(evse: number, amps: number): boolean {
    return this.headroomA(evse) >= amps;
  }
}
