/**
 * The control loop (docs/control.md): inputs arrive as events, a burst of them gives one allocation run,
 * a periodic run is the backstop; every run computes effective capacities, allocates, and hands the
 * targets to the dispatcher, which sends decreases before increases.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { isFresh } from '../core/freshness.ts';
import type {
  AllocatorState,
  Capacity,
  PortAllocation,
  PortDemand,
  UncontrolledReason,
} from '../core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../core/allocation.ts';
import { allocate } from '../core/allocator.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT, portLoadFactors } from '../core/compiled-site.ts';
import type { CapacityInputs, CircuitLimit, OperatorOverride } from '../core/effective-capacity.ts';
import { effectiveCapacities, effectiveLimits, nextCapacityChangeMs } from '../core/effective-capacity.ts';
import { describeLimitedBy } from '../core/explain.ts';
import { commandedLimits, failSafeLimits } from '../core/fail-safe.ts';
import type { PortConductorLoad } from '../core/port-load.ts';
import { loadOnCircuits, subtractLoad } from '../core/port-load.ts';
import { scheduledLimitOfAll } from '../core/schedule.ts';
import type { RampPort } from '../core/ramp.ts';
import { raiseWithin } from '../core/ramp.ts';
import { schedulesOf } from '../core/site.ts';
import type { ChargingMode } from '../core/site.ts';
import type { SolarPort, SolarState } from '../core/solar.ts';
import { INITIAL_SOLAR_STATE, solarCaps } from '../core/solar.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { PortSnapshot, SetpointEvent, StationGateway } from '../contracts/station-gateway.ts';
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import { capacityInputs, exportKw } from './capacity-inputs.ts';
import type { ControlLoopOptions, ControlOptions, ControlTestSwitches } from './control-options.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import type { DemandCap } from './demand-cap.ts';
import type { BatteryState } from './battery-control.ts';
import { BatteryControl } from './battery-control.ts';
import type { BatteryCommander } from '../contracts/battery-commands.ts';
import type { Tariff } from '../core/tariff.ts';
import { Dispatcher } from './dispatcher.ts';
import type { PriorSetpoint, UnknownReason } from './restart-guard.ts';
import { RestartGuard } from './restart-guard.ts';
import type { DimValues, EstimatePort } from './non-ev-estimate.ts';
import { CarObservations, evLoadForMeters, LimitHistory } from './non-ev-estimate.ts';
import { sessionNeeds } from './session-needs.ts';
import type { UncontrolledAction } from './uncontrolled-ports.ts';
import {
  DEFAULT_UNCONTROLLED_BACKOFF,
  refusalOf,
  UncontrolledPorts,
  uncontrolledLoadA,
} from './uncontrolled-ports.ts';

/** A port whose station does not take limits, as the last run counted it (uncontrolled-ports.ts). */
export interface UncontrolledState {
  readonly reason: UncontrolledReason;
  /** The station's answer in words. */
  readonly detail: string;
  readonly sinceMs: number;
  /** Refusals in a row. */
  readonly failures: number;
  /** When a profile is tried next; null while one is in flight. */
  readonly retryAtMs: number | null;
  /** What it counts at per conductor, in A (0 without a session: nothing draws there). */
  readonly countedA: number;
  /** What was done about it (site file `ocpp.uncontrolledPortAction`), and the station's answer. */
  readonly restricted?: { readonly action: 'unavailable' | 'stop'; readonly answer: string } | undefined;
}

/** The latest decision, for the API, the EMS map and the logs. */
export interface ControlSnapshot {
  readonly atMs: number;
  readonly runs: number;
  readonly allocation: readonly PortAllocation[];
  /** What the allocator was asked: per port with a car, its demand (car range, departure, energy left). */
  readonly demands: readonly PortDemand[];
  readonly capacities: ReadonlyMap<string, Capacity>;
  /** Per circuit, its limits before other loads (static, schedule, override, EMS) and what set them. */
  readonly limits: ReadonlyMap<string, CircuitLimit>;
  readonly circuits: readonly {
    readonly circuitId: string;
    readonly load: readonly number[];
    readonly capacity: readonly number[];
  }[];
  /**
   * Ports counted at a fixed current they may be drawing (offline station, unconfirmed decrease, state not
   * confirmed since the start).
   */
  readonly fixed: readonly PortConductorLoad[];
  /** Ports whose state is not confirmed since Fusebox started, and why (empty once all are, or after the grace). */
  readonly unknownPorts: ReadonlyMap<string, UnknownReason>;
  /** Ports whose station does not take limits (they are among `fixed` while they have a session). */
  readonly uncontrolled: ReadonlyMap<string, UncontrolledState>;
  readonly meters: ReadonlyMap<string, MeterObservation>;
  readonly ems: EmsCommands | null;
  /** The batteries: measured, decided, sent, and why (battery-control.ts); empty without any. */
  readonly batteries?: readonly BatteryState[] | undefined;
  /** The grid state in force (EMS register or API): undefined on the grid (docs/control.md, "Islanded"). */
  readonly gridState?: 'islanded' | 'unknown' | undefined;
  /** Run time of the last allocation, in ms. */
  readonly allocationMs: number;
}

export interface ControlLoopDeps {
  readonly site: CompiledSite;
  readonly gateway: StationGateway;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Tuning, and in tests the switches that turn a safety rule off (ControlTestSwitches). */
  readonly options?: (Partial<ControlOptions> & ControlTestSwitches) | undefined;
  /**
   * Session setpoints the previous process sent within the last profile lifetime (the store's `setpoints`
   * table): after a restart a port counts at them until its station confirms a new one (restart-guard.ts).
   */
  readonly priorSetpoints?: readonly PriorSetpoint[] | undefined;
  /** The live demand cap (demand-cap.ts), when the site file has `tariff.demand`. */
  readonly demandCap?: DemandCap | undefined;
  /** The site file's tariff: batteries charge in its cheapest band. */
  readonly tariff?: Tariff | undefined;
  /** Writes battery commands (modbus/battery-commander.ts); absent: batteries are read, not commanded. */
  readonly batteries?: BatteryCommander | undefined;
}

