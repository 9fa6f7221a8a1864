/**
 * The restriction pass of a control run (plan-run.ts): the operator's option `ocpp.uncontrolledPortAction`
 * takes an uncontrolled port that cannot be made room for out of use (made unavailable or its transaction
 * stopped), once per session (or once while idle), and the state keeps a record of it (plan-state.ts
 * `restricted`). Pure.
 */
import type { Capacity } from '../core/allocation.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import { loadOnCircuits } from '../core/port-load.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { ControlLoopOptions } from './control-options.ts';
import type { Restriction } from './plan-state.ts';
import type { UncontrolledAction } from './uncontrolled-ports.ts';

/** Take an uncontrolled port out of use (site file `ocpp.uncontrolledPortAction`). */
export interface RestrictCommand {
  readonly portId: string;
  readonly circuitId: string;
  /** The state's entry for it; the station's answer goes into it (plan-state.ts restrictionAnswered). */
  readonly entry: Restriction;
}

/** What a run's restriction pass reads of its inputs (plan-run.ts PlanInputs). */
export interface RestrictionInputs {
  readonly site: CompiledSite;
  readonly options: Pick<ControlLoopOptions, 'uncontrolledAction'>;
  readonly ports: readonly PortSnapshot[];
  /** The gateway can take a port out of use (`restrictPort`). */
  readonly canRestrict: boolean;
}

/** What the uncontrolled ports that cannot be made room for get (restrictions), and the state's record of it. */
export function restrictionsOfRun(
  inputs: RestrictionInputs,
  capacities: ReadonlyMap<string, Capacity>,
  uncontrolledA: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, Restriction>,
): { readonly restrict: RestrictCommand[]; readonly restricted: ReadonlyMap<string, Restriction> } {
  const action: UncontrolledAction = inputs.options.uncontrolledAction ?? 'none';
  if (uncontrolledA.size === 0 || action === 'none' || !inputs.canRestrict)
    return { restrict: [], restricted: before };
  const restrict = restrictions(inputs.site, action, capacities, inputs.ports, uncontrolledA, before);
  if (restrict.length === 0) return { restrict, restricted: before };
  const restricted = new Map(before);
  for (const r of restrict) restricted.set(r.portId, r.entry);
  return { restrict, restricted };
}

/**
 * The operator's option (`ocpp.uncontrolledPortAction`): an uncontrolled port that cannot be made room for
 * (counted at what it can draw, a circuit on its path is over its limit even with every controlled port at
 * 0) is made unavailable or its transaction stopped, once per session (or once while idle). `capacities`
 * are those left to controlled ports after every fixed load (uncontrolled ports included).
 */
function restrictions(
  cs: CompiledSite,
  action: 'unavailable' | 'stop',
  capacities: ReadonlyMap<string, Capacity>,
  ports: readonly PortSnapshot[],
  counted: ReadonlyMap<string, number>,
  restricted: ReadonlyMap<string, Restriction>,
): RestrictCommand[] {
  const EPS = 1e-6;
  const out: RestrictCommand[] = [];
  for (const p of ports) {
    if (!counted.has(p.portId) || !p.connected) continue;
    const idx = cs.portIndex.get(p.portId);
    if (idx === undefined) continue;
    // Idle: nothing to stop; made unavailable only if a car there, drawing its maximum, could not fit.
    const idle = p.sessionId === undefined;
    if (idle && action === 'stop') continue;
    const extra = idle
      ? loadOnCircuits(cs, [
          { portId: p.portId, conductorA: Array(3).fill(cs.ports[idx]!.maxCurrentA) as number[] },
        ])
      : null;
    const over = cs.portPath[idx]!.find((ci) => {
      const cap = capacities.get(cs.circuits[ci]!.id);
      if (!cap) return false;
      const o = ci * DIM_COUNT;
      const less = (d: number): number => (extra ? extra[o + d]! : 0);
      return cap.phaseA.some((v, ph) => v - less(ph) < -EPS) || cap.powerKw - less(3) < -EPS;
    });
    if (over === undefined) continue;
    const key = idle ? 'idle' : `session ${p.sessionId}`;
    if (restricted.get(p.portId)?.key === key) continue;
    out.push({
      portId: p.portId,
      circuitId: cs.circuits[over]!.id,
      entry: { key, action, answer: 'pending' },
    });
  }
  return out;
}
