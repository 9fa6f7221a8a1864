/**
 * The planner's targets in a control run (docs/control.md, "The planner"): each planned port's target for
 * the running slot (live-planner.ts) lowers its demand's maximum and never raises it, so the allocator keeps
 * the last word on every limit; a port without a target is allocated as without a planner. Where the target
 * is what holds a port, its reason says "plan". Pure.
 */
import type { PortAllocation, PortDemand } from '../core/allocation.ts';
import type { CompiledSite } from '../core/compiled-site.ts';

/** Below this a target is 0: the port pauses for the slot. */
const ZERO_A = 0.05;

/**
 * The demands with the plan's targets as maxima. A target above 0 but below the port's minimum current is
 * raised to the minimum (a car cannot charge below it; the next plan counts what it got): still never above
 * the demand's maximum. `planned`: per planned port, its target in force.
 */
export function withPlanTargets(
  cs: CompiledSite,
  demands: readonly PortDemand[],
  targets: ReadonlyMap<string, number> | null | undefined,
): { readonly demands: readonly PortDemand[]; readonly planned: ReadonlyMap<string, number> } {
  if (!targets || targets.size === 0) return { demands, planned: new Map() };
  const planned = new Map<string, number>();
  const out = demands.map((dm) => {
    const t = targets.get(dm.portId);
    const idx = cs.portIndex.get(dm.portId);
    if (t === undefined || !Number.isFinite(t) || idx === undefined) return dm;
    const port = cs.ports[idx]!;
    const min = dm.minCurrentA ?? port.minCurrentA;
    const max = Math.min(dm.maxCurrentA ?? Infinity, port.maxCurrentA);
    const cap = Math.min(max, t < ZERO_A ? 0 : Math.max(t, min));
    if (!(cap < max)) return dm;
    planned.set(dm.portId, cap);
    return { ...dm, maxCurrentA: cap, maxFromCloud: false };
  });
  return { demands: out, planned };
}

/** The allocation with "plan" as the reason of the ports the plan holds below what they would get. */
export function withPlanReasons(
  allocation: readonly PortAllocation[],
  planned: ReadonlyMap<string, number>,
): readonly PortAllocation[] {
  if (planned.size === 0) return allocation;
  return allocation.map((a) => {
    const targetA = planned.get(a.portId);
    const k = a.limitedBy.kind;
    if (targetA === undefined || (k !== 'demand-max' && k !== 'below-minimum')) return a;
    return { ...a, limitedBy: { kind: 'plan', targetA: Math.round(targetA * 10) / 10 } };
  });
}