/** The cloud's cap per port at an instant, in A per phase (src/proxy/cloud-profiles.ts). */
export interface CloudCaps {
  capsA(nowMs: number): ReadonlyMap<string, number>;
  /** The next instant a cap may change (a schedule step): the loop runs then. */
  nextChangeMs?(nowMs: number): number | undefined;
}

/**
 * Cars that settle within this of each other are served by one run (see the constructor); and ports' meter
 * values, which come every few seconds from every port (200 a second at 2,000 ports), wait up to this for a
 * run: they refine the non-EV estimate (whose bounds already allow for their lag) and are never what a
 * limit's safety waits for (the load meters, limit changes and sessions starting are served at coalesceMs).
 */
const BATCH_MS = 250;
/**
 * Ports that have a car wanting energy: a session, in any state but finished or faulted. 'unknown' counts:
 * after a restart a station that reconnects without booting reports no status until it changes, and its
 * session must still be counted and limited.
 */
const SESSION_STATES = new Set(['occupied', 'charging', 'suspended-ev', 'suspended-evse', 'unknown']);

export class ControlLoop {
  readonly dispatcher: Dispatcher;
  private cs: CompiledSite;
  private readonly opts: ControlLoopOptions;
  private modes: readonly ChargingMode[];
  private readonly meters = new Map<string, MeterObservation>();
  /** Limits in force per port over time, and the non-EV estimate per DLM circuit (non-ev-estimate.ts). */
  private readonly limits = new LimitHistory();
  private readonly cars = new CarObservations();
  private readonly nonEv = new Map<string, DimValues>();
  private ems: EmsCommands | null = null;
  private apiGridState: 'grid' | 'islanded' | null = null;
  private readonly batteryControl: BatteryControl;
  private overrides: ReadonlyMap<string, readonly OperatorOverride[]> = new Map();
  private cloudCaps: CloudCaps | null = null;
  private allocatorState: AllocatorState = INITIAL_ALLOCATOR_STATE;
  private solarState: SolarState = INITIAL_SOLAR_STATE;
  private runTimer: unknown = null;
  /** When the pending run (runTimer) is due, in clock ms. */
  private runDueMs = Infinity;
  private backstopTimer: unknown = null;
  private unsubscribe: (() => void)[] = [];
  private running = false;
  private latestSnapshot: ControlSnapshot | null = null;
  private runs = 0;
  /** The last run left some increase short of its target (waiting for decreases to settle). */
  private increasesShort = false;
  private settleBatch: unknown = null;
  private readonly runListeners: ((s: ControlSnapshot) => void)[] = [];
  /** Set at start: what is not known of the ports yet (restart-guard.ts). */
  private guard: RestartGuard | null = null;
  private loggedUnknown = -1;
  /** Ports whose station does not take limits, and their retries. */
  private readonly uncontrolled: UncontrolledPorts;
  /** The soonest retry of an uncontrolled port that can be tried (for the backstop). */
  private nextProbeMs: number | null = null;
  /** Per uncontrolled port, the action taken and for which session ('idle' without one). */
  private readonly restricted = new Map<
    string,
    { key: string; action: 'unavailable' | 'stop'; answer: string }
  >();
  /** What the fail-safe defaults were last computed from (site and commanded limits), and the result. */
  private failSafeKey: { readonly site: CompiledSite; readonly commanded: string } | null = null;
  private failSafe: ReadonlyMap<string, number> = new Map();

  constructor(private readonly deps: ControlLoopDeps) {
    this.cs = deps.site;
    this.opts = { ...DEFAULT_CONTROL_OPTIONS, ...deps.options };
    this.dispatcher = new Dispatcher(deps.gateway, deps.clock, deps.logger, this.opts);
    this.batteryControl = new BatteryControl(deps.batteries, this.opts.carResponseMs);
    this.dispatcher.onRecord((r) => {
      if (r.result === 'accepted') {
        this.limits.record(r.portId, r.answeredAtMs, r.currentA);
        // The station took a profile with the port's id: whatever the previous process left is replaced, and
        // the port no longer counts at it.
        if (this.guard?.confirm(r.portId)) this.requestRun('port confirmed since the start');
      }
      // Re-allocate around a port that did not take its decrease (it counts at its higher limit); an offline
      // station is re-allocated on its disconnect event, and re-running for it would only spin.
      if (r.decrease && (r.result === 'rejected' || r.result === 'timeout'))
        this.requestRun('decrease not accepted');
    });
    // A car followed a decrease: increases left short for want of room may go further now. Cars decreased
    // together settle together: one run for those within BATCH_MS (hundreds of ports after a load step).
    this.dispatcher.onSettled(() => {
      if (!this.increasesShort || this.settleBatch !== null) return;
      this.settleBatch = this.deps.clock.setTimeout(() => {
        this.settleBatch = null;
        this.requestRun('decrease settled');
      }, BATCH_MS);
    });
    this.modes = this.cs.ports.map((p) => portMode(this.cs, p.circuitId, p.chargingMode));
    for (const m of this.cs.site.meters) this.meters.set(m.id, { reading: null, stale: true });
    this.uncontrolled = new UncontrolledPorts({
      firstMs: this.opts.uncontrolledRetryFirstMs ?? DEFAULT_UNCONTROLLED_BACKOFF.firstMs,
      maxMs: this.opts.uncontrolledRetryMaxMs ?? DEFAULT_UNCONTROLLED_BACKOFF.maxMs,
    });
  }

