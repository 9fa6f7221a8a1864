/**
 * One control run as a pure function (docs/architecture.md, "The control plan"): given the decision state
 * (plan-state.ts), what the shell gathered (ports, meters, EMS commands, overrides, the dispatcher's
 * failed decreases, the events since the last run) and the time, it returns the next state, the
 * allocation, the commands to carry out (in order: dispatcher releases, fail-safe defaults, restrictions of
 * uncontrolled ports, targets with the ramp of increases, probes) and the snapshot. No clock, no timers, no
 * gateway: the shell (control-loop.ts) does the I/O.
 */
import type { Capacity, PortAllocation, PortDemand } from '../core/allocation.ts';
import { allocate } from '../core/allocator.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { CapacityInputs, OperatorOverride } from '../core/effective-capacity.ts';
import { effectiveLimits } from '../core/effective-capacity.ts';
import { loadOnCircuits } from '../core/port-load.ts';
import type { IncreaseRequest, RampPort } from '../core/ramp.ts';
import { raiseWithin } from '../core/ramp.ts';
import type { ChargingMode } from '../core/site.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import { exportKw } from './capacity-inputs.ts';
import type { BatteryCommandStatus } from '../contracts/battery-commands.ts';
import type { Tariff } from '../core/tariff.ts';
import type { PortConductorLoad } from '../core/port-load.ts';
import { planBatteries } from './battery-control.ts';
import type { ControlLoopOptions } from './control-options.ts';
import type { ControlSnapshot, UncontrolledState } from './control-snapshot.ts';
import type { DemandCapContext } from './demand-cap.ts';
import { recordLimitsInForce } from './overload-rule.ts';
import { capacitiesOfRun } from './plan-capacity.ts';
import { portDemands } from './plan-demands.ts';
import { withPlanReasons, withPlanTargets } from './plan-planned.ts';
import { classifyPorts, nextProbeMs } from './plan-ports.ts';
import type { RestrictCommand } from './plan-restrictions.ts';
import { restrictionsOfRun } from './plan-restrictions.ts';
import type { ControlState, PlanEvent, Restriction } from './plan-state.ts';
import { applyEvents } from './plan-state.ts';
import type { RestartGuard } from './restart-guard.ts';
import type { UncontrolledPorts } from './uncontrolled-ports.ts';

export type { RestrictCommand } from './plan-restrictions.ts';

/** What the shell gathers for a run. */
export interface PlanInputs {
  readonly site: CompiledSite;
  /** Per port index, its charging mode (plan-demands.ts portModes of `site`). */
  readonly modes: readonly ChargingMode[];
  readonly options: ControlLoopOptions;
  /** Every port as the gateway reads it at the run's start; one with a session counts at its effectiveLimitA. */
  readonly ports: readonly PortSnapshot[];
  /** Ports whose decrease the station did not accept (the dispatcher retries it). */
  readonly failedDecreases: ReadonlySet<string>;
  readonly meters: ReadonlyMap<string, MeterObservation>;
  readonly ems: EmsCommands | null;
  readonly overrides: ReadonlyMap<string, readonly OperatorOverride[]>;
  /** The cloud's cap per port now, in A; null without. */
  readonly cloudCaps: ReadonlyMap<string, number> | null;
  /** The planner's target per planned port for the running slot, A (live-planner.ts); absent: none. */
  readonly planTargets?: ReadonlyMap<string, number> | null | undefined;
  /** The planner's battery power for the running slot, kW (live-planner.ts batteryTarget); absent: none. */
  readonly planBattery?: { readonly batteryId: string; readonly kw: number } | null | undefined;
  /** The grid state in force (EMS register or API): undefined on the grid (docs/control.md, "Islanded"). */
  readonly gridState: 'islanded' | 'unknown' | undefined;
  /** The site file's tariff: batteries charge in its cheapest band. */
  readonly tariff: Tariff | undefined;
  /** The battery commander's status per battery; null without one (batteries are read, not commanded). */
  readonly batteryStatus: ReadonlyMap<string, BatteryCommandStatus> | null;
  /** What happened since the last run (plan-state.ts), folded in first. */
  readonly events: readonly PlanEvent[];
  /** The last run's snapshot; null before the first. */
  readonly previous: ControlSnapshot | null;
  /** The gateway can take a port out of use (`restrictPort`). */
  readonly canRestrict: boolean;
  /**
   * The demand cap (demand-cap.ts): a kW limit on the grid connection for the rest of the demand window. The
   * one step the plan hands back to the shell: it keeps the billing period's peak in the store.
   */
  readonly demandCap?: ((uncapped: CapacityInputs, ctx: DemandCapContext) => CapacityInputs) | undefined;
  /** A monotonic ms counter for the allocation's run time (a metric; nothing is decided on it). */
  readonly stopwatchMs?: (() => number) | undefined;
}

