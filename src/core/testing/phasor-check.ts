/**
 * An independent check of allocations under the exact three-phase model (lineModel 'phasor'): each line
 * current is the magnitude of the phasor sum of the currents on it, at unity power factor, reflected
 * through delta-wye transformers as the difference of two winding currents. Constraints the exact model
 * does not cover (kW, circuits with a non-three-phase circuit below) are checked the linear way.
 */
import type { AllocationInput, AllocationResult } from '../allocation.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { DIM_COUNT } from '../compiled-site.ts';
import type { Wiring } from '../phases.ts';
import { wiringConductors } from '../phases.ts';
import type { Supply } from '../site.ts';
import {
  CAPACITY_TOLERANCE,
  capacityVector,
  constraintName,
  currents,
  loadVector,
  problemView,
} from './allocation-check.ts';

type C = [number, number];
const unit = (deg: number): C => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
/** Phase voltage angles of L1, L2, L3 (positive sequence). */
const VOLTAGE: readonly C[] = [unit(0), unit(-120), unit(120)];

const same = (a: Supply, b: Supply): boolean =>
  a.lineToNeutralV === b.lineToNeutralV &&
  a.lineToLineV === b.lineToLineV &&
  a.phases.length === b.phases.length;

/**
 * The line currents (phasors, L1-L3) of a port drawing `a` amps at power factor 1 on the voltage its
 * wiring puts it across; conductors `mask` marks false draw nothing.
 */
export function portLinePhasors(wiring: Wiring, a: number, mask?: readonly boolean[]): C[] {
  const lines: C[] = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  wiringConductors(wiring).forEach((phases, k) => {
    if (mask && mask[k] === false) return;
    if (phases.length === 1) {
      const p = phases[0]!;
      lines[p] = [lines[p]![0] + a * VOLTAGE[p]![0], lines[p]![1] + a * VOLTAGE[p]![1]];
      return;
    }
    const [p, q] = phases as [number, number];
    const v: C = [VOLTAGE[p]![0] - VOLTAGE[q]![0], VOLTAGE[p]![1] - VOLTAGE[q]![1]];
    const r = Math.hypot(v[0], v[1]);
    lines[p] = [lines[p]![0] + (a * v[0]) / r, lines[p]![1] + (a * v[1]) / r];
    lines[q] = [lines[q]![0] - (a * v[0]) / r, lines[q]![1] - (a * v[1]) / r];
  });
  return lines;
}

/** Per circuit: true when the exact model applies (three-phase, and so is everything below it). */
export function exactCircuits(cs: CompiledSite): boolean[] {
  const on = cs.site.allocation?.lineModel === 'phasor';
  const exact = cs.circuits.map((c) => on && c.supply.phases.length === 3);
  cs.circuits.forEach((c, i) => {
    if (c.supply.phases.length === 3) return;
    for (let p = cs.parent[i]!; p >= 0; p = cs.parent[p]!) exact[p] = false;
  });
  return exact;
}

/** Line currents (A, magnitudes) of every exact circuit under the allocation: circuit × 3 values. */
export function exactLineCurrents(
  cs: CompiledSite,
  input: AllocationInput,
  result: AllocationResult,
): Float64Array {
  const exact = exactCircuits(cs);
  const sums = new Float64Array(cs.circuits.length * 6);
  const x = currents(result);
  const demandOf = new Map(input.demands.map((d) => [d.portId, d]));
  cs.ports.forEach((port, i) => {
    const a = x.get(port.id) ?? 0;
    if (a === 0) return;
    const mask = demandOf.get(port.id)?.conductorsInUse;
    let lines = portLinePhasors(port.wiring, a, mask);
    const path = cs.portPath[i]!;
    for (let level = 0; level < path.length; level++) {
      const c = path[level]!;
      if (!exact[c]) break;
      if (level > 0) {
        const child = cs.circuits[path[level - 1]!]!.supply;
        const parent = cs.circuits[c]!.supply;
        if (!same(child, parent)) {
          // Delta primary: each line carries the difference of two winding currents.
          const n = child.lineToNeutralV / parent.lineToLineV;
          lines = [0, 1, 2].map((j): C => {
            const s = lines[j]!;
            const t = lines[(j + 1) % 3]!;
            return [n * (s[0] - t[0]), n * (s[1] - t[1])];
          });
        }
      }
      for (let j = 0; j < 3; j++) {
        sums[c * 6 + 2 * j] = sums[c * 6 + 2 * j]! + lines[j]![0];
        sums[c * 6 + 2 * j + 1] = sums[c * 6 + 2 * j + 1]! + lines[j]![1];
      }
    }
  });
  const out = new Float64Array(cs.circuits.length * 3);
  for (let k = 0; k < out.length; k++) out[k] = Math.hypot(sums[2 * k]!, sums[2 * k + 1]!);
  return out;
}

/** Constraints over capacity under the exact model, as readable lines (empty: the allocation is safe). */
export function exactViolations(
  cs: CompiledSite,
  input: AllocationInput,
  result: AllocationResult,
): string[] {
  const out: string[] = [];
  const exact = exactCircuits(cs);
  const cap = capacityVector(cs, input);
  const lines = exactLineCurrents(cs, input, result);
  const linear = loadVector(problemView(cs, input), currents(result));
  for (let c = 0; c < cs.circuits.length; c++) {
    for (let d = 0; d < DIM_COUNT; d++) {
      const k = c * DIM_COUNT + d;
      const load = exact[c] && d < 3 ? lines[c * 3 + d]! : linear[k]!;
      if (load > Math.max(cap[k]!, 0) + CAPACITY_TOLERANCE)
        out.push(`${constraintName(cs, k)}: load ${load} over capacity ${cap[k]}`);
    }
  }
  return out;
}