  /** Subscribes to the gateway and runs the first allocation. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const g = this.deps.gateway;
    const graceMs = this.opts.restartGraceMs ?? this.opts.setpointExpiryMs;
    this.guard =
      graceMs > 0
        ? new RestartGuard(
            this.deps.clock.nowMs(),
            graceMs,
            this.opts.setpointExpiryMs,
            this.deps.priorSetpoints,
          )
        : null;
    this.unsubscribe = [
      g.on('station-connected', (e) => {
        this.uncontrolled.stationConnected(
          g
            .ports()
            .filter((p) => p.stationId === e.stationId)
            .map((p) => p.portId),
        );
        for (const p of g.ports()) if (p.stationId === e.stationId) this.restricted.delete(p.portId);
        this.requestRun('station connected');
      }),
      g.on('setpoint', (e) => this.onSetpoint(e)),
      g.on('station-disconnected', () => this.requestRun('station disconnected')),
      g.on('station-capabilities', () => this.requestRun('station capabilities known')),
      g.on('port-status', () => this.requestRun('port status')),
      g.on('session-started', (e) => {
        this.dispatcher.forget(e.portId);
        this.uncontrolled.sessionStarted(e.portId, this.deps.clock.nowMs());
        // A new transaction runs under the station's fail-safe default until its first TxProfile (profiles of
        // an earlier transaction died with it).
        this.guard?.confirm(e.portId);
        this.limits.forget(e.portId);
        this.limits.record(e.portId, e.startedAtMs, g.port(e.portId)?.failSafeA ?? 0);
        this.requestRun('session started');
      }),
      g.on('session-stopped', (e) => {
        this.dispatcher.forget(e.portId);
        this.limits.forget(e.portId);
        this.guard?.confirm(e.portId);
        this.requestRun('session stopped');
      }),
      g.on('meter-values', () =>
        this.requestRun('port meter values', Math.max(this.opts.coalesceMs, BATCH_MS)),
      ),
      g.on('ev-charging-needs', () => this.requestRun('car charging needs')),
    ];
    this.requestRun('start');
  }

  stop(): void {
    this.running = false;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    if (this.runTimer !== null) this.deps.clock.clearTimeout(this.runTimer);
    if (this.backstopTimer !== null) this.deps.clock.clearTimeout(this.backstopTimer);
    if (this.settleBatch !== null) this.deps.clock.clearTimeout(this.settleBatch);
    this.runTimer = this.backstopTimer = this.settleBatch = null;
    this.runDueMs = Infinity;
    this.dispatcher.stop();
  }

  /**
   * A changed site file that keeps the same ports and meters (new limits, margins, schedules, charging
   * modes): takes effect at once with a new allocation. Returns what prevents it otherwise (a restart is
   * then needed), or null when applied.
   */
  reconfigure(site: CompiledSite): string | null {
    const key = (cs: CompiledSite): string =>
      JSON.stringify([
        cs.ports.map((p) => [p.id, p.stationId, p.connectorId]),
        cs.site.meters.map((m) => m.id).sort(),
      ]);
    if (key(site) !== key(this.cs)) return 'the stations, ports or meters changed: restart Fusebox to apply';
    this.cs = site;
    this.modes = site.ports.map((p) => portMode(site, p.circuitId, p.chargingMode));
    this.deps.logger.info('site configuration reloaded');
    this.requestRun('config reload');
    return null;
  }

  /** A meter reading arrived (from the Modbus poller or a test). */
  onMeterReading(reading: MeterReading): void {
    this.meters.set(reading.meterId, { reading, stale: false });
    this.requestRun('meter reading');
  }

  /** A meter went stale or came back. */
  onMeterStatus(meterId: string, stale: boolean): void {
    const prev = this.meters.get(meterId);
    this.meters.set(meterId, { reading: prev?.reading ?? null, stale });
    if (stale) this.deps.logger.warn({ meterId }, 'meter stale: using its worst-case non-EV load');
    this.requestRun(stale ? 'meter stale' : 'meter fresh');
  }

  /** The EMS wrote commands (or its watchdog reverted them). */
  /** The grid state from the API (null: not set); islanded from it or the EMS wins. */
  setGridState(state: 'grid' | 'islanded' | null): void {
    this.apiGridState = state;
    this.requestRun('grid state');
  }

  /** What the API last set (null: nothing). */
  gridStateInput(): 'grid' | 'islanded' | null {
    return this.apiGridState;
  }

  /** The grid state in force: islanded from either source, unknown when the EMS's timed out. */
  gridState(): 'islanded' | 'unknown' | undefined {
    if (this.apiGridState === 'islanded' || this.ems?.gridState === 'islanded') return 'islanded';
    return this.ems?.gridState === 'unknown' ? 'unknown' : undefined;
  }

  onEmsCommands(commands: EmsCommands): void {
    this.ems = commands;
    this.requestRun('EMS command');
  }

  /** Operator overrides per circuit id (they replace the previous set); re-allocates at once. */
  setOverrides(overrides: ReadonlyMap<string, readonly OperatorOverride[]>): void {
    this.overrides = overrides;
    this.requestRun('operator override');
  }

  /**
   * The cloud's charging profiles (Fusebox as an OCPP proxy, src/proxy/cloud-profiles.ts): each port gets the
   * lower of its allocation and the cloud's cap; re-allocates at once (call again when the caps change).
   */
  setCloudCaps(caps: CloudCaps | null): void {
    this.cloudCaps = caps;
    this.requestRun('cloud profile');
  }

