/**
 * An in-process simulated set of charging stations behind the StationGateway interface, for fast,
 * deterministic control-loop tests (no sockets; the OCPP simulator over WebSockets is ocpp-station.ts).
 *
 * Two sides are modelled, because the safety argument (docs/control.md, "Fail-safe") depends on both:
 * - the stations: per port the limit in force is the TxProfile of the running session until it expires,
 *   else the fail-safe default (core failSafeLimits) set at boot; plugged-in EVs follow it;
 * - Fusebox's OCPP side: setpoints sent, answered, rejected or timed out, the limit each port may be
 *   drawing under (effectiveLimitA, the OCPP server's own SetpointTracker per port), renewal of expiring
 *   setpoints. The stations always hold their fail-safe defaults, and Fusebox counts them as held from its
 *   start (see `tracker`); it reports them as the OCPP server's set-up does, a setpoint event with purpose
 *   'default' per port when a station connects for the first time since Fusebox started or since it booted.
 * Fusebox can be "killed" (fuseboxDown: nothing is sent or renewed, its knowledge is lost) and restarted
 * (fuseboxUp) while the stations and cars keep running.
 */
import type { CompiledSite } from '../../core/compiled-site.ts';
import { failSafeLimits } from '../../core/fail-safe.ts';
import { isDue } from '../../core/freshness.ts';
import type { PortConductorLoad } from '../../core/port-load.ts';
import { kwPerAmp } from '../../core/site.ts';
import { START_SKEW_MS } from '../../ocpp/charging-profile.ts';
import { stationTime } from '../../ocpp/station-input.ts';
import type {
  GatewayEventName,
  GatewayEvents,
  PortSnapshot,
  SetpointOptions,
  SetpointResult,
  StationGateway,
} from '../../contracts/station-gateway.ts';
import type { VirtualClock } from '../world/virtual-clock.ts';
import type { EvModel } from '../world/ev-model.ts';
import type {
  GatewayOptions,
  SetpointStats,
  SimGatewayOptions,
  SimGatewayTestSwitches,
  StationBehaviour,
} from './sim-gateway-options.ts';
import { DEFAULTS, countResult, newStats, stripUndefined } from './sim-gateway-options.ts';
import type { SimPort, SimStation } from './sim-gateway-station.ts';
import {
  SimStations,
  announceStation,
  fuseboxTracker,
  portSnapshot,
  conductorCurrents,
  meterEvent,
  portStatusEvent,
  statedNeeds,
  statusOf,
} from './sim-gateway-station.ts';

export type { SetpointStats, SimGatewayOptions, SimGatewayTestSwitches, StationBehaviour };

export class SimGateway implements StationGateway {
  readonly stats: SetpointStats = newStats();
  private readonly opts: GatewayOptions;
  /** The stations' side: their clocks, TxProfiles and pilots. */
  private readonly side: SimStations;
  private readonly listeners = new Map<GatewayEventName, Set<(e: never) => void>>();
  private nextSessionId = 1;
  private up = true;
  /** Incremented when Fusebox dies: answers to calls of an earlier epoch are lost. */
  private epoch = 0;
  private renewTimer: unknown = null;

  constructor(
    private readonly cs: CompiledSite,
    private readonly clock: VirtualClock,
    options: SimGatewayOptions & SimGatewayTestSwitches = {},
  ) {
    this.opts = { ...DEFAULTS, ...stripUndefined(options) };
    const failSafe = options.failSafeA ?? new Map(failSafeLimits(cs).map((l) => [l.portId, l.currentA]));
    this.side = new SimStations(clock, this.opts, cs, failSafe, (port, failSafeA) =>
      fuseboxTracker(port, failSafeA, this.opts.expiryMarginMs),
    );
    // Fusebox starts with every station connected.
    for (const st of this.side.stations.values()) this.announce(st);
    this.scheduleRenewal();
  }

  // ---- StationGateway ----

