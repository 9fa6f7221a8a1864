/**
 * Fail-safe limits (docs/allocation.md, "Fail-safe default"): the current each port may draw when Fusebox
 * is not there to decide, sent as a default profile. Safe with every port drawing it at once, at the lowest
 * scheduled limit, under every operator override and EMS command in force, with every DLM circuit's non-EV
 * load at its worst case and no PV. The control loop recomputes them whenever a limit changes
 * (docs/control.md).
 */
import type { Capacity, LimitedBy, UncontrolledReason } from './allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from './allocation.ts';
import { allocate } from './allocator.ts';
import type { CompiledSite } from './compiled-site.ts';
import type { CapacityInputs } from './effective-capacity.ts';
import { loadOnCircuits, subtractLoad } from './port-load.ts';
import type { SiteCircuit } from './site.ts';
import { schedulesOf } from './site.ts';

export interface FailSafeLimit {
  readonly portId: string;
  /** 0 for a port paused by the pausing rule, else within [min, max]. */
  readonly currentA: number;
  readonly limitedBy: LimitedBy;
}

/**
 * Limits commanded at run time that a default must fit while they are in force: the lowest operator override
 * (it stays in force until its end even if Fusebox dies) and the EMS command (until the EMS lifts it).
 */
export interface CommandedLimit {
  readonly limitA?: number | undefined;
  readonly limitKw?: number | undefined;
}

/**
 * Per circuit, the lowest overrides in force at `nowMs` and EMS limits of `inputs`; with `chargingDisabled`
 * (the EMS paused charging) every circuit at 0 A. Circuits with none are left out.
 */
export function commandedLimits(
  inputs: CapacityInputs,
  nowMs: number,
  chargingDisabled = false,
): Map<string, CommandedLimit> {
  const out = new Map<string, CommandedLimit>();
  for (const [id, inp] of inputs.circuits) {
    let limitA = chargingDisabled ? 0 : Infinity;
    let limitKw = chargingDisabled ? 0 : Infinity;
    for (const o of inp.overrides ?? []) {
      if (nowMs >= o.untilMs) continue;
      if (o.limitA !== undefined && Number.isFinite(o.limitA)) limitA = Math.min(limitA, o.limitA);
      if (o.limitKw !== undefined && Number.isFinite(o.limitKw)) limitKw = Math.min(limitKw, o.limitKw);
    }
    if (inp.emsLimitA !== undefined && Number.isFinite(inp.emsLimitA))
      limitA = Math.min(limitA, inp.emsLimitA);
    if (inp.emsLimitKw !== undefined && Number.isFinite(inp.emsLimitKw))
      limitKw = Math.min(limitKw, inp.emsLimitKw);
    if (limitA === Infinity && limitKw === Infinity) continue;
    out.set(id, {
      ...(limitA < Infinity ? { limitA } : {}),
      ...(limitKw < Infinity ? { limitKw } : {}),
    });
  }
  return out;
}

/**
 * The worst-case capacity of a circuit for as long as Fusebox may be away: the lowest of its static limit,
 * every level of its schedules (Fusebox may stay away past any boundary) and what is commanded now, less
 * the worst non-EV load and the margin.
 */
export function worstCaseCapacity(c: SiteCircuit, commanded?: CommandedLimit): Capacity {
  let limitA = Math.min(c.limitA, commanded?.limitA ?? Infinity);
  let limitKw = Math.min(c.limitKw ?? Infinity, commanded?.limitKw ?? Infinity);
  for (const entry of schedulesOf(c).flatMap((s) => [...s.weekly, ...s.exceptions])) {
    if (entry.limitA !== undefined) limitA = Math.min(limitA, entry.limitA);
    if (entry.limitKw !== undefined) limitKw = Math.min(limitKw, entry.limitKw);
  }
  const nonEvA = c.meterId !== undefined ? (c.staleNonEvLoadA ?? c.limitA) : 0;
  const nonEvKw = (nonEvA * c.supply.lineToNeutralV * c.supply.phases.length) / 1000;
  const a = Math.max(0, limitA - c.marginA - nonEvA);
  return { phaseA: [a, a, a], powerKw: Math.max(0, limitKw - nonEvKw), source: 'fail-safe worst case' };
}

/** A port whose station does not take limits, as the fail-safe defaults count it. */
export interface UncontrolledLoad {
  /** What it may draw per conductor, in A, whatever it is sent. */
  readonly countedA: number;
  readonly reason: UncontrolledReason;
}

/**
 * Per port, the default limit that is safe with all ports drawing it at once: the allocation with every
 * port wanting energy. Where not all fit at their minimum, the fewest ports get 0 (the pausing rule; no
 * rotation is possible without the controller), in port order, so the others can still charge.
 * `uncontrolled`: ports whose station does not take limits (control/uncontrolled-ports.ts), each with what
 * it may draw per conductor in A whatever it holds (`countedA`) and why; that comes off the capacity of every circuit above it on
 * the phases it is wired to, and the others share the rest. Such a port's own default is that draw (within
 * its maximum): safe if it takes it, and the one it would be probed with.
 */
export function failSafeLimits(
  cs: CompiledSite,
  commanded: ReadonlyMap<string, CommandedLimit> = new Map(),
  uncontrolled: ReadonlyMap<string, UncontrolledLoad> = new Map(),
): readonly FailSafeLimit[] {
  let capacities = new Map(cs.circuits.map((c) => [c.id, worstCaseCapacity(c, commanded.get(c.id))]));
  const fixed = [...uncontrolled]
    .filter(([id]) => cs.portIndex.has(id))
    .map(([portId, { countedA: a }]) => ({ portId, conductorA: [a, a, a] }));
  if (fixed.length > 0) capacities = subtractLoad(cs, capacities, loadOnCircuits(cs, fixed));
  const demands = cs.ports.filter((p) => !uncontrolled.has(p.id)).map((p) => ({ portId: p.id }));
  const shared = new Map(
    allocate(cs, { capacities, demands }, INITIAL_ALLOCATOR_STATE, 0).allocation.map((l) => [l.portId, l]),
  );
  return cs.ports.map((p): FailSafeLimit => {
    const u = uncontrolled.get(p.id);
    if (u === undefined) return shared.get(p.id)!;
    return {
      portId: p.id,
      currentA: Math.min(p.maxCurrentA, u.countedA),
      limitedBy: { kind: 'uncontrolled', reason: u.reason, countedA: u.countedA },
    };
  });
}