  /**
   * Every setpoint's answer (the dispatcher's and the gateway's renewals): a refusal makes the port
   * uncontrolled, an acceptance brings it back under control (uncontrolled-ports.ts).
   */
  private onSetpoint(e: SetpointEvent): void {
    if (this.opts.uncontrolledPorts === false) return;
    const log = this.deps.logger;
    if (e.result === 'accepted') {
      if (this.uncontrolled.accepted(e.portId, this.deps.gateway.port(e.portId)?.smartCharging)) {
        this.restricted.delete(e.portId);
        log.info({ portId: e.portId }, 'port under control again: its station accepted a profile');
        this.requestRun('port under control again');
      }
      return;
    }
    const refusal = refusalOf(e);
    if (refusal === null) {
      this.uncontrolled.untried(e.portId, e.atMs);
      return;
    }
    const first = this.uncontrolled.refused(e.portId, refusal.reason, refusal.detail, e.atMs);
    const u = this.uncontrolled.get(e.portId)!;
    log[first ? 'warn' : 'debug'](
      {
        portId: e.portId,
        reason: refusal.reason,
        detail: refusal.detail,
        retryAt: new Date(u.retryAtMs).toISOString(),
      },
      'port uncontrolled: its station refused a profile; it counts at what it can draw',
    );
    this.requestRun('profile refused');
  }

  /** The site configuration in force (the API merges its schedules into it). */
  site(): CompiledSite {
    return this.cs;
  }

  /** The latest decision; null before the first run. */
  snapshot(): ControlSnapshot | null {
    return this.latestSnapshot;
  }

  /** Calls `fn` after every run. */
  onRun(fn: (s: ControlSnapshot) => void): void {
    this.runListeners.push(fn);
  }

  /**
   * Coalesces: an event schedules a run `withinMs` (default coalesceMs) later; later ones ride along, and one
   * that needs it sooner brings it forward.
   */
  requestRun(reason: string, withinMs: number = this.opts.coalesceMs): void {
    if (!this.running) return;
    const dueMs = this.deps.clock.nowMs() + withinMs;
    if (this.runTimer !== null) {
      if (this.runDueMs <= dueMs) return; // a run comes soon enough
      this.deps.clock.clearTimeout(this.runTimer);
    }
    this.deps.logger.trace({ reason }, 'allocation run requested');
    this.runDueMs = dueMs;
    this.runTimer = this.deps.clock.setTimeout(() => {
      this.runTimer = null;
      this.runDueMs = Infinity;
      this.runNow();
    }, withinMs);
  }

  /** One allocation run, now. Never throws: a failure is logged and the backstop retries. */
  runNow(): void {
    try {
      this.run();
    } catch (err) {
      this.deps.logger.error({ err }, 'allocation run failed');
    }
    this.scheduleBackstop();
  }

