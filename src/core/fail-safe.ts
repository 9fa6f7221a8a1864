/**
 * Fail-safe limits (docs/allocation.md, "Fail-safe default"): the current each port may draw when
 * Fusebox is not there to decide, sent once as a default profile. Safe with every port drawing it at once,
 * at the lowest scheduled limit, with every DLM circuit's non-EV load at its worst case and no PV.
 */
import type { Capacity, LimitedBy } from './allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import type { CompiledSite } from './compiled-site.ts';
import type { SiteCircuit } from './site.ts';
import { schedulesOf } from './site.ts';

export interface FailSafeLimit {
  readonly portId: string;
  /** 0 for a port paused by the pausing rule, else within [min, max]. */
  readonly currentA: number;
  readonly limitedBy: LimitedBy;
}

/** The worst-case capacity of a circuit over all time: lowest limit, worst non-EV load, margin. */
export function worstCaseCapacity(c: SiteCircuit): Capacity {
  let limitA = c.limitA;
  let limitKw = c.limitKw ?? Infinity;
  for (const entry of schedulesOf(c).flatMap((s) => [...s.weekly, ...s.exceptions])) {
    if (entry.limitA !== undefined) limitA = Math.min(limitA, entry.limitA);
    if (entry.limitKw !== undefined) limitKw = Math.min(limitKw, entry.limitKw);
  }
  const nonEvA = c.meterId !== undefined ? (c.staleNonEvLoadA ?? c.limitA) : 0;
  const nonEvKw = (nonEvA * c.supply.lineToNeutralV * c.supply.phases.length) / 1000;
  const a = limitA - c.marginA - nonEvA;
  return { phaseA: [a, a, a], powerKw: limitKw - nonEvKw, source: 'fail-safe worst case' };
}

/**
 * Per port, the default limit that is safe with all ports drawing it at once: the allocation with every
 * port wanting energy. Where not all fit at their minimum, the fewest ports get 0 (the pausing rule; no
 * rotation is possible without the controller), in port order, so the others can still charge.
 */
export function failSafeLimits(cs: CompiledSite): readonly FailSafeLimit[] {
  const capacities = new Map(cs.circuits.map((c) => [c.id, worstCaseCapacity(c)]));
  const demands = cs.ports.map((p) => ({ portId: p.id }));
  return allocate(cs, { capacities, demands }, INITIAL_ALLOCATOR_STATE, 0).allocation;
}