  on<E extends GatewayEventName>(event: E, listener: (e: GatewayEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const fn = listener as (e: never) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  applySetpoint(portId: string, currentA: number, options: SetpointOptions = {}): Promise<SetpointResult> {
    return this.apply(portId, currentA, options, false);
  }

  effectiveLimitA(portId: string): number {
    const sp = this.side.byPort.get(portId);
    return sp ? sp.setpoints.effectiveLimitA(this.clock.nowMs()) : 0;
  }

  port(portId: string): PortSnapshot | undefined {
    const sp = this.side.byPort.get(portId);
    return sp ? this.snapshot(sp) : undefined;
  }

  ports(): readonly PortSnapshot[] {
    return [...this.side.byPort.values()].map((sp) => this.snapshot(sp));
  }

  // ---- Simulation controls ----

  /** A car plugs in: a session starts at once (free vending) under the port's limit in force. */
  plugIn(portId: string, ev: EvModel): number {
    const sp = this.mustPort(portId);
    if (sp.session) throw new Error(`port ${portId} already has a session`);
    const nowMs = this.clock.nowMs();
    // The station stamps the start with its clock; Fusebox checks it against its own (station-input.ts).
    const startedAtMs = stationTime(this.side.clockMs(sp), nowMs).atMs;
    const sessionId = this.nextSessionId++;
    const used = ev.spec.phases === 1 ? 1 : sp.conductors;
    const supply = this.cs.circuits[this.cs.circuitIndex.get(sp.port.circuitId)!]!.supply;
    sp.session = { sessionId, startedAtMs, ev, startKwh: ev.energyKwh, needs: statedNeeds(ev, nowMs) };
    this.side.clearTx(sp);
    sp.setpoints.setSession(sessionId);
    sp.pilotA = this.stationLimitA(portId);
    ev.plugIn(this.clock.monotonicMs(), kwPerAmp(supply, sp.port.wiring, used), sp.pilotA);
    this.startMeterValues(sp);
    if (this.visible(sp)) {
      sp.knownSessionId = sessionId;
      this.emit('session-started', { portId, sessionId, startedAtMs, meterStartWh: 0 });
    }
    this.updateStatus(sp, true);
    return sessionId;
  }

  /** The car leaves: the session stops, its TxProfile dies with it. */
  unplug(portId: string, reason = 'EVDisconnected'): void {
    const sp = this.mustPort(portId);
    const s = sp.session;
    if (!s) return;
    const stoppedAtMs = stationTime(this.side.clockMs(sp), this.clock.nowMs(), s.startedAtMs).atMs;
    s.ev.unplug(this.clock.monotonicMs());
    sp.session = null;
    this.side.clearTx(sp);
    sp.setpoints.setSession(undefined);
    this.clock.clearTimeout(sp.meterTimer);
    sp.meterTimer = null;
    sp.lastMeter = undefined;
    sp.pilotA = sp.failSafeA;
    if (this.visible(sp)) {
      sp.knownSessionId = undefined;
      const energyWh = (s.ev.energyKwh - s.startKwh) * 1000;
      this.emit('session-stopped', { portId, sessionId: s.sessionId, stoppedAtMs, energyWh, reason });
    }
    this.updateStatus(sp, true);
  }

  /** The car on a port, if any. */
  evOf(portId: string): EvModel | undefined {
    return this.side.byPort.get(portId)?.session?.ev;
  }

  /** A station's WebSocket drops (false) or comes back (true). Its cars keep drawing under what is in force. */
  setStationOnline(stationId: string, online: boolean): void {
    const st = this.side.stations.get(stationId);
    if (!st || st.online === online) return;
    if (!online) {
      const wasVisible = this.up;
      st.online = false;
      this.side.failCalls(st);
      if (wasVisible) this.emit('station-disconnected', { stationId, atMs: this.clock.nowMs(), code: 1006 });
    } else {
      st.online = true;
      if (this.up) this.announce(st);
    }
  }

  /**
   * A station reboots: its connection drops, its TxProfiles are gone (its ports fall back to their
   * fail-safe defaults; the cars stay plugged in) and it connects again at once, booting: Fusebox sets up
   * its defaults again.
   */
  rebootStation(stationId: string): void {
    const st = this.side.stations.get(stationId);
    if (!st) return;
    this.setStationOnline(stationId, false);
    for (const sp of st.ports) {
      this.side.clearTx(sp);
      this.side.refreshPilot(sp);
    }
    st.announced = false;
    this.setStationOnline(stationId, true);
  }

  /**
   * Steps a station's clock by `deltaMs` (an NTP step, a wrong RTC): it stamps its reports and runs its
   * profiles' startSchedule and validTo by this clock from now on.
   */
  stepStationClock(stationId: string, deltaMs: number): void {
    const st = this.side.stations.get(stationId);
    if (!st) return;
    st.clockOffsetMs += deltaMs;
    for (const sp of st.ports) {
      if (!sp.tx) continue;
      const { currentA, startsAtMs, expiresAtMs } = sp.tx;
      this.side.applyTx(sp, currentA, startsAtMs, expiresAtMs); // re-arms its timers on the new clock
    }
  }

  /** How a station answers setpoints from now on. */
  setStationBehaviour(stationId: string, behaviour: StationBehaviour): void {
    const st = this.side.stations.get(stationId);
    if (st) st.behaviour = behaviour;
  }

  /**
   * Fusebox dies: nothing is sent or renewed any more, answers in flight are lost, every connection drops,
   * and what its OCPP side knew is gone. Stations and cars go on under the profiles in force.
   */
  fuseboxDown(): void {
    if (!this.up) return;
    this.up = false;
    this.epoch++;
    this.clock.clearTimeout(this.renewTimer);
    this.renewTimer = null;
    for (const st of this.side.stations.values()) {
      st.announced = false;
      for (const sp of st.ports) {
        sp.setpoints = fuseboxTracker(sp.port, sp.failSafeA, this.opts.expiryMarginMs);
        sp.setpoints.setSession(sp.session?.sessionId);
        sp.renewing = false;
        sp.lastMeter = undefined; // held in memory only
      }
    }
  }

  /**
   * Fusebox is back: stations reconnect and report their ports; sessions that started or stopped while it
   * was away are reported (queued transaction messages); setpoints still in force on stations are unknown
   * to it (its OCPP side starts with only the fail-safe defaults it sends at boot).
   */
  fuseboxUp(): void {
    if (this.up) return;
    this.up = true;
    this.scheduleRenewal();
    for (const st of this.side.stations.values()) if (st.online) this.announce(st);
  }

  /** True while Fusebox is running. */
  get fuseboxRunning(): boolean {
    return this.up;
  }

  /** Runs the cars to `nowMs` and reports status changes (the world calls this every tick). */
  step(nowMs: number): void {
    for (const sp of this.side.byPort.values()) {
      if (!sp.session) continue;
      sp.session.ev.advance(nowMs);
      this.updateStatus(sp, false);
    }
  }

  /** What each port's car draws now per station conductor, for the physics of the site. */
  portDraws(): PortConductorLoad[] {
    const out: PortConductorLoad[] = [];
    for (const sp of this.side.byPort.values()) {
      if (sp.session) out.push({ portId: sp.port.id, conductorA: conductorCurrents(sp) });
    }
    return out;
  }

  /** The station's truth: the limit in force on the port now (TxProfile, else its default), in A. */
  stationLimitA(portId: string): number {
    return this.side.limitA(this.mustPort(portId));
  }

  /** The fail-safe default of a port, in A. */
  failSafeA(portId: string): number {
    return this.mustPort(portId).failSafeA;
  }

  // ---- internals ----

  private snapshot(sp: SimPort): PortSnapshot {
    const st = this.side.stationOf(sp);
    return portSnapshot(
      sp,
      this.up,
      this.up && st.online,
      this.up && st.announced,
      this.effectiveLimitA(sp.port.id),
    );
  }

  private async apply(
    portId: string,
    currentA: number,
    options: SetpointOptions,
    renewal: boolean,
  ): Promise<SetpointResult> {
    const sp = this.side.byPort.get(portId);
    if (!sp) return 'unknown-port';
    const st = this.side.stationOfPort.get(portId)!;
    const nowMs = this.clock.nowMs();
    const limitA = Math.max(0, Math.min(currentA, sp.port.maxCurrentA));
    const report = (result: SetpointResult): SetpointResult => {
      countResult(this.stats, result, renewal);
      if (this.up) {
        // A refusal in the station's word, as the OCPP server reports a SetChargingProfile answered Rejected.
        const refusal =
          result === 'rejected' ? { reason: 'station answered Rejected', stationAnswer: 'Rejected' } : {};
        this.emit('setpoint', {
          portId,
          currentA: limitA,
          result,
          atMs: this.clock.nowMs(),
          renewal,
          ...refusal,
        });
      }
      return result;
    };
    if (!this.up) return report('offline');
    this.stats.sent++;
    const session = sp.session;
    if (!session || sp.knownSessionId !== session.sessionId) return report('no-session');
    const expiresAfterMs = options.expiresAfterMs ?? this.opts.setpointExpiresAfterMs;
    const expiresAtMs = nowMs + expiresAfterMs;
    sp.setpoints.desired = {
      sessionId: session.sessionId,
      currentA: limitA,
      expiresAfterMs,
      expiresAtMs,
      renewAtMs:
        this.opts.renewAtFraction > 0 ? nowMs + expiresAfterMs * this.opts.renewAtFraction : Infinity,
    };
    if (!st.online) return report('offline');

    const startsAtMs = nowMs - START_SKEW_MS;
    const tracker = sp.setpoints;
    const seq = tracker.sent(limitA, expiresAtMs);
    const epoch = this.epoch;
    const call = { sessionId: session.sessionId, limitA, startsAtMs, expiresAtMs };
    const outcome = await this.side.answer(st, sp, call, () => this.epoch === epoch);
    if (outcome === null) return new Promise<SetpointResult>(() => {}); // Fusebox died: no answer, ever
    tracker.resolve(seq, outcome);
    return report(outcome);
  }

  private scheduleRenewal(): void {
    if (this.opts.renewAtFraction <= 0) return;
    this.renewTimer = this.clock.setTimeout(() => {
      this.renewTimer = null;
      this.renewDue();
      if (this.up) this.scheduleRenewal();
    }, this.opts.renewCheckMs);
  }

  /** Renew setpoints that are due, as the OCPP server does (and re-apply ones that lapsed while away). */
  private renewDue(): void {
    const nowMs = this.clock.nowMs();
    for (const sp of this.side.byPort.values()) {
      const d = sp.setpoints.desired;
      if (!d || sp.renewing || !isDue(d.renewAtMs, nowMs, d.expiresAfterMs)) continue;
      if (sp.session?.sessionId !== d.sessionId) continue;
      if (!this.side.stationOfPort.get(sp.port.id)!.online) continue;
      sp.renewing = true;
      this.apply(sp.port.id, d.currentA, { expiresAfterMs: d.expiresAfterMs }, true)
        .catch(() => 'offline' as const)
        .finally(() => {
          sp.renewing = false;
        })
        .catch(() => undefined);
    }
  }

  /** A station (re)connects to a running Fusebox (announceStation). */
  private announce(st: SimStation): void {
    announceStation(st, this.clock.nowMs(), (event, e) => this.emit(event, e));
  }

  private visible(sp: SimPort): boolean {
    return this.up && this.side.stationOfPort.get(sp.port.id)!.online;
  }

  private updateStatus(sp: SimPort, force: boolean): void {
    const status = statusOf(sp);
    if (status === sp.status && !force) return;
    sp.status = status;
    if (this.visible(sp)) this.emitStatus(sp);
  }

  private emitStatus(sp: SimPort): void {
    this.emit('port-status', portStatusEvent(sp, this.clock.nowMs()));
  }

  private startMeterValues(sp: SimPort): void {
    const every = this.opts.meterValuesIntervalMs;
    if (every <= 0) return;
    const nowMs = this.clock.nowMs();
    const first = this.opts.meterValuesAligned ? every - (nowMs % every) : every;
    const tick = (): void => {
      sp.meterTimer = this.clock.setTimeout(tick, every);
      this.sendMeterValues(sp);
    };
    sp.meterTimer = this.clock.setTimeout(tick, first);
  }

  private sendMeterValues(sp: SimPort): void {
    const s = sp.session;
    if (!s || !this.visible(sp) || sp.knownSessionId !== s.sessionId) return;
    s.ev.advance(this.clock.monotonicMs());
    // Stamped by the station's clock and checked against Fusebox's, as central-system.ts does.
    const atMs = stationTime(this.side.clockMs(sp), this.clock.nowMs(), s.startedAtMs).atMs;
    this.updateStatus(sp, false);
    const e = meterEvent(sp, s, atMs);
    sp.lastMeter = e;
    this.emit('meter-values', e);
  }

  private mustPort(portId: string): SimPort {
    const sp = this.side.byPort.get(portId);
    if (!sp) throw new Error(`no port ${portId}`);
    return sp;
  }

  private emit<E extends GatewayEventName>(event: E, e: GatewayEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (e: GatewayEvents[E]) => void)(e);
      } catch {
        // Listener errors never reach the stations (StationGateway contract).
      }
    }
  }
}
