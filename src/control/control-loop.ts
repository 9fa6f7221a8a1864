/**
 * The control loop (docs/control.md): inputs arrive as events, a burst of them gives one allocation run,
 * a periodic run is the backstop. This is the shell (docs/architecture.md, "The control plan"): it gathers
 * the inputs, calls the pure plan (plan-run.ts), keeps the state it returns, and carries out its commands:
 * the dispatcher sends decreases before increases, the gateway gets fail-safe defaults and restrictions.
 */
import type { CompiledSite } from '../core/compiled-site.ts';
import type { OperatorOverride } from '../core/effective-capacity.ts';
import type { ChargingMode } from '../core/site.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { PortSnapshot, SetpointEvent } from '../contracts/station-gateway.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import type { BatteryCommandStatus } from '../contracts/battery-commands.ts';
import { nextBatterySendMs } from './battery-control.ts';
import type { CloudCaps, ControlLoopOptions } from './control-options.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import type { ControlSnapshot } from './control-snapshot.ts';
import { Dispatcher, portsById } from './dispatcher.ts';
import { failSafeRaiseMs, nextRunDelayMs } from './plan-capacity.ts';
import { portModes } from './plan-demands.ts';
import { isSessionState } from './plan-ports.ts';
import { BATCH_MS, readingMayRaiseLoad, spareRunDelayMs } from './run-pace.ts';
import type { ControlPlan, PlanInputs } from './plan-run.ts';
import { increaseLimiter, planRun } from './plan-run.ts';
import type { ControlState, PlanEvent } from './plan-state.ts';
import {
  confirmIsNews,
  initialControlState,
  restrictionAnswered,
  sessionStarted,
  setpointAnswered,
  started,
  stationConnected,
} from './plan-state.ts';
import type { ControlLoopDeps } from './control-loop-deps.ts';
import { logChanges, logSetpointNews, logUnknown, restrictPort } from './control-logs.ts';

export type { ControlSnapshot, UncontrolledState } from './control-snapshot.ts';

export class ControlLoop {
  readonly dispatcher: Dispatcher;
  private cs: CompiledSite;
  private readonly opts: ControlLoopOptions;
  private modes: readonly ChargingMode[];
  /** The decision state (plan-state.ts): replaced, never changed, by each run and event. */
  private state: ControlState;
  /** What happened since the last run, for the next (plan-state.ts PlanEvent). */
  private events: PlanEvent[] = [];
  // Inputs as they arrive.
  private readonly meters = new Map<string, MeterObservation>();
  private ems: EmsCommands | null = null;
  private apiGridState: 'grid' | 'islanded' | null = null;
  private overrides: ReadonlyMap<string, readonly OperatorOverride[]> = new Map();
  private cloudCaps: CloudCaps | null = null;
  // Timers and what they are for.
  private runTimer: unknown = null;
  /** When the pending run (runTimer) is due, in clock ms. */
  private runDueMs = Infinity;
  private backstopTimer: unknown = null;
  private settleBatch: unknown = null;
  /** The last run left some increase short of its target (waiting for decreases to settle). */
  private increasesShort = false;
  /** How long the last run took on the loop's clock (0 on a simulated one), in ms. */
  private lastRunMs = 0;
  private unsubscribe: (() => void)[] = [];
  private running = false;
  private latestSnapshot: ControlSnapshot | null = null;
  private readonly runListeners: ((s: ControlSnapshot) => void)[] = [];
  private loggedUnknown = -1;

