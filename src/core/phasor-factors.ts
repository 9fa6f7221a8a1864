/**
 * Line currents as phasors (lineModel 'phasor'): the current a port puts on each line of each circuit of its
 * path as a complex number per ampere of limit, assuming every car draws at the same power factor (so only
 * the angles of the supply voltages matter). A line's current is then the magnitude of the sum over ports,
 * which for line-to-line ports on a wye supply is up to 2/√3 less than the sum of magnitudes.
 */
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT } from './compiled-site.ts';
import { wiringConductors } from './phases.ts';

/** Angle of each phase voltage, L1 at 0, in radians. */
export const PHASE_ANGLE = [0, (-2 * Math.PI) / 3, (2 * Math.PI) / 3] as const;

/**
 * Per circuit, 1 where its three line currents are evaluated as phasors: the site asks for it, the circuit is
 * three-phase, and so is every circuit below it (a split-phase or single-phase transformer below is counted
 * the crude linear way, which phasors cannot take over).
 */
export function phasorCircuits(cs: CompiledSite): Uint8Array {
  const n = cs.circuits.length;
  const out = new Uint8Array(n);
  if (cs.site.allocation?.lineModel !== 'phasor') return out;
  for (let c = 0; c < n; c++) out[c] = cs.circuits[c]!.supply.phases.length === 3 ? 1 : 0;
  // Circuits are ordered parents first: walking backwards, a non-phasor child clears its ancestors.
  for (let c = n - 1; c >= 0; c--) {
    const p = cs.parent[c]!;
    if (p >= 0 && !out[c]) out[p] = 0;
  }
  return out;
}

/**
 * Complex load per ampere on L1, L2, L3 at every level of the port's path: 6 values per level (re, im per
 * line). Levels above a non-phasor circuit are left 0 (they are not phasor circuits either).
 */
export function portPhasorFactors(
  cs: CompiledSite,
  portIdx: number,
  phasor: Uint8Array,
  conductorsInUse?: readonly boolean[],
): Float64Array {
  const path = cs.portPath[portIdx]!;
  const out = new Float64Array(path.length * 6);
  if (!phasor[path[0]!]) return out;
  wiringConductors(cs.ports[portIdx]!.wiring).forEach((phases, k) => {
    if (conductorsInUse && conductorsInUse[k] === false) return;
    if (phases.length === 1) {
      // Line to neutral: in phase with its line's voltage.
      const p = phases[0]!;
      out[2 * p] = out[2 * p]! + Math.cos(PHASE_ANGLE[p]!);
      out[2 * p + 1] = out[2 * p + 1]! + Math.sin(PHASE_ANGLE[p]!);
      return;
    }
    // Line to line p-q: in phase with V_p - V_q, out on line p and back on line q.
    const [p, q] = phases as [number, number];
    const re = Math.cos(PHASE_ANGLE[p]!) - Math.cos(PHASE_ANGLE[q]!);
    const im = Math.sin(PHASE_ANGLE[p]!) - Math.sin(PHASE_ANGLE[q]!);
    const r = Math.hypot(re, im);
    out[2 * p] = out[2 * p]! + re / r;
    out[2 * p + 1] = out[2 * p + 1]! + im / r;
    out[2 * q] = out[2 * q]! - re / r;
    out[2 * q + 1] = out[2 * q + 1]! - im / r;
  });
  for (let level = 1; level < path.length; level++) {
    if (!phasor[path[level]!]) break;
    carryPhasorsUp(cs.toParent[path[level - 1]!] ?? null, out, (level - 1) * 6, level * 6);
  }
  return out;
}

/**
 * Line current phasors of a three-phase circuit (6 values of `v` at `from`: re, im per line) as its
 * three-phase parent carries them, written at `to`: unchanged where they share a supply (m null).
 * Every phasor carried up the tree (ports, batteries) goes through here.
 */
export function carryPhasorsUp(m: Float64Array | null, v: Float64Array, from: number, to: number): void {
  if (!m) {
    for (let d = 0; d < 6; d++) v[to + d] = v[from + d]!;
    return;
  }
  // Delta-wye: the primary line current is the difference of two winding currents, where the linear
  // model (compiled-site.ts) counts their sum: the same pairs, m[j][j] and m[j][j+1], with the sign.
  // Read all six first: `to` may be `from` (a battery's phasors are carried up in place).
  const [r0, i0, r1, i1, r2, i2] = [
    v[from]!,
    v[from + 1]!,
    v[from + 2]!,
    v[from + 3]!,
    v[from + 4]!,
    v[from + 5]!,
  ];
  const row = (j: number, next: number, rj: number, ij: number, rn: number, inext: number): void => {
    const a = m[j * DIM_COUNT + j]!;
    const b = m[j * DIM_COUNT + next]!;
    v[to + 2 * j] = a * rj - b * rn;
    v[to + 2 * j + 1] = a * ij - b * inext;
  };
  row(0, 1, r0, i0, r1, i1);
  row(1, 2, r1, i1, r2, i2);
  row(2, 0, r2, i2, r0, i0);
}
