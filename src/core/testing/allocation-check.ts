/**
 * An independent reading of the allocator's contract, used by the tests: per-port bounds, load factors
 * and capacities recomputed from the inputs, and checks of an allocation against them that return
 * readable violations (an empty list means the allocation is fine).
 */
import type { AllocationInput, AllocationResult, PortDemand } from '../allocation.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { DIM_COUNT, DIMENSIONS, portLoadFactors } from '../compiled-site.ts';
import type { SitePort } from '../site.ts';

/** Float slack for capacity comparisons, as the contract allows. */
export const CAPACITY_TOLERANCE = 1e-6;

/** lo rounded up and hi rounded down to the port's step (car caps left out). */
export function demandBounds(port: SitePort, demand: PortDemand): { lo: number; hi: number } {
  const step = port.stepA;
  const lo = Math.ceil((demand.minCurrentA ?? port.minCurrentA) / step - 1e-9) * step;
  const hi = Math.floor(Math.min(port.maxCurrentA, demand.maxCurrentA ?? Infinity) / step + 1e-9) * step;
  return { lo, hi };
}

/** Load factors of a port as the demand draws (conductors in use). */
export function portFactors(cs: CompiledSite, portIdx: number, demand: PortDemand): Float64Array {
  return portLoadFactors(cs, portIdx, demand.conductorsInUse);
}

/** One port with a car, as the checks see it. */
export interface PortView {
  readonly portId: string;
  readonly portIdx: number;
  readonly demand: PortDemand;
  readonly lo: number;
  readonly hi: number;
  readonly stepA: number;
  readonly priority: number;
  readonly weight: number;
  /** Constraint indexes (circuit × DIM_COUNT + dimension) the port loads, with their factors (> 0). */
  readonly constraints: readonly number[];
  readonly factors: readonly number[];
}

/** The allocation problem as plain constraints: capacity per constraint index and the ports. */
export interface ProblemView {
  readonly cs: CompiledSite;
  readonly cap: Float64Array;
  readonly ports: readonly PortView[];
}

/** Capacity per (circuit, dimension) from the input, static limit less margin where not listed. */
export function capacityVector(cs: CompiledSite, input: AllocationInput): Float64Array {
  const cap = new Float64Array(cs.circuits.length * DIM_COUNT);
  cs.circuits.forEach((c, ci) => {
    const given = input.capacities.get(c.id);
    for (let d = 0; d < 3; d++) cap[ci * DIM_COUNT + d] = given ? given.phaseA[d]! : c.limitA - c.marginA;
    cap[ci * DIM_COUNT + 3] = given ? given.powerKw : (c.limitKw ?? Infinity);
  });
  return cap;
}

export function problemView(cs: CompiledSite, input: AllocationInput): ProblemView {
  const seen = new Set<string>();
  const ports: PortView[] = [];
  for (const demand of input.demands) {
    const portIdx = cs.portIndex.get(demand.portId);
    if (portIdx === undefined || seen.has(demand.portId)) continue;
    seen.add(demand.portId);
    const port = cs.ports[portIdx]!;
    const f = portFactors(cs, portIdx, demand);
    const constraints: number[] = [];
    const factors: number[] = [];
    cs.portPath[portIdx]!.forEach((c, level) => {
      for (let d = 0; d < DIM_COUNT; d++) {
        const v = f[level * DIM_COUNT + d]!;
        if (v > 0) {
          constraints.push(c * DIM_COUNT + d);
          factors.push(v);
        }
      }
    });
    ports.push({
      portId: port.id,
      portIdx,
      demand,
      ...demandBounds(port, demand),
      stepA: port.stepA,
      priority: demand.priority ?? port.priority,
      weight: demand.weight ?? 1,
      constraints,
      factors,
    });
  }
  return { cs, cap: capacityVector(cs, input), ports };
}

export const constraintName = (cs: CompiledSite, k: number): string =>
  `${cs.circuits[Math.floor(k / DIM_COUNT)]!.id}/${DIMENSIONS[k % DIM_COUNT]}`;

/** Current per port id from a result. */
export function currents(result: AllocationResult): Map<string, number> {
  return new Map(result.allocation.map((a) => [a.portId, a.currentA]));
}

/** Load per constraint for the given currents. */
export function loadVector(view: ProblemView, x: ReadonlyMap<string, number>): Float64Array {
  const load = new Float64Array(view.cap.length);
  for (const p of view.ports) {
    const a = x.get(p.portId) ?? 0;
    p.constraints.forEach((k, j) => (load[k] = load[k]! + a * p.factors[j]!));
  }
  return load;
}

const isMultiple = (x: number, step: number): boolean => Math.abs(x / step - Math.round(x / step)) < 1e-6;

/**
 * The invariants every allocation must satisfy: one entry per site port, idle ports at 0, running ports
 * in [lo, hi] on a step, and no circuit over capacity in any dimension (a negative capacity admits no load).
 * `hiOverride` gives a lower hi for ports under a car cap.
 */