/** The ramp of increases: the dispatcher's limiter, once it adds what each port may draw now (holdA). */
export interface RampPlan {
  readonly capacities: ReadonlyMap<string, Capacity>;
  readonly ports: readonly Omit<RampPort, 'holdA'>[];
  readonly deadBandA: number;
}

export interface PlanCommands {
  /** Uncontrolled ports with a session: the dispatcher drops its own retries. */
  readonly release: readonly string[];
  /** Ports found without smart charging in this run (a warning each). */
  readonly noSmartCharging: readonly string[];
  /** The fail-safe defaults to hand the gateway when `changed` is not empty. */
  readonly failSafe: {
    readonly defaults: ReadonlyMap<string, number>;
    readonly changed: ReadonlyMap<string, number>;
  };
  readonly restrict: readonly RestrictCommand[];
  /** Per port, its target (decreases at once, increases within the ramp). */
  readonly targets: ReadonlyMap<string, number>;
  readonly ramp: RampPlan;
  /** Uncontrolled ports tried again, with the value to send. */
  readonly probes: ReadonlyMap<string, number>;
  /** Battery commands to write now (battery-control.ts), before the cars' setpoints. */
  readonly batterySends: readonly { readonly batteryId: string; readonly kw: number }[];
}

export interface ControlPlan {
  readonly state: ControlState;
  readonly allocation: readonly PortAllocation[];
  readonly commands: PlanCommands;
  readonly snapshot: ControlSnapshot;
}

