/**
 * Fusebox's own allocator as a simulation policy: each step calls the real core `allocate` on the compiled
 * site, with one demand per car (its max pilot, never more than it still needs this step; its stated
 * departure and remaining energy, which the site's deadline mode uses) and the capacities of this step's
 * network (lowered by building load less PV when profiles are given). The site's allocation settings
 * apply, except that a phasor line model falls back to linear on a network checked the linear way.
 * With a site battery (site-battery.ts) each step first decides its power with the live loop's dispatch
 * (core/battery.ts `dispatchBatteries`, as control/battery-control.ts calls it): discharge so the cars get
 * what the limits would not give them, down to its reserve; else charge from the PV surplus exported the
 * step before, or in the tariff's cheapest band, within the room the cars leave; it counts on the limits at
 * max(what it did, what it is told).
 */
import type { Capacity, AllocatorState, PortDemand } from '../../../core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../../../core/allocation.ts';
import { allocate } from '../../../core/allocator.ts';
import { dispatchBatteries } from '../../../core/battery.ts';
import type { CompiledSite } from '../../../core/compiled-site.ts';
import { compileSite } from '../../../core/compiled-site.ts';
import { loadOnCircuits } from '../../../core/port-load.ts';
import type { SiteBattery } from '../../../core/site.ts';
import type { Tariff } from '../../../core/tariff.ts';
import type { Network } from '../../../core/planner/network.ts';
import type { Policy, StepInput } from '../policy.ts';
import type { BatteryView } from '../site-battery.ts';
import { oneWayEfficiency } from '../site-battery.ts';
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

/** The capacities with `kw` (charging positive) counted on every constraint the building load counts on. */
function withBatteryOn(
  capacities: Map<string, Capacity>,
  network: Network,
  kw: number,
): Map<string, Capacity> {
  if (kw === 0) return capacities;
  const out = new Map(capacities);
  for (const c of network.constraints) {
    if (c.externalPerKw === undefined) continue;
    const cap = out.get(c.circuitId);
    if (!cap) continue;
    const less = kw * c.externalPerKw;
    const d = PHASE_INDEX[c.phase];
    if (d !== undefined) {
      const phaseA: [number, number, number] = [...cap.phaseA];
      phaseA[d] -= less;
      out.set(c.circuitId, { ...cap, phaseA });
    } else if (c.phase === 'kW') out.set(c.circuitId, { ...cap, powerKw: cap.powerKw - less });
  }
  return out;
}

/** Options of the Fusebox policy. */
export interface FuseboxPolicyOptions {
  /** The tariff: with a site battery, it charges in the cheapest band (core/battery.ts). */
  readonly tariff?: Tariff | undefined;
  /** With targets: which cars may also take what the plan's targets leave unused (SpareA). */
  readonly spareA?: SpareA | undefined;
}

const BATTERY_ID = 'site-battery';

/**
 * The compiled site with the simulated battery on the circuit where the network counts the building load
 * (the deepest such circuit: the Caltech transformer, a site's root circuit), as the live site file's
 * `battery:` block would put it; its power limits are the step's (below).
 */
function siteWithBattery(cs: CompiledSite, network: Network, view: BatteryView): CompiledSite {
  const at = new Set(
    network.constraints.filter((c) => c.externalPerKw !== undefined).map((c) => c.circuitId),
  );
  let best = -1;
  let bestDepth = -1;
  cs.circuits.forEach((c, ci) => {
    if (!at.has(c.id)) return;
    let depth = 0;
    for (let p = cs.parent[ci]!; p >= 0; p = cs.parent[p]!) depth++;
    if (depth > bestDepth) [best, bestDepth] = [ci, depth];
  });
  if (best < 0) throw new Error('the network has no constraint where a site battery would count');
  const circuit = cs.circuits[best]!;
  const battery: SiteBattery = {
    id: BATTERY_ID,
    circuitId: circuit.id,
    meterId: BATTERY_ID,
    capacityKwh: view.spec.capacityKwh,
    maxChargeKw: view.spec.maxChargeKw,
    maxDischargeKw: view.spec.maxDischargeKw,
    reserveSocPct: view.spec.reserveSocPct,
    maxSocPct: view.spec.maxSocPct,
    phases: circuit.supply.phases,
    control: true,
  };
  return compileSite({ ...cs.site, batteries: [battery] });
}