export function safetyViolations(
  view: ProblemView,
  result: AllocationResult,
  hiOverride: ReadonlyMap<string, number> = new Map(),
): string[] {
  const out: string[] = [];
  const byId = new Map(result.allocation.map((a) => [a.portId, a]));
  if (byId.size !== result.allocation.length) out.push('duplicate port ids in the allocation');
  const demanded = new Map(view.ports.map((p) => [p.portId, p]));
  for (const port of view.cs.ports) {
    const a = byId.get(port.id);
    if (!a) {
      out.push(`${port.id}: missing from the allocation`);
      continue;
    }
    const p = demanded.get(port.id);
    if (!p) {
      if (a.currentA !== 0 || a.limitedBy.kind !== 'idle')
        out.push(`${port.id}: no demand but ${a.currentA} A (${a.limitedBy.kind})`);
      continue;
    }
    if (!Number.isFinite(a.currentA)) out.push(`${port.id}: current ${a.currentA}`);
    if (a.currentA === 0) {
      if (a.limitedBy.kind === 'idle') out.push(`${port.id}: has a demand but is reported idle`);
      continue;
    }
    const hi = Math.min(p.hi, hiOverride.get(p.portId) ?? Infinity);
    if (a.currentA < p.lo - 1e-9 || a.currentA > hi + 1e-9)
      out.push(`${port.id}: ${a.currentA} A outside [${p.lo}, ${hi}]`);
    if (!isMultiple(a.currentA, p.stepA))
      out.push(`${port.id}: ${a.currentA} A is not a multiple of ${p.stepA}`);
    if (['paused', 'idle', 'below-minimum'].includes(a.limitedBy.kind))
      out.push(`${port.id}: running at ${a.currentA} A but reported ${a.limitedBy.kind}`);
  }
  const load = loadVector(view, currents(result));
  for (let k = 0; k < load.length; k++) {
    if (load[k]! > Math.max(view.cap[k]!, 0) + CAPACITY_TOLERANCE)
      out.push(`${constraintName(view.cs, k)}: load ${load[k]} over capacity ${view.cap[k]}`);
  }
  return out;
}

/** Whether `amountA` more on port p fits every constraint on its path, given the load. */
function blockingConstraint(view: ProblemView, load: Float64Array, p: PortView, amountA: number): number {
  for (let j = 0; j < p.constraints.length; j++) {
    const k = p.constraints[j]!;
    // Lenient towards the allocator: a step that fits only within float noise counts as not fitting.
    if (load[k]! + amountA * p.factors[j]! > view.cap[k]! - 1e-7) return k;
  }
  return -1;
}

/** Running ports below hi that could take one more step without breaking any constraint. */
export function wasteViolations(
  view: ProblemView,
  result: AllocationResult,
  hiOverride: ReadonlyMap<string, number> = new Map(),
): string[] {
  const x = currents(result);
  const load = loadVector(view, x);
  const out: string[] = [];
  for (const p of view.ports) {
    const a = x.get(p.portId) ?? 0;
    const hi = Math.min(p.hi, hiOverride.get(p.portId) ?? Infinity);
    if (a === 0 || a + p.stepA > hi + 1e-9) continue;
    if (blockingConstraint(view, load, p, p.stepA) < 0)
      out.push(`${p.portId}: at ${a} A < hi ${hi} A and one more step of ${p.stepA} A fits everywhere`);
  }
  return out;
}

/**
 * Paused ports whose minimum would have fitted: a port is paused only when its minimum does not fit next
 * to the minimums of the running ports of its priority or higher (they were admitted before it, or are
 * of its class). Rotation pauses are exempt (`allowRotation`).
 */
export function admissionViolations(
  view: ProblemView,
  result: AllocationResult,
  allowRotation: boolean,
): string[] {
  const byId = new Map(result.allocation.map((a) => [a.portId, a]));
  const out: string[] = [];
  for (const p of view.ports) {
    const a = byId.get(p.portId)!;
    if (a.currentA !== 0 || p.hi < p.lo || p.hi <= 0) continue;
    if (allowRotation && a.limitedBy.kind === 'paused' && a.limitedBy.rotation) continue;
    // Held back behind a longer-waiting port that is itself paused and shares the full constraint.
    if (a.limitedBy.kind === 'paused' && a.limitedBy.waitingBehind !== undefined) {
      const behind = view.ports.find(
        (q) => q.portId === (a.limitedBy as { waitingBehind: string }).waitingBehind,
      );
      if (behind && behind.priority >= p.priority && byId.get(behind.portId)?.currentA === 0) continue;
    }
    const atMin = new Map<string, number>();
    for (const q of view.ports) {
      if (q.priority >= p.priority && (byId.get(q.portId)?.currentA ?? 0) > 0) atMin.set(q.portId, q.lo);
    }
    if (blockingConstraint(view, loadVector(view, atMin), p, p.lo) < 0)
      out.push(
        `${p.portId}: paused, but its minimum ${p.lo} A fits next to the minimums of equal or higher priority`,
      );
  }
  return out;
}

/**
 * Strict priority: a running port below its hi is held by a constraint that would still be (about) full
 * if every lower-priority port were at its minimum. Slack allowed: one step of every running port in it.
 */
export function priorityViolations(view: ProblemView, result: AllocationResult): string[] {
  const x = currents(result);
  const out: string[] = [];
  for (const p of view.ports) {
    const a = x.get(p.portId) ?? 0;
    if (a === 0 || a + p.stepA > p.hi + 1e-9) continue;
    const held = p.constraints.some((k) => {
      let load = 0;
      let slack = CAPACITY_TOLERANCE;
      for (const q of view.ports) {
        const j = q.constraints.indexOf(k);
        const b = x.get(q.portId) ?? 0;
        if (j < 0 || b === 0) continue;
        load += (q.priority < p.priority ? q.lo : b) * q.factors[j]!;
        slack += q.stepA * q.factors[j]!;
      }
      return view.cap[k]! - load <= slack;
    });
    if (!held)
      out.push(
        `${p.portId} (priority ${p.priority}): below hi while lower priorities hold current above minimum`,
      );
  }
  return out;
}
