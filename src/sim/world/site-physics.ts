/**
 * The site's load flow, shared by the site world (site-world.ts: scenarios, tests) and the demo
 * (demo/demo-site.ts): what the cars draw on their ports plus what other sources put on circuits (loads,
 * PV, batteries), carried up the circuit tree through any transformers, per circuit in L1, L2, L3 (A) and kW.
 */
import type { CompiledSite } from '../../core/compiled-site.ts';
import { DIM_COUNT } from '../../core/compiled-site.ts';
import type { Phase } from '../../core/phases.ts';
import { phaseIndex } from '../../core/phases.ts';
import type { PortConductorLoad } from '../../core/port-load.ts';
import { loadOnCircuits } from '../../core/port-load.ts';

/** Current per site phase (L1, L2, L3) a source puts on circuit `ci`, import positive. */
export interface Injection {
  readonly ci: number;
  readonly phaseA: readonly [number, number, number];
}

/** Net load per circuit: circuits × DIM_COUNT (L1, L2, L3 in A, kW), indexed like CompiledSite.circuits. */
export function circuitLoads(
  cs: CompiledSite,
  portDraws: readonly PortConductorLoad[],
  injections: readonly Injection[],
): Float64Array {
  const circuits = loadOnCircuits(cs, portDraws);
  for (const j of injections) addAt(cs, circuits, j.ci, j.phaseA);
  return circuits;
}

/** What `kw` of active power on `phases` (default: all of the circuit's supply) puts on circuit `ci`. */
export function powerInjection(
  cs: CompiledSite,
  ci: number,
  kw: number,
  phases?: readonly Phase[],
): Injection {
  const supply = cs.circuits[ci]!.supply;
  const on = phases ?? supply.phases;
  const perPhase = (kw * 1000) / (supply.lineToNeutralV * on.length);
  const v: [number, number, number] = [0, 0, 0];
  for (const ph of on) v[phaseIndex(ph)] = perPhase;
  return { ci, phaseA: v };
}

/** Adds a load vector seen at circuit `ci` to it and, through any transformers, to every ancestor. */
function addAt(
  cs: CompiledSite,
  out: Float64Array,
  ci: number,
  phaseA: readonly [number, number, number],
): void {
  const supply = cs.circuits[ci]!.supply;
  let v = [phaseA[0], phaseA[1], phaseA[2], 0];
  for (const ph of supply.phases) v[3] = v[3]! + (v[phaseIndex(ph)]! * supply.lineToNeutralV) / 1000;
  for (let c = ci; c >= 0; c = cs.parent[c]!) {
    for (let d = 0; d < DIM_COUNT; d++) out[c * DIM_COUNT + d] = out[c * DIM_COUNT + d]! + v[d]!;
    const m = cs.toParent[c];
    if (m) {
      const next = [0, 0, 0, 0];
      for (let j = 0; j < DIM_COUNT; j++)
        for (let d = 0; d < DIM_COUNT; d++) next[j]! += m[j * 4 + d]! * v[d]!;
      v = next;
    }
  }
}