/**
 * The live loop's battery dispatch (core/battery.ts, as control/battery-control.ts calls it) for the
 * simulated battery: its meter reads what it did the step before, it was last commanded `lastCommandKw`;
 * the power it can hold for the whole step (its energy above the reserve, its room below the maximum) bounds
 * what it is told and what its discharge counts at, so what it does never falls short of what was counted.
 */
function dispatchOneBattery(
  cs: CompiledSite,
  capacities: Map<string, Capacity>,
  demands: readonly PortDemand[],
  view: BatteryView,
  lastCommandKw: number,
  tariff: Tariff | undefined,
  input: StepInput,
): { commandKw: number; countedKw: number } {
  const spec = view.spec;
  const hours = input.stepMs / 3_600_000;
  const eta = oneWayEfficiency(spec);
  const socKwh = (view.socPct / 100) * spec.capacityKwh;
  const canDischargeKw = Math.min(
    spec.maxDischargeKw,
    (Math.max(0, socKwh - (spec.reserveSocPct / 100) * spec.capacityKwh) * eta) / hours,
  );
  const canChargeKw = Math.min(
    spec.maxChargeKw,
    Math.max(0, (spec.maxSocPct / 100) * spec.capacityKwh - socKwh) / (eta * hours),
  );
  const base = cs.site.batteries![0]!;
  // The same compiled site (circuits, ports, paths) with this step's limits on the battery.
  const site: CompiledSite = {
    ...cs,
    site: { ...cs.site, batteries: [{ ...base, maxDischargeKw: canDischargeKw, maxChargeKw: canChargeKw }] },
  };
  const past = input.past;
  const lastGridKw = past && past.gridKw.length > 0 ? past.gridKw[past.gridKw.length - 1]! : null;
  const d = dispatchBatteries(site, {
    observations: new Map([
      [
        BATTERY_ID,
        {
          measuredKw: Math.max(view.lastKw, -canDischargeKw),
          socPct: view.socPct,
          lastCommandKw,
        },
      ],
    ]),
    inputs: { circuits: new Map() },
    capacities,
    evWant: loadOnCircuits(
      site,
      demands.map((x) => {
        const a = x.maxCurrentA ?? 0;
        return { portId: x.portId, conductorA: [a, a, a] };
      }),
    ),
    exportKw: lastGridKw === null ? null : Math.max(0, -lastGridKw),
    tariff,
    nowMs: input.tMs,
  });
  const decision = d.decisions[0]!;
  return { commandKw: decision.commandKw ?? 0, countedKw: decision.countedKw };
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
export function fuseboxPolicy(
  site: CompiledSite,
  targetsA?: TargetsA,
  opts: FuseboxPolicyOptions = {},
): Policy {
  let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
  let batteryCommandKw = 0;
  let withBattery: { for: CompiledSite; network: Network; site: CompiledSite } | undefined;
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
    batteryCommandKw: () => batteryCommandKw,
    step(input: StepInput): Float64Array {
      let compiled = siteFor(input.network);
      const view = input.battery;
      if (view) {
        // The site with the battery at the grid connection (as compiled sites are, cached per network).
        if (withBattery?.for !== compiled || withBattery.network.constraints !== input.network.constraints)
          withBattery = {
            for: compiled,
            network: input.network,
            site: siteWithBattery(compiled, input.network, view),
          };
        compiled = withBattery.site;
      }
      if (portsFor !== input.network.evses) {
        ports = portsOfEvses(compiled, input.network);
        portsFor = input.network.evses;
      }
      const demands: PortDemand[] = [];
      const spareDemands: PortDemand[] = [];
      const slot = new Map<string, number>();
      const targets = targetsA?.(input);
      const spare = targets ? opts.spareA?.(input) : undefined;
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
      let capacities = capacitiesFrom(compiled, input.network);
      if (view) {
        const b = dispatchOneBattery(
          compiled,
          capacities,
          demands,
          view,
          batteryCommandKw,
          opts.tariff,
          input,
        );
        batteryCommandKw = b.commandKw;
        // Counted where and as the network counts it (as the building load): core/battery.ts carries a
        // battery's current up through a transformer by the site's linear per-phase mapping, which on the
        // Caltech delta-wye transformer credits a discharge with 2/√3 × the relief the primary really sees.
        capacities = withBatteryOn(capacities, input.network, b.countedKw);
      }
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
