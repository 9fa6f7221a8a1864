/**
 * Fusebox's own allocator as a simulation policy: each step calls the real core `allocate` on the compiled
 * site, with one demand per car (its max pilot, never more than it still needs this step; its stated
 * departure and remaining energy, which the site's deadline mode uses) and the capacities of this step's
 * network (lowered by building load less PV when profiles are given). The site's allocation settings
 * apply, except that a phasor line model falls back to linear on a network checked the linear way.
 */
import type { Capacity, AllocatorState, PortDemand } from '../../../core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../../../core/allocation.ts';
import { allocate } from '../../../core/allocator.ts';
import type { CompiledSite } from '../../../core/compiled-site.ts';
import { compileSite } from '../../../core/compiled-site.ts';
import type { Network } from '../../../core/planner/network.ts';
import type { Policy, StepInput } from '../policy.ts';
import { pilotCapA } from './sorted-policy.ts';

/** Port index per network EVSE: by port id, else the first port of the station with that id. */
function portsOfEvses(cs: CompiledSite, network: Network): Int32Array {
  return Int32Array.from(network.evses, (e) => {
    const direct = cs.portIndex.get(e.id);
    if (direct !== undefined) return direct;
    const byStation = cs.ports.findIndex((p) => p.stationId === e.id);
    if (byStation < 0) throw new Error(`EVSE '${e.id}' of the network is not a port of the site`);
    return byStation;
  });
}

const PHASE_INDEX: Readonly<Record<string, 0 | 1 | 2>> = { L1: 0, L2: 1, L3: 2 };

/** Capacity per circuit from the step's network constraints (circuit id and phase), static elsewhere. */
function capacitiesFrom(cs: CompiledSite, network: Network): Map<string, Capacity> {
  const out = new Map<string, { phaseA: [number, number, number]; powerKw: number }>();
  for (const c of network.constraints) {
    const circuit = cs.circuits[cs.circuitIndex.get(c.circuitId) ?? -1];
    if (!circuit) continue;
    let cap = out.get(c.circuitId);
    if (!cap) {
      const a = circuit.limitA - circuit.marginA;
      cap = { phaseA: [a, a, a], powerKw: circuit.limitKw ?? Infinity };
      out.set(c.circuitId, cap);
    }
    const d = PHASE_INDEX[c.phase];
    if (d !== undefined) cap.phaseA[d] = Math.min(cap.phaseA[d], c.limitA);
    else if (c.phase === 'kW') cap.powerKw = Math.min(cap.powerKw, c.limitA);
  }
  return out;
}

/**
 * Per active car (same order as `input.active`): a cap on its current this step, A (the planner's target);
 * NaN or absent: no cap.
 */
export type TargetsA = (input: StepInput) => Float64Array | undefined;

/**
 * Per active car (same order as `input.active`): 1 where the car may also take what the plan's targets
 * leave unused inside every limit (the plan costs nothing more, or falls short of the car's need).
 */
export type SpareA = (input: StepInput) => Uint8Array | undefined;

/**
 * The Fusebox policy on `compiled` (whose circuits carry the same ids as the network's constraints).
 * `targetsA`: per-port targets from a plan (planner-policy.ts), handed to the allocator as each demand's
 * maximum; the allocator still holds every limit.
 */
export function fuseboxPolicy(site: CompiledSite, targetsA?: TargetsA, spareA?: SpareA): Policy {
  let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
  let linear: CompiledSite | undefined;
  /** The site as allocated on this network: never a less conservative line model than the network's. */
  const siteFor = (network: Network): CompiledSite => {
    const allocation = site.site.allocation;
    if (network.exact || allocation?.lineModel !== 'phasor') return site;
    linear ??= compileSite({ ...site.site, allocation: { ...allocation, lineModel: 'linear' } });
    return linear;
  };
  let ports: Int32Array | undefined;
  let portsFor: Network['evses'] | undefined;
  return {
    name: 'fusebox',
    step(input: StepInput): Float64Array {
      const compiled = siteFor(input.network);
      if (portsFor !== input.network.evses) {
        ports = portsOfEvses(compiled, input.network);
        portsFor = input.network.evses;
      }
      const demands: PortDemand[] = [];
      const spareDemands: PortDemand[] = [];
      const slot = new Map<string, number>();
      const targets = targetsA?.(input);
      const spare = targets ? spareA?.(input) : undefined;
      input.active.forEach((ev, i) => {
        const port = compiled.ports[ports![ev.evseIndex]!]!;
        if (slot.has(port.id)) return; // two cars on one port: the first one charges
        slot.set(port.id, i);
        // The simulated EVSE's pilot range holds for every policy: ACN-Sim's BASIC EVSEs go down to 0 A.
        const minA = Math.min(port.minCurrentA, ev.minA);
        // What the car still needs this step, up to the port's next step: the allocator rounds limits down,
        // and a car a fraction of a step short of full would otherwise leave that fraction behind.
        const planned = targets?.[i];
        const capA =
          planned === undefined || Number.isNaN(planned)
            ? pilotCapA(ev, input)
            : Math.min(pilotCapA(ev, input), Math.max(0, planned));
        const maxA = capA < ev.maxA ? Math.min(ev.maxA, Math.ceil(capA / port.stepA) * port.stepA) : capA;
        const demand: PortDemand = {
          portId: port.id,
          minCurrentA: minA,
          maxCurrentA: Math.max(maxA, minA),
          arrivedAtMs: ev.arrivalMs,
          departureMs: ev.estimatedDepartureMs,
          energyRemainingKwh: ev.remainingKwh,
        };
        demands.push(demand);
        if (spare) {
          const open = pilotCapA(ev, input);
          const openA = open < ev.maxA ? Math.min(ev.maxA, Math.ceil(open / port.stepA) * port.stepA) : open;
          spareDemands.push(spare[i] ? { ...demand, maxCurrentA: Math.max(openA, minA) } : demand);
        }
      });
      const capacities = capacitiesFrom(compiled, input.network);
      let result = allocate(compiled, { capacities, demands }, state, input.tMs);
      if (spare && spare.some((x) => x === 1)) {
        // Second pass: what the first gave each car becomes its floor (it fits: the first pass found it), and
        // the cars that may take more share what is left inside every limit, by the site's mode (deadline:
        // earliest departure first).
        const given = new Map(result.allocation.map((a) => [a.portId, a.currentA]));
        const floored = spareDemands.map((d) => {
          const a = given.get(d.portId) ?? 0;
          return a > 0 ? { ...d, minCurrentA: a, maxCurrentA: Math.max(a, d.maxCurrentA ?? a) } : d;
        });
        result = allocate(compiled, { capacities, demands: floored }, state, input.tMs);
      }
      state = result.state;
      const out = new Float64Array(input.active.length);
      for (const a of result.allocation) {
        const i = slot.get(a.portId);
        if (i !== undefined) out[i] = a.currentA;
      }
      return out;
    },
  };
}
