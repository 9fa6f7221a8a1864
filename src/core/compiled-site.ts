/** The site in the index-based form the allocator runs on, built once per configuration. */
import { phaseIndex, wiringConductors } from './phases.ts';
import type { Site, SiteCircuit, SitePort, Supply } from './site.ts';
import { kwPerAmp, sameSupply } from './site.ts';

/** Load dimensions of every circuit: current on L1, L2, L3 (A) and total power (kW). */
export const DIMENSIONS = ['L1', 'L2', 'L3', 'kW'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const DIM_COUNT = 4;

/** A structural problem with the site model (config validation reports these with file positions first). */
export class SiteModelError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'SiteModelError';
  }
}

export interface CompiledSite {
  readonly site: Site;
  /** Circuits ordered parents first. */
  readonly circuits: readonly SiteCircuit[];
  readonly circuitIndex: ReadonlyMap<string, number>;
  /** Parent index per circuit, -1 for a root. */
  readonly parent: Int32Array;
  readonly ports: readonly SitePort[];
  readonly portIndex: ReadonlyMap<string, number>;
  /** Per port, circuit indexes from its own circuit up to the root. */
  readonly portPath: readonly Int32Array[];
  /**
   * Per circuit, the 4x4 matrix (row-major, parent dimension × child dimension) that maps a load
   * vector seen at this circuit to the load it causes at its parent; null where they share a supply.
   */
  readonly toParent: readonly (Float64Array | null)[];
}

/** Index the site and order its circuits; throws SiteModelError on cycles and dangling references. */
export function compileSite(site: Site): CompiledSite {
  const byId = new Map<string, SiteCircuit>();
  for (const c of site.circuits) {
    if (byId.has(c.id)) throw new SiteModelError(`duplicate circuit id '${c.id}'`, `circuits.${c.id}`);
    byId.set(c.id, c);
  }
  const ordered: SiteCircuit[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: SiteCircuit): void => {
    const s = state.get(c.id);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new SiteModelError(`circuit '${c.id}' is its own ancestor (cycle)`, `circuits.${c.id}`);
    state.set(c.id, 'visiting');
    if (c.parentId !== null) {
      const p = byId.get(c.parentId);
      if (!p)
        throw new SiteModelError(
          `parent '${c.parentId}' of circuit '${c.id}' does not exist`,
          `circuits.${c.id}`,
        );
      visit(p);
    }
    state.set(c.id, 'done');
    ordered.push(c);
  };
  for (const c of site.circuits) visit(c);

  const circuitIndex = new Map(ordered.map((c, i) => [c.id, i]));
  const parent = Int32Array.from(ordered, (c) => (c.parentId === null ? -1 : circuitIndex.get(c.parentId)!));
  const toParent = ordered.map((c, i) => {
    const p = parent[i]!;
    return p < 0 ? null : supplyTransform(c.supply, ordered[p]!.supply);
  });

  const portIndex = new Map<string, number>();
  const portPath = site.ports.map((port, i) => {
    if (portIndex.has(port.id))
      throw new SiteModelError(`duplicate port id '${port.id}'`, `ports.${port.id}`);
    portIndex.set(port.id, i);
    const start = circuitIndex.get(port.circuitId);
    if (start === undefined)
      throw new SiteModelError(
        `port '${port.id}' is on circuit '${port.circuitId}', which does not exist`,
        `ports.${port.id}`,
      );
    const path: number[] = [];
    for (let c = start; c >= 0; c = parent[c]!) path.push(c);
    return Int32Array.from(path);
  });
  return { site, circuits: ordered, circuitIndex, parent, ports: site.ports, portIndex, portPath, toParent };
}

/**
 * How a load behind a transformer shows up on the primary side. Power passes through. Phase currents of
 * a three-phase secondary reflect onto a three-phase primary as for a delta-wye (Dyn) transformer:
 * primary line current = (sum of the two secondary phase currents of that winding pair) × V_LN,sec / V_LL,pri.
 * This is exact for single-phase and line-to-line loads and over-counts balanced loads by at most 2/√3
 * (safe side). Any other supply change is counted with every secondary current on every primary phase,
 * scaled by the voltage ratio: crude, but never unsafe.
 */
function supplyTransform(child: Supply, parent: Supply): Float64Array | null {
  if (sameSupply(child, parent)) return null;
  const m = new Float64Array(16);
  m[3 * 4 + 3] = 1; // kW passes through
  if (child.phases.length === 3 && parent.phases.length === 3) {
    const k = child.lineToNeutralV / parent.lineToLineV;
    for (let j = 0; j < 3; j++) {
      m[j * 4 + j] = k;
      m[j * 4 + ((j + 1) % 3)] = k;
    }
  } else {
    const k = child.lineToLineV / parent.lineToNeutralV;
    for (const pj of parent.phases) {
      const j = phaseIndex(pj);
      for (let s = 0; s < 3; s++) m[j * 4 + s] = k;
    }
  }
  return m;
}

/**
 * Load per ampere of setpoint that a port puts on each circuit of its path: DIM_COUNT values per level,
 * in path order. `conductorsInUse` masks the port's conductors the car really draws on (a single-phase
 * car on a three-phase port uses the first one only); undefined means all.
 */
export function portLoadFactors(
  cs: CompiledSite,
  portIdx: number,
  conductorsInUse?: readonly boolean[],
): Float64Array {
  const port = cs.ports[portIdx]!;
  const path = cs.portPath[portIdx]!;
  const out = new Float64Array(path.length * DIM_COUNT);
  const conductors = wiringConductors(port.wiring);
  let used = 0;
  conductors.forEach((phases, k) => {
    if (conductorsInUse && conductorsInUse[k] === false) return;
    used++;
    for (const p of phases) out[p] = out[p]! + 1;
  });
  const supply = cs.circuits[path[0]!]!.supply;
  out[3] = kwPerAmp(supply, port.wiring, used);
  for (let level = 1; level < path.length; level++)
    carryUp(cs.toParent[path[level - 1]!] ?? null, out, (level - 1) * DIM_COUNT, level * DIM_COUNT);
  return out;
}

/**
 * The load a circuit sees (DIM_COUNT values of `v` at `from`) as its parent sees it, written at `to`: through
 * the circuit's toParent matrix `m`, or as it is where they share a supply (m null). Every load carried up
 * the tree (ports, batteries) goes through here. `from` and `to` must not overlap.
 */
export function carryUp(m: Float64Array | null, v: Float64Array, from: number, to: number): void {
  if (!m) {
    for (let d = 0; d < DIM_COUNT; d++) v[to + d] = v[from + d]!;
    return;
  }
  for (let j = 0; j < DIM_COUNT; j++) {
    let s = 0;
    for (let d = 0; d < DIM_COUNT; d++) s += m[j * 4 + d]! * v[from + d]!;
    v[to + j] = s;
  }
}