  private run(): void {
    const nowMs = this.deps.clock.nowMs();
    const g = this.deps.gateway;
    const ports = g.ports();
    const active: PortSnapshot[] = [];
    const fixed: PortConductorLoad[] = [];
    const estimated: EstimatePort[] = [];
    const unknownPorts = new Map<string, UnknownReason>();
    /** Unknown ports with a session on a connected station: their limit is re-asserted at once. */
    const reassert = new Map<string, number>();
    /** Uncontrolled ports: what each counts at, and those tried again in this run (with the value sent). */
    const uncontrolledA = new Map<string, number>();
    const probes = new Map<string, number>();
    for (const p of ports) {
      const unknown = this.guard?.pending(p, nowMs) ?? null;
      if (unknown !== null) unknownPorts.set(p.portId, unknown);
      if (
        p.smartCharging === false &&
        this.opts.uncontrolledPorts !== false &&
        this.uncontrolled.noSmartCharging(p.portId, nowMs)
      )
        this.deps.logger.warn({ portId: p.portId }, 'port uncontrolled: its station has no smart charging');
      if (this.uncontrolled.get(p.portId) !== undefined) uncontrolledA.set(p.portId, 0);
      if (p.sessionId === undefined) {
        // No session known, no draw; but a car may have begun there under the default unseen: on a station
        // that is away (it plugs in and charges while nobody listens), or after a start.
        if (unknown !== null) {
          const a = this.guard!.loadA(p, 0, nowMs);
          fixed.push({ portId: p.portId, conductorA: [a, a, a] });
        } else if (!p.connected && this.opts.countOfflineEmptyPorts !== false) {
          const a = offlineLoadA(p, p.effectiveLimitA);
          fixed.push({ portId: p.portId, conductorA: [a, a, a] });
        }
        continue;
      }
      const limitA = p.effectiveLimitA; // the gateway's effectiveLimitA at this run's start
      if (uncontrolledA.has(p.portId)) {
        // Its station does not take limits: it counts at what it can draw (its maximum, more if measured so),
        // the others share the rest; it is tried again with a backoff (uncontrolled-ports.ts), at no more than
        // its default, which is within what it counts at.
        this.dispatcher.release(p.portId);
        const idx = this.cs.portIndex.get(p.portId);
        const maxA = idx === undefined ? limitA : this.cs.ports[idx]!.maxCurrentA;
        let a = Math.max(limitA, uncontrolledLoadA(p, maxA, this.opts.portMeterMaxAgeMs, nowMs));
        if (unknown !== null) a = Math.max(a, this.guard!.loadA(p, limitA, nowMs));
        if (!p.connected && this.opts.countOfflineEmptyPorts !== false) a = offlineLoadA(p, a);
        fixed.push({ portId: p.portId, conductorA: [a, a, a] });
        uncontrolledA.set(p.portId, a);
        if (p.connected && this.uncontrolled.due(p.portId, nowMs)) probes.set(p.portId, p.failSafeA);
        continue;
      }
      const failed = this.dispatcher.hasFailedDecrease(p.portId);
      if (!p.connected || failed || unknown !== null) {
        // docs/control.md: an offline station's port, one that did not confirm a decrease, or one whose state is
        // not confirmed since the start counts at what it may draw (its last profile, one of the previous
        // process, or its default) until it is back / confirms.
        let a = unknown !== null ? this.guard!.loadA(p, limitA, nowMs) : limitA;
        // Away, its session may end and a new car start under the default while Fusebox cannot see it.
        if (!p.connected && this.opts.countOfflineEmptyPorts !== false) a = offlineLoadA(p, a);
        fixed.push({ portId: p.portId, conductorA: [a, a, a] });
        // Its limit is re-asserted no higher than its default (safe with every port at it), which is within
        // what it is counted at; the dispatcher retries a failed one by itself.
        if (p.connected && !failed) reassert.set(p.portId, p.failSafeA);
        continue;
      }
      if (!SESSION_STATES.has(p.status)) continue; // finishing, faulted, unavailable: no car to serve
      active.push(p);
      // Unknown history (a restart): count the limit the gateway knows as set now.
      if (!this.limits.has(p.portId)) this.limits.record(p.portId, nowMs, limitA);
      const m = p.lastMeter;
      const fresh = m && isFresh(m.atMs, nowMs, this.opts.portMeterMaxAgeMs, CLOCK_AHEAD_MS);
      const idx = this.cs.portIndex.get(p.portId);
      const minCurrentA = idx === undefined ? 0 : this.cs.ports[idx]!.minCurrentA;
      const measured = fresh ? { conductorA: m.currentA.map((a) => a ?? NaN), atMs: m.atMs } : undefined;
      estimated.push({
        portId: p.portId,
        minCurrentA,
        measured,
        effectiveLimitA: limitA,
        car: this.cars.observe(
          { portId: p.portId, sessionId: p.sessionId, minCurrentA },
          measured && { ...measured, inUse: m?.conductorsInUse },
          this.limits,
          this.opts.carResponseMs,
        ),
      });
    }
    this.cars.retain(new Set(estimated.map((e) => e.portId)));

    const evLoad = evLoadForMeters(
      this.cs,
      estimated,
      this.limits,
      this.freshLoadReadings(nowMs),
      this.nonEv,
      this.opts.carResponseMs,
    );
    this.limits.prune(nowMs - this.opts.carResponseMs - 60_000);
    const gridState = this.gridState();
    const uncapped = capacityInputs(this.cs, this.meters, evLoad, this.ems, this.overrides, gridState);
    // Demand cap (demand-cap.ts): a kW limit on the grid connection for the rest of the demand window.
    const capCtx = { site: this.cs, meters: this.meters, evLoad, previous: this.latestSnapshot, nowMs };
    const inputs = this.deps.demandCap?.apply(uncapped, capCtx) ?? uncapped;
    const defaultsSent = this.followFailSafe(inputs, nowMs);
    let capacities: Map<string, Capacity> = effectiveCapacities(this.cs, inputs, nowMs);
    // A scheduled drop coming within the lead time is in force already: cars have followed by its boundary.
    for (const atMs of this.scheduleBoundaries(nowMs, nowMs + this.opts.scheduleLeadMs)) {
      capacities = lowerOf(
        capacities,
        effectiveCapacities(this.cs, shiftedInputs(inputs, atMs - nowMs), atMs),
      );
    }
    if (this.ems && !this.ems.enabled) {
      capacities = new Map(
        this.cs.circuits.map((c) => [
          c.id,
          { phaseA: [0, 0, 0], powerKw: 0, source: 'EMS: charging disabled' },
        ]),
      );
    }
    const fixedIds = new Set(fixed.map((f) => f.portId));
    if (fixed.length > 0) capacities = subtractLoad(this.cs, capacities, loadOnCircuits(this.cs, fixed));
    if (uncontrolledA.size > 0 && (this.opts.uncontrolledAction ?? 'none') !== 'none')
      this.restrictWhereNoRoom(capacities, ports, uncontrolledA);

    // Batteries (battery-control.ts): what each does, counted on every circuit above it.
    const charging = this.ems?.enabled !== false;
    const battery = this.batteryControl.run(
      this.cs,
      capacities,
      inputs,
      this.meters,
      loadOnCircuits(this.cs, charging ? wantedLoads(this.cs, active, fixedIds) : []),
      exportKw(this.cs, this.meters),
      this.deps.tariff,
      nowMs,
    );
    capacities = battery.capacities;

    const demands = this.demands(
      active.filter((p) => !fixedIds.has(p.portId)),
      nowMs,
    );
    const t0 = performance.now();
    const result = allocate(
      this.cs,
      { capacities, demands },
      this.allocatorState,
      nowMs,
      this.opts.allocator,
    );
    const allocationMs = performance.now() - t0;
    this.allocatorState = result.state;

    const targets = new Map<string, number>();
    const demanded = new Set(demands.map((d) => d.portId));
    for (const a of result.allocation) if (demanded.has(a.portId)) targets.set(a.portId, a.currentA);
    for (const [portId, a] of reassert) targets.set(portId, a);
    // Increases go out as far as the room left with every port counted at what its car may still draw.
    // The ports as read at the start of this run, unless new fail-safe defaults went out since (a port at
    // its default may now hold the higher of old and new): then as they are now.
    const snapshots = new Map((defaultsSent ? g.ports() : ports).map((p) => [p.portId, p]));
    const held: RampPort[] = demands.map((d) => ({
      portId: d.portId,
      holdA: this.dispatcher.holdA(d.portId, snapshots.get(d.portId)),
      minCurrentA: d.minCurrentA ?? this.cs.ports[this.cs.portIndex.get(d.portId)!]!.minCurrentA,
      conductorsInUse: d.conductorsInUse,
    }));
    this.increasesShort =
      this.dispatcher.update(
        targets,
        (requests) => raiseWithin(this.cs, capacities, held, requests, this.opts.deadBandA),
        snapshots,
      ) > 0;
    for (const [portId, a] of probes) {
      this.uncontrolled.trying(portId);
      this.dispatcher.probe(portId, a);
    }
    this.nextProbeMs = this.nextProbe(ports);
    this.logUnknown(unknownPorts);

    this.runs++;
    const previous = this.latestSnapshot;
    this.latestSnapshot = {
      atMs: nowMs,
      runs: this.runs,
      allocation: this.withUncontrolled(result.allocation, ports, uncontrolledA),
      demands,
      capacities,
      limits: effectiveLimits(this.cs, inputs, nowMs),
      circuits: result.explain.circuits,
      fixed,
      unknownPorts,
      uncontrolled: this.uncontrolledStates(uncontrolledA),
      meters: new Map(this.meters),
      ems: this.ems,
      batteries: battery.batteries,
      gridState,
      allocationMs,
    };
    this.logChanges(previous, this.latestSnapshot);
    for (const fn of this.runListeners) fn(this.latestSnapshot);
  }