/** One control run: see the file's comment. Never changes `state` or `inputs`. */
export function planRun(state: ControlState, inputs: PlanInputs, nowMs: number): ControlPlan {
  const cs = inputs.site;
  const opts = inputs.options;
  const scratch = {
    // The guard changes only by a confirmation, or in its grace period (`pending` notes a port reported idle):
    // else the run shares it and copies nothing of it.
    guard:
      state.guard && (state.guard.active(nowMs) || inputs.events.some((e) => e.kind === 'confirm'))
        ? state.guard.clone()
        : (state.guard as RestartGuard | null),
    uncontrolled: state.uncontrolled.clone(),
    limits: state.limits.clone(),
    cars: state.cars.clone(),
  };
  applyEvents(inputs.events, scratch.limits, scratch.guard);
  const classes = classifyPorts(cs, opts, inputs.ports, inputs.failedDecreases, scratch, nowMs);
  const { fixed, uncontrolledA } = classes;

  const nonEv = new Map(state.nonEv);
  const ofRun = capacitiesOfRun(state, inputs, classes, scratch, nonEv, nowMs);
  const { capInputs, failSafe } = ofRun;
  const limitsInForce = effectiveLimits(cs, capInputs, nowMs);
  recordLimitsInForce(nonEv, limitsInForce, nowMs, opts.carResponseMs);
  let capacities = ofRun.capacities;
  const fixedIds = new Set(fixed.map((f) => f.portId));
  const { restrict, restricted } = restrictionsOfRun(inputs, capacities, uncontrolledA, state.restricted);
  const battery = batteriesOfRun(state, inputs, classes.active, fixedIds, capInputs, capacities, nowMs);
  capacities = battery.capacities;
  const ofPorts = portDemands(
    { ...inputs, site: cs, portMeterMaxAgeMs: opts.portMeterMaxAgeMs, solar: opts.solar },
    classes.active.filter((p) => !fixedIds.has(p.portId)),
    state.solar,
    nowMs,
  );
  const { demands, planned } = withPlanTargets(cs, ofPorts.demands, inputs.planTargets);
  const solarState = ofPorts.solarState;
  const t0 = inputs.stopwatchMs?.() ?? 0;
  const result = allocate(cs, { capacities, demands }, state.allocator, nowMs, opts.allocator);
  const allocation = withPlanReasons(result.allocation, planned);
  const allocationMs = (inputs.stopwatchMs?.() ?? 0) - t0;

  const { targets, ramp } = dispatchOf(
    cs,
    opts.deadBandA,
    demands,
    result.allocation,
    classes.reassert,
    capacities,
  );
  for (const portId of classes.probes.keys()) scratch.uncontrolled.trying(portId);

  const next: ControlState = {
    allocator: result.state,
    solar: solarState,
    limits: scratch.limits,
    cars: scratch.cars,
    nonEv,
    uncontrolled: scratch.uncontrolled,
    nextProbeMs: nextProbeMs(scratch.uncontrolled, inputs.ports),
    restricted,
    guard: scratch.guard,
    failSafe: failSafe.state,
    batteryRaising: battery.raising,
  };
  const snapshot: ControlSnapshot = {
    atMs: nowMs,
    runs: (inputs.previous?.runs ?? 0) + 1,
    allocation: withUncontrolled(allocation, inputs.ports, uncontrolledA, scratch.uncontrolled),
    demands,
    capacities,
    limits: limitsInForce,
    circuits: result.explain.circuits,
    fixed,
    unknownPorts: classes.unknownPorts,
    uncontrolled: uncontrolledStates(uncontrolledA, scratch.uncontrolled, restricted),
    meters: new Map(inputs.meters),
    ems: inputs.ems,
    batteries: battery.batteries,
    gridState: inputs.gridState,
    allocationMs,
  };
  return {
    state: next,
    allocation,
    commands: {
      release: classes.release,
      noSmartCharging: classes.noSmartCharging,
      failSafe: { defaults: failSafe.state.defaults, changed: failSafe.changed },
      restrict,
      targets,
      ramp,
      probes: classes.probes,
      batterySends: battery.sends,
    },
    snapshot,
  };
}

/**
 * The dispatcher's targets (the allocation of the ports asked for, and the re-asserted limits of unknown
 * ports) and the ramp: increases go out as far as the room left with every port counted at what its car
 * may still draw.
 */
function dispatchOf(
  cs: CompiledSite,
  deadBandA: number,
  demands: readonly PortDemand[],
  allocation: readonly PortAllocation[],
  reassert: ReadonlyMap<string, number>,
  capacities: ReadonlyMap<string, Capacity>,
): { readonly targets: Map<string, number>; readonly ramp: RampPlan } {
  const targets = new Map<string, number>();
  const ports: Omit<RampPort, 'holdA'>[] = [];
  for (const d of demands) {
    // The allocation has one result per port of the site, in configuration order (core allocations).
    const idx = cs.portIndex.get(d.portId)!;
    targets.set(d.portId, allocation[idx]!.currentA);
    ports.push({
      portId: d.portId,
      minCurrentA: d.minCurrentA ?? cs.ports[idx]!.minCurrentA,
      conductorsInUse: d.conductorsInUse,
    });
  }
  for (const [portId, a] of reassert) targets.set(portId, a);
  return { targets, ramp: { capacities, deadBandA, ports } };
}

