/**
 * Load that ports put on every circuit of the tree, from what flows in each station conductor: used for
 * the EV load measured below a DLM meter and for loads the allocator must treat as fixed (a station that
 * went offline, a decrease not yet confirmed).
 */
import type { Capacity } from './allocation.ts';
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT, portLoadFactors } from './compiled-site.ts';
import { wiringConductors } from './phases.ts';

/** Current per station conductor (its L1, L2, L3 terminals) of one port, in A. */
export interface PortConductorLoad {
  readonly portId: string;
  readonly conductorA: readonly number[];
}

const conductorFactorCache = new WeakMap<CompiledSite, Float64Array[][]>();

/**
 * Per port, per conductor: the load of 1 A on that conductor alone at each circuit of the port's path. Made
 * once per port (factorsOfConductors); this runs for every port several times per control run. No closure
 * here: a parameter captured by one (as the `??=` of the first version did) makes V8 allocate the function's
 * context on every call, taken or not: 48 bytes a call, some 100 KB a control run at 2,000 ports.
 */
function conductorFactors(cs: CompiledSite, portIdx: number): Float64Array[] {
  let cache = conductorFactorCache.get(cs);
  if (!cache) {
    cache = new Array<Float64Array[]>(cs.ports.length);
    conductorFactorCache.set(cs, cache);
  }
  return cache[portIdx] ?? (cache[portIdx] = factorsOfConductors(cs, portIdx));
}

function factorsOfConductors(cs: CompiledSite, portIdx: number): Float64Array[] {
  return wiringConductors(cs.ports[portIdx]!.wiring).map((_, k, all) =>
    portLoadFactors(
      cs,
      portIdx,
      all.map((__, j) => j === k),
    ),
  );
}

/**
 * Sum of the given port loads on every circuit: circuits × DIM_COUNT values (L1, L2, L3 in A, kW), indexed
 * like CompiledSite.circuits. Negative or non-finite conductor currents count as 0; unknown ports are skipped.
 */
export function loadOnCircuits(cs: CompiledSite, loads: readonly PortConductorLoad[]): Float64Array {
  const out = new Float64Array(cs.circuits.length * DIM_COUNT);
  for (const load of loads)
    addPortLoad(cs, out, load.portId, conductorsInto(load.conductorA, scratchConductors));
  return out;
}

/** A station has at most three conductors (L1, L2, L3 terminals). */
const CONDUCTORS = 3;
const scratchConductors = new Float64Array(CONDUCTORS);

/**
 * `conductorA` written into `out` as addPortLoad reads it: three slots, NaN (no current) past its end.
 * Returns `out`.
 */
export function conductorsInto(conductorA: readonly number[], out: Float64Array): Float64Array {
  for (let k = 0; k < CONDUCTORS; k++) out[k] = k < conductorA.length ? conductorA[k]! : NaN;
  return out;
}

/**
 * Adds one port's load to `out` (circuits × DIM_COUNT, as loadOnCircuits returns): the same sum, for callers
 * that have the currents at hand and need no list of PortConductorLoad (the control run's EV load, for every
 * port with a car in every run). Negative or non-finite currents count as 0; an unknown port adds nothing.
 * `conductorA` is always a Float64Array (conductorsInto): this runs for every port several times per control
 * run, and with plain arrays of every kind here as well (integers, doubles, holes) its reads went megamorphic
 * and boxed each current: the largest single source of the control loop's garbage at 2,000 ports (a CPU and
 * allocation profile of `npm run bench -- soak`).
 */
export function addPortLoad(
  cs: CompiledSite,
  out: Float64Array,
  portId: string,
  conductorA: Float64Array,
): void {
  const portIdx = cs.portIndex.get(portId);
  if (portIdx === undefined) return;
  const path = cs.portPath[portIdx]!;
  const perConductor = conductorFactors(cs, portIdx);
  // Plain loops: no closure per port.
  for (let k = 0; k < perConductor.length; k++) {
    const factors = perConductor[k]!;
    const a = k < conductorA.length ? conductorA[k]! : NaN;
    if (!(a > 0) || a === Infinity) continue;
    for (let level = 0; level < path.length; level++) {
      const o = path[level]! * DIM_COUNT;
      for (let d = 0; d < DIM_COUNT; d++) out[o + d] = out[o + d]! + a * factors[level * DIM_COUNT + d]!;
    }
  }
}

/** Capacities less a load from loadOnCircuits (may go negative: the allocator then pauses what is below). */
export function subtractLoad(
  cs: CompiledSite,
  capacities: ReadonlyMap<string, Capacity>,
  load: Float64Array,
): Map<string, Capacity> {
  const out = new Map<string, Capacity>();
  cs.circuits.forEach((c, ci) => {
    const o = ci * DIM_COUNT;
    const cap = capacities.get(c.id) ?? {
      phaseA: [c.limitA - c.marginA, c.limitA - c.marginA, c.limitA - c.marginA],
      powerKw: c.limitKw ?? Infinity,
    };
    if (load[o]! === 0 && load[o + 1]! === 0 && load[o + 2]! === 0 && load[o + 3]! === 0) {
      out.set(c.id, cap);
      return;
    }
    out.set(c.id, {
      phaseA: [cap.phaseA[0] - load[o]!, cap.phaseA[1] - load[o + 1]!, cap.phaseA[2] - load[o + 2]!],
      powerKw: cap.powerKw - load[o + 3]!,
      source: cap.source,
    });
  });
  return out;
}