  constructor(private readonly deps: ControlLoopDeps) {
    this.cs = deps.site;
    this.opts = { ...DEFAULT_CONTROL_OPTIONS, ...deps.options };
    this.state = initialControlState(this.opts);
    this.dispatcher = new Dispatcher(deps.gateway, deps.clock, deps.logger, this.opts);
    this.dispatcher.onRecord((r) => {
      if (r.result === 'accepted') {
        this.events.push({ kind: 'limit', portId: r.portId, atMs: r.answeredAtMs, limitA: r.currentA });
        // The station took a profile with the port's id: whatever the previous process left is replaced, and
        // the port no longer counts at it.
        if (this.confirm(r.portId)) this.requestRun('port confirmed since the start', this.spareRunDelayMs());
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
    this.modes = portModes(this.cs);
    for (const m of this.cs.site.meters) this.meters.set(m.id, { reading: null, stale: true });
  }

  /** Subscribes to the gateway and runs the first allocation. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const g = this.deps.gateway;
    this.state = started(this.state, this.opts, this.deps.clock.nowMs(), this.deps.priorSetpoints);
    this.unsubscribe = [
      g.on('station-connected', (e) => {
        // The site's ports of that station (not g.ports(): a snapshot of every port per connect adds up to
        // millions when 1,000 stations reconnect together).
        const portIds = this.cs.ports.filter((p) => p.stationId === e.stationId).map((p) => p.id);
        this.state = stationConnected(this.state, portIds);
        this.requestRun('station connected');
      }),
      g.on('setpoint', (e) => this.onSetpoint(e)),
      g.on('station-disconnected', () => this.requestRun('station disconnected')),
      // Capabilities may show a station without smart charging: its ports then count at their maximum.
      g.on('station-capabilities', () => this.requestRun('station capabilities known')),
      // A car plugging in (a session state) may draw soon where its port has a session, or its state is not
      // confirmed since the start (restart-guard.ts); elsewhere it is not counted until its session starts
      // (an event of its own), and a car leaving only frees capacity.
      g.on('port-status', (e) => {
        const guard = this.state.guard;
        const soon =
          isSessionState(e.status) &&
          ((guard !== null && guard.active(this.deps.clock.nowMs()) && !guard.isConfirmed(e.portId)) ||
            g.port(e.portId)?.sessionId !== undefined);
        this.requestRun('port status', soon ? undefined : this.spareRunDelayMs());
      }),
      g.on('session-started', (e) => {
        this.dispatcher.forget(e.portId);
        this.state = sessionStarted(this.state, e.portId, this.deps.clock.nowMs());
        // A new transaction runs under the station's fail-safe default until its first TxProfile (profiles of
        // an earlier transaction died with it).
        this.confirm(e.portId);
        const limitA = g.port(e.portId)?.failSafeA ?? 0;
        this.events.push(
          { kind: 'forget-limits', portId: e.portId },
          { kind: 'limit', portId: e.portId, atMs: e.startedAtMs, limitA },
        );
        this.requestRun('session started');
      }),
      g.on('session-stopped', (e) => {
        this.dispatcher.forget(e.portId);
        this.events.push({ kind: 'forget-limits', portId: e.portId });
        this.confirm(e.portId);
        this.requestRun('session stopped', this.spareRunDelayMs());
      }),
      g.on('meter-values', () =>
        this.requestRun('port meter values', Math.max(this.opts.coalesceMs, BATCH_MS)),
      ),
      g.on('ev-charging-needs', () => this.requestRun('car charging needs', this.spareRunDelayMs())),
    ];
    this.requestRun('start');
  }

  /** The port's state is confirmed since the start (restart-guard.ts); true when that is news. */
  private confirm(portId: string): boolean {
    if (!confirmIsNews(this.state, this.events, portId)) return false;
    this.events.push({ kind: 'confirm', portId });
    return true;
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
    this.modes = portModes(site);
    this.deps.logger.info('site configuration reloaded');
    this.requestRun('config reload');
    return null;
  }

  /** A meter reading arrived (from the Modbus poller or a test). */
  onMeterReading(reading: MeterReading): void {
    const previous = this.meters.get(reading.meterId);
    this.meters.set(reading.meterId, { reading, stale: false });
    // More load (or a meter back from stale) is served at once; the same or less only refines the estimate.
    if (!previous || previous.stale || readingMayRaiseLoad(previous.reading, reading))
      this.requestRun('meter reading');
    else this.requestRun('meter reading, no more load', this.spareRunDelayMs());
  }

  /** A meter went stale or came back. */
  onMeterStatus(meterId: string, stale: boolean): void {
    const prev = this.meters.get(meterId);
    this.meters.set(meterId, { reading: prev?.reading ?? null, stale });
    if (stale) this.deps.logger.warn({ meterId }, 'meter stale: using its worst-case non-EV load');
    this.requestRun(stale ? 'meter stale' : 'meter fresh');
  }

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

  /** The EMS wrote commands (or its watchdog reverted them). */
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
   * uncontrolled, an acceptance brings it back under control (plan-state.ts setpointAnswered).
   */
  private onSetpoint(e: SetpointEvent): void {
    if (this.opts.uncontrolledPorts === false) return;
    const smartCharging =
      e.result === 'accepted' ? this.deps.gateway.port(e.portId)?.smartCharging : undefined;
    const { state, news } = setpointAnswered(this.state, e, smartCharging);
    this.state = state;
    if (news === null) return;
    logSetpointNews(this.deps.logger, e.portId, news);
    this.requestRun(news.kind === 'controlled-again' ? 'port under control again' : 'profile refused');
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

  /** The fail-safe default per port for the limits in force (what the stations are being sent). */
  failSafeDefaults(): ReadonlyMap<string, number> {
    return this.state.failSafe.defaults;
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

  /** The delay of a run for an event that only frees capacity or refines what is known (run-pace.ts). */
  private spareRunDelayMs(): number {
    return spareRunDelayMs(this.opts.coalesceMs, this.lastRunMs);
  }

  /** One allocation run, now. Never throws: a failure is logged and the backstop retries. */
  runNow(): void {
    const startMs = this.deps.clock.nowMs();
    try {
      this.run();
    } catch (err) {
      this.deps.logger.error({ err }, 'allocation run failed');
    }
    // A wall-clock step during the run is clamped by spareRunDelayMs (coalesceMs to BATCH_MS).
    this.lastRunMs = this.deps.clock.nowMs() - startMs;
    this.scheduleBackstop();
  }

  /** Gathers the inputs, plans (plan-run.ts), keeps the state and carries out the commands in order. */
  private run(): void {
    const nowMs = this.deps.clock.nowMs();
    const inputs = this.gather(nowMs);
    const plan = planRun(this.state, inputs, nowMs);
    this.state = plan.state;
    this.events = [];
    this.carryOut(plan, inputs.ports);
    this.loggedUnknown = logUnknown(
      this.deps.logger,
      plan.snapshot.unknownPorts,
      this.loggedUnknown,
      this.state.guard?.graceEndsAtMs,
    );
    const previous = this.latestSnapshot;
    this.latestSnapshot = plan.snapshot;
    logChanges(this.deps.logger, this.opts.deadBandA, previous, plan.snapshot);
    for (const fn of this.runListeners) fn(plan.snapshot);
  }

  private gather(nowMs: number): PlanInputs {
    const g = this.deps.gateway;
    const ports = g.ports(); // with each port's effectiveLimitA at this run's start
    const failedDecreases = new Set<string>();
    for (const p of ports)
      if (p.sessionId !== undefined && this.dispatcher.hasFailedDecrease(p.portId))
        failedDecreases.add(p.portId);
    const demandCap = this.deps.demandCap;
    const commander = this.deps.batteries;
    let batteryStatus: Map<string, BatteryCommandStatus> | null = null;
    if (commander) {
      batteryStatus = new Map();
      for (const b of this.cs.site.batteries ?? []) batteryStatus.set(b.id, commander.status(b.id));
    }
    return {
      site: this.cs,
      modes: this.modes,
      options: this.opts,
      ports,
      failedDecreases,
      meters: this.meters,
      ems: this.ems,
      overrides: this.overrides,
      cloudCaps: this.cloudCaps?.capsA(nowMs, this.opts.scheduleLeadMs) ?? null,
      planTargets: this.deps.planTargets?.(nowMs) ?? null,
      planBattery: this.deps.planBattery?.(nowMs) ?? null,
      gridState: this.gridState(),
      tariff: this.deps.tariff,
      batteryStatus,
      events: this.events,
      previous: this.latestSnapshot,
      canRestrict: g.restrictPort !== undefined,
      demandCap: demandCap && ((uncapped, ctx) => demandCap.apply(uncapped, ctx)),
      stopwatchMs: () => performance.now(),
    };
  }

  /**
   * The plan's commands, in the order of safety: defaults and restrictions, battery writes, decreases,
   * increases, probes. `ports`: the ports as read at the start of the run (the dispatcher's snapshots).
   */
  private carryOut(plan: ControlPlan, ports: readonly PortSnapshot[]): void {
    const { commands } = plan;
    const g = this.deps.gateway;
    const log = this.deps.logger;
    for (const portId of commands.noSmartCharging)
      log.warn({ portId }, 'port uncontrolled: its station has no smart charging');
    for (const portId of commands.release) this.dispatcher.release(portId);
    let defaultsSent = false;
    if (commands.failSafe.changed.size > 0 && g.setFailSafeDefaults) {
      log.debug({ defaults: Object.fromEntries(commands.failSafe.changed) }, 'fail-safe defaults recomputed');
      g.setFailSafeDefaults(commands.failSafe.defaults);
      defaultsSent = true;
    }
    for (const r of commands.restrict)
      restrictPort(g, log, r, (answer) => {
        this.state = restrictionAnswered(this.state, r.portId, r.entry, answer);
      });
    for (const { batteryId, kw } of commands.batterySends) this.deps.batteries?.set(batteryId, kw);
    // The ports as read at the start of this run, unless new fail-safe defaults went out since (a port at
    // its default may now hold the higher of old and new): then as they are now.
    const snapshots = portsById(this.cs.portIndex, defaultsSent ? g.ports() : ports);
    const limiter = increaseLimiter(this.cs, commands.ramp, (id) =>
      this.dispatcher.holdA(id, snapshots.get(id)),
    );
    this.increasesShort = this.dispatcher.update(commands.targets, limiter, snapshots) > 0;
    for (const [portId, a] of commands.probes)
      this.dispatcher.probe(portId, a, plan.snapshot.uncontrolled.get(portId)?.countedA);
  }

  /** The next periodic run: the period, or sooner (plan-capacity.ts nextRunDelayMs). */
  private scheduleBackstop(): void {
    if (!this.running) return;
    if (this.backstopTimer !== null) this.deps.clock.clearTimeout(this.backstopTimer);
    const delayMs = nextRunDelayMs(
      this.cs,
      this.opts,
      {
        meters: this.meters,
        ems: this.ems,
        overrides: this.overrides,
        gridState: this.gridState(),
        batterySendMs: nextBatterySendMs(this.state.batteryRaising, this.opts.carResponseMs),
        cloudStepMs: this.cloudCaps?.nextChangeMs?.(this.deps.clock.nowMs(), this.opts.scheduleLeadMs),
        nextProbeMs: this.state.nextProbeMs,
        guard: this.state.guard,
        failSafeRaiseMs: failSafeRaiseMs(this.state.failSafe, this.opts.failSafeRaiseAfterMs),
      },
      this.deps.clock.nowMs(),
    );
    this.backstopTimer = this.deps.clock.setTimeout(() => {
      this.backstopTimer = null;
      this.runNow();
    }, delayMs);
  }
}