/** Batteries (battery-control.ts): what each does, counted on every circuit above it. */
function batteriesOfRun(
  state: ControlState,
  inputs: PlanInputs,
  active: readonly PortSnapshot[],
  fixedIds: ReadonlySet<string>,
  capInputs: CapacityInputs,
  capacities: ReadonlyMap<string, Capacity>,
  nowMs: number,
): ReturnType<typeof planBatteries> {
  const cs = inputs.site;
  const charging = inputs.ems?.enabled !== false;
  return planBatteries(
    cs,
    capacities,
    state.batteryRaising,
    {
      inputs: capInputs,
      meters: inputs.meters,
      // Read only with batteries: without, no per-port loads built for nothing in every run.
      evWant: loadOnCircuits(
        cs,
        charging && cs.site.batteries?.length ? wantedLoads(cs, active, fixedIds) : [],
      ),
      exportKw: exportKw(cs, inputs.meters),
      tariff: inputs.tariff,
      plannedChargeKw: inputs.planBattery
        ? new Map([[inputs.planBattery.batteryId, Math.max(0, inputs.planBattery.kw)]])
        : undefined,
      status: inputs.batteryStatus,
      carResponseMs: inputs.options.carResponseMs,
    },
    nowMs,
  );
}

/** What the active ports would draw at their maximum (the battery discharges to let them). */
function wantedLoads(
  cs: CompiledSite,
  active: readonly PortSnapshot[],
  fixed: ReadonlySet<string>,
): PortConductorLoad[] {
  return active
    .filter((p) => !fixed.has(p.portId))
    .map((p) => {
      const i = cs.portIndex.get(p.portId);
      const a = i === undefined ? 0 : cs.ports[i]!.maxCurrentA;
      return { portId: p.portId, conductorA: [a, a, a] };
    });
}

/** The dispatcher's increase limiter for the plan's ramp, with what each port may draw now (`holdA`). */
export function increaseLimiter(
  cs: CompiledSite,
  ramp: RampPlan,
  holdA: (portId: string) => number,
): (requests: readonly IncreaseRequest[]) => ReadonlyMap<string, number> {
  // Read now, before the dispatcher sends this run's decreases (they would raise what it holds).
  const held: RampPort[] = ramp.ports.map((p) => ({ ...p, holdA: holdA(p.portId) }));
  return (requests) => raiseWithin(cs, ramp.capacities, held, requests, ramp.deadBandA);
}

/** The allocation as shown: an uncontrolled port with a session at what it counts at, and why. */
function withUncontrolled(
  allocation: readonly PortAllocation[],
  ports: readonly PortSnapshot[],
  counted: ReadonlyMap<string, number>,
  uncontrolled: Pick<UncontrolledPorts, 'get'>,
): readonly PortAllocation[] {
  if (counted.size === 0) return allocation;
  const withSession = new Set(ports.filter((p) => p.sessionId !== undefined).map((p) => p.portId));
  return allocation.map((a) => {
    const u = uncontrolled.get(a.portId);
    if (!u || !withSession.has(a.portId)) return a;
    const countedA = counted.get(a.portId) ?? 0;
    return {
      portId: a.portId,
      currentA: countedA,
      limitedBy: { kind: 'uncontrolled', reason: u.reason, countedA },
    };
  });
}

function uncontrolledStates(
  counted: ReadonlyMap<string, number>,
  uncontrolled: Pick<UncontrolledPorts, 'all'>,
  restricted: ReadonlyMap<string, Restriction>,
): Map<string, UncontrolledState> {
  const out = new Map<string, UncontrolledState>();
  for (const [portId, u] of uncontrolled.all()) {
    const r = restricted.get(portId);
    out.set(portId, {
      reason: u.reason,
      detail: u.detail,
      sinceMs: u.sinceMs,
      failures: u.failures,
      retryAtMs: Number.isFinite(u.retryAtMs) ? u.retryAtMs : null,
      countedA: counted.get(portId) ?? 0,
      ...(r ? { restricted: { action: r.action, answer: r.answer } } : {}),
    });
  }
  return out;
}