  /** The soonest retry of an uncontrolled port that can be tried (connected, with a session); null if none. */
  private nextProbe(ports: readonly PortSnapshot[]): number | null {
    let next = Infinity;
    for (const p of ports) {
      const u = this.uncontrolled.get(p.portId);
      if (u && p.connected && p.sessionId !== undefined) next = Math.min(next, u.retryAtMs);
    }
    return Number.isFinite(next) ? next : null;
  }

  /** The allocation as shown: an uncontrolled port with a session at what it counts at, and why. */
  private withUncontrolled(
    allocation: readonly PortAllocation[],
    ports: readonly PortSnapshot[],
    counted: ReadonlyMap<string, number>,
  ): readonly PortAllocation[] {
    if (counted.size === 0) return allocation;
    const withSession = new Set(ports.filter((p) => p.sessionId !== undefined).map((p) => p.portId));
    return allocation.map((a) => {
      const u = this.uncontrolled.get(a.portId);
      if (!u || !withSession.has(a.portId)) return a;
      const countedA = counted.get(a.portId) ?? 0;
      return {
        portId: a.portId,
        currentA: countedA,
        limitedBy: { kind: 'uncontrolled', reason: u.reason, countedA },
      };
    });
  }

  private uncontrolledStates(counted: ReadonlyMap<string, number>): Map<string, UncontrolledState> {
    const out = new Map<string, UncontrolledState>();
    for (const [portId, u] of this.uncontrolled.all()) {
      const r = this.restricted.get(portId);
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

  /**
   * The operator's option (`ocpp.uncontrolledPortAction`): an uncontrolled port that cannot be made room for
   * (counted at what it can draw, a circuit on its path is over its limit even with every controlled port at
   * 0) is made unavailable or its transaction stopped, once per session (or once while idle). `capacities`
   * are those left to controlled ports after every fixed load (uncontrolled ports included).
   */
  private restrictWhereNoRoom(
    capacities: ReadonlyMap<string, Capacity>,
    ports: readonly PortSnapshot[],
    counted: ReadonlyMap<string, number>,
  ): void {
    const action: UncontrolledAction = this.opts.uncontrolledAction ?? 'none';
    const restrictPort = this.deps.gateway.restrictPort?.bind(this.deps.gateway);
    if (action === 'none' || !restrictPort) return;
    const EPS = 1e-6;
    for (const p of ports) {
      if (!counted.has(p.portId) || !p.connected) continue;
      const idx = this.cs.portIndex.get(p.portId);
      if (idx === undefined) continue;
      // Idle: nothing to stop; made unavailable only if a car there, drawing its maximum, could not fit.
      const idle = p.sessionId === undefined;
      if (idle && action === 'stop') continue;
      const extra = idle
        ? loadOnCircuits(this.cs, [
            { portId: p.portId, conductorA: Array(3).fill(this.cs.ports[idx]!.maxCurrentA) as number[] },
          ])
        : null;
      const over = this.cs.portPath[idx]!.find((ci) => {
        const c = this.cs.circuits[ci]!;
        const cap = capacities.get(c.id);
        if (!cap) return false;
        const o = ci * DIM_COUNT;
        const less = (d: number): number => (extra ? extra[o + d]! : 0);
        return cap.phaseA.some((v, ph) => v - less(ph) < -EPS) || cap.powerKw - less(3) < -EPS;
      });
      if (over === undefined) continue;
      const key = idle ? 'idle' : `session ${p.sessionId}`;
      if (this.restricted.get(p.portId)?.key === key) continue;
      const circuitId = this.cs.circuits[over]!.id;
      const entry = { key, action, answer: 'pending' };
      this.restricted.set(p.portId, entry);
      this.deps.logger.warn(
        { portId: p.portId, action, circuitId },
        'uncontrolled port cannot be made room for: taking it out of use (ocpp.uncontrolledPortAction)',
      );
      restrictPort(p.portId, action)
        .then((answer) => {
          entry.answer = answer;
        })
        .catch((err: unknown) => {
          entry.answer = `failed: ${(err as Error).message}`;
          this.deps.logger.error(
            { err, portId: p.portId, action },
            'could not take an uncontrolled port out of use',
          );
        });
    }
  }

  /**
   * Recomputes the fail-safe defaults when the site's limits, its schedules or the commanded limits
   * (operator overrides, EMS) changed, and hands the new ones to the gateway, which sends them to the
   * stations. Each fits the lowest limit that may be in force while Fusebox is away: every level of the
   * schedules, the overrides until they end, the EMS command until it is lifted (core/fail-safe.ts).
   * Returns true when new defaults went to the gateway (what its ports may hold changed).
   */
  private followFailSafe(inputs: CapacityInputs, nowMs: number): boolean {
    const commanded = commandedLimits(inputs, nowMs, this.ems !== null && !this.ems.enabled);
    // A cloud cap (Fusebox as OCPP proxy) lower than a port's default lowers it: the cloud's limit holds
    // while Fusebox is away too. Re-sent when the cap in force changes.
    const cloud = this.cloudCaps?.capsA(nowMs) ?? new Map<string, number>();
    const key = JSON.stringify([[...commanded], [...cloud]]);
    if (this.failSafeKey?.site === this.cs && this.failSafeKey.commanded === key) return false;
    this.failSafeKey = { site: this.cs, commanded: key };
    const next = new Map(
      failSafeLimits(this.cs, commanded).map((l) => [
        l.portId,
        Math.min(l.currentA, cloud.get(l.portId) ?? Infinity),
      ]),
    );
    const changed = [...next].filter(([id, a]) => this.failSafe.get(id) !== a);
    this.failSafe = next;
    if (changed.length === 0 || !this.deps.gateway.setFailSafeDefaults) return false;
    this.deps.logger.debug({ defaults: Object.fromEntries(changed) }, 'fail-safe defaults recomputed');
    this.deps.gateway.setFailSafeDefaults(next);
    return true;
  }

  /** The fail-safe default per port for the limits in force (what the stations are being sent). */
  failSafeDefaults(): ReadonlyMap<string, number> {
    return this.failSafe;
  }

  /** Logs the ports not confirmed since the start: at first (info), as they change (debug), none left (info). */
  private logUnknown(unknown: ReadonlyMap<string, UnknownReason>): void {
    if (unknown.size === this.loggedUnknown) return;
    if (unknown.size > 0) {
      this.deps.logger[this.loggedUnknown <= 0 ? 'info' : 'debug'](
        { ports: unknown.size, graceEndsAt: new Date(this.guard!.graceEndsAtMs).toISOString() },
        'ports not confirmed since the start count at the most they may draw',
      );
    } else if (this.loggedUnknown > 0) {
      this.deps.logger.info('every port confirmed since the start (or the grace period is over)');
    }
    this.loggedUnknown = unknown.size;
  }

  /** Schedule boundaries of any circuit in (fromMs, toMs], soonest first, at most `max` of them. */
  private scheduleBoundaries(fromMs: number, toMs: number, max = 16): number[] {
    const out = new Set<number>();
    for (const c of this.cs.circuits) {
      const schedules = schedulesOf(c);
      if (schedules.length === 0) continue;
      let t = fromMs;
      for (let i = 0; i < max; i++) {
        const next = scheduledLimitOfAll(schedules, this.cs.site.timeZone, t).nextChangeMs;
        if (next === null || next > toMs) break;
        out.add(next);
        t = next;
      }
    }
    return [...out].sort((a, b) => a - b).slice(0, max);
  }

  /** Readings of the load meters of DLM circuits, null where stale or past their timeout. */
  private freshLoadReadings(nowMs: number): Map<string, MeterReading | null> {
    const out = new Map<string, MeterReading | null>();
    for (const m of this.cs.site.meters) {
      if (m.role !== 'load') continue;
      const o = this.meters.get(m.id);
      const r = o && !o.stale ? o.reading : null;
      out.set(m.id, r && isFresh(r.atMs, nowMs, m.timeoutMs) ? r : null);
    }
    return out;
  }

  /**
   * Demands of ports with a car: measured draw, phases in use, the car's own current range, solar caps, and
   * in deadline mode its departure and remaining energy (session-needs.ts).
   */
  private demands(active: readonly PortSnapshot[], nowMs: number): PortDemand[] {
    const solarPorts: SolarPort[] = [];
    const out: PortDemand[] = [];
    const allocation = this.cs.site.allocation;
    const deadline = allocation?.mode === 'deadline';
    for (const p of active) {
      const idx = this.cs.portIndex.get(p.portId);
      if (idx === undefined) continue;
      const needs = sessionNeeds(p, this.cs.ports[idx]!, allocation);
      // An EMS per-port limit (MQTT command topics) caps the port like the car's own maximum.
      const emsPortA = this.ems?.portLimitA?.get(p.portId);
      const maxCurrentA =
        emsPortA === undefined ? needs.maxCurrentA : Math.min(emsPortA, needs.maxCurrentA ?? Infinity);
      const m = p.lastMeter;
      const fresh = m !== undefined && isFresh(m.atMs, nowMs, this.opts.portMeterMaxAgeMs, CLOCK_AHEAD_MS);
      const mode = this.modes[idx]!;
      if (mode !== 'fast') {
        const kwPerA = portLoadFactors(this.cs, idx, fresh ? m.conductorsInUse : undefined)[3]!;
        const drawingKw = fresh ? (m.powerKw ?? (m.maxCurrentA ?? 0) * kwPerA) : 0;
        solarPorts.push({
          portId: p.portId,
          mode,
          minCurrentA: this.cs.ports[idx]!.minCurrentA,
          kwPerA,
          drawingKw,
        });
      }
      out.push({
        portId: p.portId,
        arrivedAtMs: p.sessionStartedAtMs,
        ...(fresh
          ? { measuredA: m.maxCurrentA, measuredAtMs: m.atMs, conductorsInUse: m.conductorsInUse }
          : {}),
        ...(needs.minCurrentA !== undefined ? { minCurrentA: needs.minCurrentA } : {}),
        ...(maxCurrentA !== undefined ? { maxCurrentA } : {}),
        ...(deadline && needs.departureMs !== undefined ? { departureMs: needs.departureMs } : {}),
        ...(deadline && needs.energyRemainingKwh !== undefined
          ? { energyRemainingKwh: needs.energyRemainingKwh }
          : {}),
      });
    }
    const cloud = this.cloudCaps?.capsA(nowMs);
    if (cloud?.size)
      for (let i = 0; i < out.length; i++) {
        const d = out[i]!;
        const cap = cloud.get(d.portId);
        if (cap !== undefined && cap <= (d.maxCurrentA ?? Infinity))
          out[i] = { ...d, maxCurrentA: cap, maxFromCloud: true };
      }
    if (solarPorts.length === 0) return out;
    const solar = solarCaps(
      { exportKw: exportKw(this.cs, this.meters), ports: solarPorts },
      this.solarState,
      nowMs,
      this.opts.solar,
    );
    this.solarState = solar.state;
    return out.map((d) => {
      const cap = solar.caps.get(d.portId);
      if (cap === undefined || cap >= (d.maxCurrentA ?? Infinity)) return d;
      return { ...d, maxCurrentA: cap, maxFromCloud: false };
    });
  }

  /** Logs ports whose limit or reason changed materially (> dead band, or paused/running). */
  private logChanges(prev: ControlSnapshot | null, next: ControlSnapshot): void {
    const before = new Map(prev?.allocation.map((a) => [a.portId, a]));
    for (const a of next.allocation) {
      const b = before.get(a.portId);
      const material =
        !b ||
        (b.currentA === 0) !== (a.currentA === 0) ||
        Math.abs(b.currentA - a.currentA) >= 2 * this.opts.deadBandA;
      if (material && (a.currentA > 0 || (b && b.currentA > 0))) {
        // Pausing and resuming are worth an operator's attention; level changes are routine under DLM.
        const pauseOrResume = !b || (b.currentA === 0) !== (a.currentA === 0);
        this.deps.logger[pauseOrResume ? 'info' : 'debug'](
          { portId: a.portId, currentA: a.currentA, why: describeLimitedBy(a.limitedBy) },
          'allocation changed',
        );
      }
    }
  }

  /** The next periodic run: the period, or sooner when a schedule boundary or a meter timeout comes. */
  private scheduleBackstop(): void {
    if (!this.running) return;
    if (this.backstopTimer !== null) this.deps.clock.clearTimeout(this.backstopTimer);
    const nowMs = this.deps.clock.nowMs();
    let delayMs = this.opts.periodMs;
    const next = nextCapacityChangeMs(
      this.cs,
      capacityInputs(
        this.cs,
        this.meters,
        new Float64Array(this.cs.circuits.length * DIM_COUNT),
        this.ems,
        this.overrides,
        this.gridState(),
      ),
      nowMs,
    );
    if (next !== null) delayMs = Math.max(1, Math.min(delayMs, next - nowMs));
    // Send a battery raise held for the cars to follow (battery-control.ts) when it is due.
    const batteryAt = this.batteryControl.nextSendMs();
    if (batteryAt !== null) delayMs = Math.max(1, Math.min(delayMs, batteryAt - nowMs));
    // Wake up when a scheduled boundary enters the lead window (see run()).
    const [boundary] = this.scheduleBoundaries(nowMs + this.opts.scheduleLeadMs, Infinity, 1);
    if (boundary !== undefined)
      delayMs = Math.max(1, Math.min(delayMs, boundary - this.opts.scheduleLeadMs - nowMs));
    // A cloud profile's next schedule step (Fusebox as OCPP proxy) is applied when it starts.
    const cloudStep = this.cloudCaps?.nextChangeMs?.(nowMs);
    if (cloudStep !== undefined) delayMs = Math.max(1, Math.min(delayMs, cloudStep - nowMs));
    // Try an uncontrolled port again when its backoff is over.
    if (this.nextProbeMs !== null) delayMs = Math.max(1, Math.min(delayMs, this.nextProbeMs - nowMs));
    // Release what the restart guard still holds the moment its grace period ends.
    if (this.guard?.active(nowMs)) delayMs = Math.max(1, Math.min(delayMs, this.guard.graceEndsAtMs - nowMs));
    this.backstopTimer = this.deps.clock.setTimeout(() => {
      this.backstopTimer = null;
      this.runNow();
    }, delayMs);
  }
}

/**
 * What a port of a station that is away counts at, in A: what it may draw as far as Fusebox knows
 * (`knownA`: its profile until it expires, else its default; the port maximum if the station never took its
 * default), and never less than its fail-safe default, under which a car that plugs in meanwhile charges.
 */
function offlineLoadA(p: PortSnapshot, knownA: number): number {
  return Math.max(p.failSafeA, knownA);
}

/** Inputs as they would be `shiftMs` later with the readings just as fresh (only the schedule moves). */
function shiftedInputs(inputs: CapacityInputs, shiftMs: number): CapacityInputs {
  const circuits = new Map(
    [...inputs.circuits].map(([id, c]) => [
      id,
      {
        ...c,
        ...(c.load ? { load: { ...c.load, readAtMs: c.load.readAtMs + shiftMs } } : {}),
        ...(c.pv ? { pv: { ...c.pv, readAtMs: c.pv.readAtMs + shiftMs } } : {}),
      },
    ]),
  );
  return { circuits };
}

/** Per circuit, the lower of two capacities on every phase and in kW (and what set the lower). */
function lowerOf(a: ReadonlyMap<string, Capacity>, b: ReadonlyMap<string, Capacity>): Map<string, Capacity> {
  const out = new Map<string, Capacity>();
  for (const [id, ca] of a) {
    const cb = b.get(id);
    if (!cb) {
      out.set(id, ca);
      continue;
    }
    const phaseA = ca.phaseA.map((v, p) => Math.min(v, cb.phaseA[p]!)) as [number, number, number];
    const lowered = phaseA.some((v, p) => v < ca.phaseA[p]!) || cb.powerKw < ca.powerKw;
    out.set(id, {
      phaseA,
      powerKw: Math.min(ca.powerKw, cb.powerKw),
      source: lowered ? `${cb.source ?? 'schedule'} (ahead)` : ca.source,
    });
  }
  return out;
}

/** A port's charging mode: its own, else the nearest circuit's above it, else 'fast'. */
function portMode(cs: CompiledSite, circuitId: string, own: ChargingMode | undefined): ChargingMode {
  if (own) return own;
  for (let c = cs.circuitIndex.get(circuitId) ?? -1; c >= 0; c = cs.parent[c]!) {
    const mode = cs.circuits[c]!.chargingMode;
    if (mode) return mode;
  }
  return 'fast';
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
