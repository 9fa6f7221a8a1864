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
import { isLineToLine, wiringConductors } from '../../core/phases.ts';
import type { SitePort } from '../../core/site.ts';
import { kwPerAmp } from '../../core/site.ts';
import { DEFAULT_OCPP_SERVER_SETTINGS } from '../../ocpp/ocpp-settings.ts';
import { EXPIRY_MARGIN_MS, SetpointTracker } from '../../ocpp/setpoint-tracker.ts';
import { START_SKEW_MS } from '../../ocpp/charging-profile.ts';
import { stationTime } from '../../ocpp/station-input.ts';
import type {
  EvChargingNeeds,
  GatewayEventName,
  GatewayEvents,
  PortMeterEvent,
  PortSnapshot,
  PortStatus,
  SetpointOptions,
  SetpointResult,
  StationGateway,
} from '../../contracts/station-gateway.ts';
import type { VirtualClock } from '../world/virtual-clock.ts';
import type { EvModel } from '../world/ev-model.ts';

/**
 * How a station answers SetChargingProfile. 'late': it applies the profile and answers only after the
 * call timed out (a late CALLRESULT, which the OCPP server drops): Fusebox sees 'timeout'.
 */
export type StationBehaviour = 'accept' | 'reject' | 'no-answer' | 'late';

export interface SimGatewayOptions {
  /** Time a station takes to answer a setpoint, in ms (default 200). */
  readonly setpointLatencyMs?: number | undefined;
  /** A call unanswered after this long resolves 'timeout', in ms (default: the OCPP server's, 15 s). */
  readonly callTimeoutMs?: number | undefined;
  /** TxProfile lifetime when the caller gives none, in ms (default: the OCPP server's, 5 min). */
  readonly setpointExpiresAfterMs?: number | undefined;
  /**
   * The gateway renews a setpoint when this share of its lifetime has passed (default: the OCPP server's,
   * 0.5; 0: never).
   */
  readonly renewAtFraction?: number | undefined;
  /** How often due renewals are looked for, in ms (default 5 s; the OCPP server looks every second). */
  readonly renewCheckMs?: number | undefined;
  /**
   * A TxProfile this close to its expiry may already have lapsed: the default counts too, in ms (default: the
   * OCPP server's, 10 s).
   */
  readonly expiryMarginMs?: number | undefined;
  /** Meter values of each session every this many ms (default: the sample interval the server sets, 10 s). */
  readonly meterValuesIntervalMs?: number | undefined;
  /** Send meter values at multiples of the interval (clock-aligned) rather than from each session start. */
  readonly meterValuesAligned?: boolean | undefined;
  /** Fail-safe default per port id; default: core failSafeLimits. */
  readonly failSafeA?: ReadonlyMap<string, number> | undefined;
  /** How long after its time-out a 'late' station applies a profile and answers, in ms (default 5 s). */
  readonly lateAnswerMs?: number | undefined;
}

/** Switches only tests set (negative controls); not SimGatewayOptions (see ControlTestSwitches). */
export interface SimGatewayTestSwitches {
  /** Stations that do not apply profile expiry (a faulty firmware). */
  readonly ignoreExpiry?: boolean | undefined;
}

const SERVER = DEFAULT_OCPP_SERVER_SETTINGS;
const DEFAULTS = {
  setpointLatencyMs: 200,
  callTimeoutMs: SERVER.callTimeoutMs,
  setpointExpiresAfterMs: SERVER.setpointExpiresAfterMs,
  renewAtFraction: SERVER.setpointRenewAtFraction,
  renewCheckMs: 5_000,
  expiryMarginMs: EXPIRY_MARGIN_MS,
  meterValuesIntervalMs: SERVER.meterValueSampleIntervalS * 1000,
  meterValuesAligned: false,
  lateAnswerMs: 5_000,
};

interface SimSession {
  readonly sessionId: number;
  readonly startedAtMs: number;
  readonly ev: EvModel;
  readonly startKwh: number;
  /** What the car states at plug-in (as an ISO 15118 car would in NotifyEVChargingNeeds), if anything. */
  readonly needs: EvChargingNeeds | undefined;
}

interface SimPort {
  readonly port: SitePort;
  readonly failSafeA: number;
  readonly conductors: number;
  /** Voltage across one conductor's load: line to neutral, or line to line for L-L wiring. */
  readonly voltageV: number;
  session: SimSession | null;
  /** The session Fusebox knows of (it learns of sessions started while it was away when it comes back). */
  knownSessionId: number | undefined;
  /**
   * Station side: the TxProfile last applied, if any: in force from `startsAtMs` (its startSchedule) until
   * `expiresAtMs` (its validTo), both as Fusebox stamped them and compared with the station's own clock.
   */
  tx: {
    readonly currentA: number;
    readonly startsAtMs: number;
    readonly expiresAtMs: number;
    timers: unknown[];
  } | null;
  pilotA: number;
  status: PortStatus;
  lastMeter: PortMeterEvent | undefined;
  meterTimer: unknown;
  /** Fusebox side: what the port may be drawing under, as the OCPP server tracks it (new when it restarts). */
  setpoints: SetpointTracker;
  renewing: boolean;
}

/** A station's answer to SetChargingProfile as Fusebox sees it. */
type StationAnswer = 'accepted' | 'rejected' | 'timeout';

interface Call {
  timer: unknown;
  settled: boolean;
  finish(r: StationAnswer): void;
}

interface SimStation {
  readonly id: string;
  readonly ports: SimPort[];
  online: boolean;
  behaviour: StationBehaviour;
  readonly calls: Set<Call>;
  /** How far the station's clock is off the true time, in ms (a clock-jump fault). */
  clockOffsetMs: number;
  /**
   * Connected to the running Fusebox since its start or the station's own boot: Fusebox set up its fail-safe
   * defaults and knows its ports' status.
   */
  announced: boolean;
}

/** Counters of setpoint traffic, for tests and benchmarks. */
export interface SetpointStats {
  sent: number;
  accepted: number;
  rejected: number;
  timeout: number;
  offline: number;
  noSession: number;
  renewals: number;
}

export class SimGateway implements StationGateway {
  readonly stats: SetpointStats = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    timeout: 0,
    offline: 0,
    noSession: 0,
    renewals: 0,
  };
  private readonly opts: typeof DEFAULTS & SimGatewayOptions & SimGatewayTestSwitches;
  private readonly listeners = new Map<GatewayEventName, Set<(e: never) => void>>();
  private readonly byPort = new Map<string, SimPort>();
  private readonly stations = new Map<string, SimStation>();
  private readonly stationOfPort = new Map<string, SimStation>();
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
    cs.ports.forEach((port, i) => {
      const supply = cs.circuits[cs.portPath[i]![0]!]!.supply;
      const failSafeA = Math.min(port.maxCurrentA, failSafe.get(port.id) ?? 0);
      const sp: SimPort = {
        port,
        failSafeA,
        conductors: wiringConductors(port.wiring).length,
        voltageV: isLineToLine(port.wiring) ? supply.lineToLineV : supply.lineToNeutralV,
        session: null,
        knownSessionId: undefined,
        tx: null,
        pilotA: 0,
        status: 'available',
        lastMeter: undefined,
        meterTimer: null,
        setpoints: this.tracker(port, failSafeA),
        renewing: false,
      };
      sp.pilotA = sp.failSafeA;
      this.byPort.set(port.id, sp);
      let st = this.stations.get(port.stationId);
      if (!st) {
        st = {
          id: port.stationId,
          ports: [],
          online: true,
          behaviour: 'accept',
          calls: new Set(),
          clockOffsetMs: 0,
          announced: false,
        };
        this.stations.set(port.stationId, st);
      }
      st.ports.push(sp);
      this.stationOfPort.set(port.id, st);
    });
    // Fusebox starts with every station connected.
    for (const st of this.stations.values()) this.announce(st);
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
    const sp = this.byPort.get(portId);
    return sp ? sp.setpoints.effectiveLimitA(this.clock.nowMs()) : 0;
  }

  port(portId: string): PortSnapshot | undefined {
    const sp = this.byPort.get(portId);
    return sp ? this.snapshot(sp) : undefined;
  }

  ports(): readonly PortSnapshot[] {
    return [...this.byPort.values()].map((sp) => this.snapshot(sp));
  }

  // ---- Simulation controls ----

  /** A car plugs in: a session starts at once (free vending) under the port's limit in force. */
  plugIn(portId: string, ev: EvModel): number {
    const sp = this.mustPort(portId);
    if (sp.session) throw new Error(`port ${portId} already has a session`);
    const nowMs = this.clock.nowMs();
    // The station stamps the start with its clock; Fusebox checks it against its own (station-input.ts).
    const startedAtMs = stationTime(this.stationClockMs(sp), nowMs).atMs;
    const sessionId = this.nextSessionId++;
    const used = ev.spec.phases === 1 ? 1 : sp.conductors;
    const supply = this.cs.circuits[this.cs.circuitIndex.get(sp.port.circuitId)!]!.supply;
    sp.session = { sessionId, startedAtMs, ev, startKwh: ev.energyKwh, needs: statedNeeds(ev, nowMs) };
    this.clearTx(sp);
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
    const stoppedAtMs = stationTime(this.stationClockMs(sp), this.clock.nowMs(), s.startedAtMs).atMs;
    s.ev.unplug(this.clock.monotonicMs());
    sp.session = null;
    this.clearTx(sp);
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
    return this.byPort.get(portId)?.session?.ev;
  }

  /** A station's WebSocket drops (false) or comes back (true). Its cars keep drawing under what is in force. */
  setStationOnline(stationId: string, online: boolean): void {
    const st = this.stations.get(stationId);
    if (!st || st.online === online) return;
    if (!online) {
      const wasVisible = this.up;
      st.online = false;
      this.failCalls(st);
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
    const st = this.stations.get(stationId);
    if (!st) return;
    this.setStationOnline(stationId, false);
    for (const sp of st.ports) {
      this.clearTx(sp);
      this.refreshPilot(sp);
    }
    st.announced = false;
    this.setStationOnline(stationId, true);
  }

  /**
   * Steps a station's clock by `deltaMs` (an NTP step, a wrong RTC): it stamps its reports and runs its
   * profiles' startSchedule and validTo by this clock from now on.
   */
  stepStationClock(stationId: string, deltaMs: number): void {
    const st = this.stations.get(stationId);
    if (!st) return;
    st.clockOffsetMs += deltaMs;
    for (const sp of st.ports) {
      if (!sp.tx) continue;
      const { currentA, startsAtMs, expiresAtMs } = sp.tx;
      this.applyTx(sp, currentA, startsAtMs, expiresAtMs); // re-arms its timers on the new clock
    }
  }

  /** How a station answers setpoints from now on. */
  setStationBehaviour(stationId: string, behaviour: StationBehaviour): void {
    const st = this.stations.get(stationId);
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
    for (const st of this.stations.values()) {
      st.announced = false;
      for (const sp of st.ports) {
        sp.setpoints = this.tracker(sp.port, sp.failSafeA);
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
    for (const st of this.stations.values()) if (st.online) this.announce(st);
  }

  /** True while Fusebox is running. */
  get fuseboxRunning(): boolean {
    return this.up;
  }

  /** Runs the cars to `nowMs` and reports status changes (the world calls this every tick). */
  step(nowMs: number): void {
    for (const sp of this.byPort.values()) {
      if (!sp.session) continue;
      sp.session.ev.advance(nowMs);
      this.updateStatus(sp, false);
    }
  }

  /** What each port's car draws now per station conductor, for the physics of the site. */
  portDraws(): PortConductorLoad[] {
    const out: PortConductorLoad[] = [];
    for (const sp of this.byPort.values()) {
      if (sp.session) out.push({ portId: sp.port.id, conductorA: this.conductorCurrents(sp) });
    }
    return out;
  }

  /** The station's truth: the limit in force on the port now (TxProfile, else its default), in A. */
  stationLimitA(portId: string): number {
    const sp = this.mustPort(portId);
    const stationMs = this.stationClockMs(sp);
    const tx = sp.tx;
    const inForce =
      tx && stationMs >= tx.startsAtMs && (this.opts.ignoreExpiry === true || stationMs < tx.expiresAtMs)
        ? tx.currentA
        : sp.failSafeA;
    return Math.min(sp.port.maxCurrentA, inForce);
  }

  /** The fail-safe default of a port, in A. */
  failSafeA(portId: string): number {
    return this.mustPort(portId).failSafeA;
  }

  // ---- internals ----

  private snapshot(sp: SimPort): PortSnapshot {
    const st = this.stationOfPort.get(sp.port.id)!;
    const visibleSession = this.up && sp.session && sp.knownSessionId === sp.session.sessionId;
    return {
      portId: sp.port.id,
      stationId: sp.port.stationId,
      connectorId: sp.port.connectorId,
      connected: this.up && st.online,
      // What the station reported to the running Fusebox; nothing yet: unknown.
      status: this.up && st.announced ? sp.status : 'unknown',
      sessionId: visibleSession ? sp.session!.sessionId : undefined,
      sessionStartedAtMs: visibleSession ? sp.session!.startedAtMs : undefined,
      lastMeter: visibleSession ? sp.lastMeter : undefined,
      // Meter values count the session's energy from 0.
      sessionStartWh: visibleSession ? 0 : undefined,
      sessionLastWh: visibleSession ? sp.lastMeter?.energyWh : undefined,
      evNeeds: visibleSession ? sp.session!.needs : undefined,
      failSafeA: sp.setpoints.failSafeA,
      effectiveLimitA: this.effectiveLimitA(sp.port.id),
    };
  }

  private async apply(
    portId: string,
    currentA: number,
    options: SetpointOptions,
    renewal: boolean,
  ): Promise<SetpointResult> {
    const sp = this.byPort.get(portId);
    if (!sp) return 'unknown-port';
    const st = this.stationOfPort.get(portId)!;
    const nowMs = this.clock.nowMs();
    const limitA = Math.max(0, Math.min(currentA, sp.port.maxCurrentA));
    const report = (result: SetpointResult): SetpointResult => {
      this.count(result, renewal);
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
    const outcome = await this.station(st, sp, session.sessionId, limitA, startsAtMs, expiresAtMs);
    if (outcome === null) return new Promise<SetpointResult>(() => {}); // Fusebox died: no answer, ever
    tracker.resolve(seq, outcome);
    return report(outcome);
  }

  /** The station side of one SetChargingProfile call; null when Fusebox died before the answer. */
  private station(
    st: SimStation,
    sp: SimPort,
    sessionId: number,
    limitA: number,
    startsAtMs: number,
    expiresAtMs: number,
  ): Promise<StationAnswer | null> {
    const epoch = this.epoch;
    const behaviour = st.behaviour;
    return new Promise((resolve) => {
      const call: Call = {
        timer: null,
        settled: false,
        finish: (r) => {
          if (call.settled) return;
          call.settled = true;
          st.calls.delete(call);
          this.clock.clearTimeout(call.timer);
          resolve(this.epoch === epoch ? r : null);
        },
      };
      st.calls.add(call);
      if (behaviour === 'no-answer') {
        call.timer = this.clock.setTimeout(() => call.finish('timeout'), this.opts.callTimeoutMs);
        return;
      }
      if (behaviour === 'late') {
        call.timer = this.clock.setTimeout(() => call.finish('timeout'), this.opts.callTimeoutMs);
        // The station applies it after Fusebox gave up on the call (unless the connection dropped first).
        this.clock.setTimeout(() => {
          if (st.online && sp.session?.sessionId === sessionId)
            this.applyTx(sp, limitA, startsAtMs, expiresAtMs);
        }, this.opts.callTimeoutMs + this.opts.lateAnswerMs);
        return;
      }
      call.timer = this.clock.setTimeout(() => {
        // The station got the request: it applies it whatever happened to Fusebox in the meantime.
        let r: StationAnswer = 'rejected';
        if (behaviour === 'accept' && sp.session?.sessionId === sessionId) {
          this.applyTx(sp, limitA, startsAtMs, expiresAtMs);
          r = 'accepted';
        }
        call.finish(r);
      }, this.opts.setpointLatencyMs);
    });
  }

  /** A dropped connection: calls in flight get no answer (the OCPP server counts them as timed out). */
  private failCalls(st: SimStation): void {
    for (const call of [...st.calls]) call.finish('timeout');
  }

  private applyTx(sp: SimPort, currentA: number, startsAtMs: number, expiresAtMs: number): void {
    this.clearTx(sp);
    // The station runs the profile by its own clock: the pilot changes when it starts and when it expires.
    const stationMs = this.stationClockMs(sp);
    const timers: unknown[] = [];
    if (startsAtMs > stationMs) {
      timers.push(this.clock.setTimeout(() => this.refreshPilot(sp), startsAtMs - stationMs));
    }
    if (this.opts.ignoreExpiry !== true) {
      timers.push(this.clock.setTimeout(() => this.refreshPilot(sp), Math.max(0, expiresAtMs - stationMs)));
    }
    sp.tx = { currentA, startsAtMs, expiresAtMs, timers };
    this.refreshPilot(sp);
  }

  private clearTx(sp: SimPort): void {
    if (sp.tx) for (const t of sp.tx.timers) this.clock.clearTimeout(t);
    sp.tx = null;
  }

  /** The station's clock: the true (monotonic) time plus its offset. */
  private stationClockMs(sp: SimPort): number {
    return this.clock.monotonicMs() + this.stationOfPort.get(sp.port.id)!.clockOffsetMs;
  }

  private refreshPilot(sp: SimPort): void {
    const a = this.stationLimitA(sp.port.id);
    if (a === sp.pilotA) return;
    sp.pilotA = a;
    sp.session?.ev.setPilot(a, this.clock.monotonicMs());
  }

  /**
   * Fusebox's tracking of a port from its start, its fail-safe default counted as held from the start. (The
   * OCPP server counts the port maximum until the station takes its default: an offline station's ports
   * count higher there after a restart. Modelling that here moves the restart scenarios; not done yet.)
   */
  private tracker(port: SitePort, failSafeA: number): SetpointTracker {
    const t = new SetpointTracker(failSafeA, port.maxCurrentA, this.opts.expiryMarginMs);
    t.setDefaultState('accepted');
    return t;
  }

  private count(result: SetpointResult, renewal: boolean): void {
    if (renewal) this.stats.renewals++;
    if (result === 'accepted') this.stats.accepted++;
    else if (result === 'rejected') this.stats.rejected++;
    else if (result === 'timeout') this.stats.timeout++;
    else if (result === 'offline') this.stats.offline++;
    else if (result === 'no-session') this.stats.noSession++;
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
    for (const sp of this.byPort.values()) {
      const d = sp.setpoints.desired;
      if (!d || sp.renewing || !isDue(d.renewAtMs, nowMs, d.expiresAfterMs)) continue;
      if (sp.session?.sessionId !== d.sessionId) continue;
      if (!this.stationOfPort.get(sp.port.id)!.online) continue;
      sp.renewing = true;
      this.apply(sp.port.id, d.currentA, { expiresAfterMs: d.expiresAfterMs }, true)
        .catch(() => 'offline' as const)
        .finally(() => {
          sp.renewing = false;
        })
        .catch(() => undefined);
    }
  }

  /**
   * A station (re)connects to a running Fusebox: at its first connection since Fusebox started or after a
   * boot Fusebox sends its fail-safe defaults, which it holds (as the OCPP server's set-up, setpoint events
   * with purpose 'default'); it reports its ports and any queued transactions.
   */
  private announce(st: SimStation): void {
    const nowMs = this.clock.nowMs();
    this.emit('station-connected', { stationId: st.id, version: '1.6', atMs: nowMs });
    if (!st.announced) {
      st.announced = true;
      for (const sp of st.ports) {
        sp.setpoints.setDefaultState('accepted');
        const currentA = sp.setpoints.failSafeA;
        this.emit('setpoint', {
          portId: sp.port.id,
          currentA,
          result: 'accepted',
          atMs: nowMs,
          renewal: false,
          purpose: 'default',
        });
      }
    }
    for (const sp of st.ports) {
      const s = sp.session;
      if (sp.knownSessionId !== undefined && sp.knownSessionId !== s?.sessionId) {
        this.emit('session-stopped', {
          portId: sp.port.id,
          sessionId: sp.knownSessionId,
          stoppedAtMs: nowMs,
          reason: 'EVDisconnected',
        });
        sp.knownSessionId = undefined;
      }
      if (s && sp.knownSessionId === undefined) {
        sp.knownSessionId = s.sessionId;
        this.emit('session-started', {
          portId: sp.port.id,
          sessionId: s.sessionId,
          startedAtMs: s.startedAtMs,
        });
      }
      this.emitStatus(sp);
    }
  }

  private visible(sp: SimPort): boolean {
    return this.up && this.stationOfPort.get(sp.port.id)!.online;
  }

  private statusOf(sp: SimPort): PortStatus {
    const s = sp.session;
    if (!s) return 'available';
    if (s.ev.currentA > 0) return 'charging';
    return sp.pilotA < (s.ev.spec.minCurrentA ?? 6) ? 'suspended-evse' : 'suspended-ev';
  }

  private updateStatus(sp: SimPort, force: boolean): void {
    const status = this.statusOf(sp);
    if (status === sp.status && !force) return;
    sp.status = status;
    if (this.visible(sp)) this.emitStatus(sp);
  }

  private emitStatus(sp: SimPort): void {
    this.emit('port-status', {
      portId: sp.port.id,
      stationId: sp.port.stationId,
      status: sp.status,
      ocppStatus: sp.status,
      atMs: this.clock.nowMs(),
    });
  }

  private conductorCurrents(sp: SimPort): number[] {
    const ev = sp.session?.ev;
    const out = new Array<number>(sp.conductors).fill(0);
    if (!ev) return out;
    const a = ev.currentA;
    if (ev.spec.phases === 1) out[0] = a;
    else out.fill(a);
    return out;
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
    const atMs = stationTime(this.stationClockMs(sp), this.clock.nowMs(), s.startedAtMs).atMs;
    this.updateStatus(sp, false);
    const currentA = this.conductorCurrents(sp);
    const maxCurrentA = Math.max(...currentA);
    const inUse = maxCurrentA >= 1 ? currentA.map((a) => a >= 1) : undefined;
    const e: PortMeterEvent = {
      portId: sp.port.id,
      sessionId: s.sessionId,
      atMs,
      currentA,
      conductorsInUse: inUse,
      maxCurrentA,
      energyWh: (s.ev.energyKwh - s.startKwh) * 1000,
      powerKw: isLineToLine(sp.port.wiring)
        ? (maxCurrentA * sp.voltageV) / 1000
        : (currentA.reduce((x, y) => x + y, 0) * sp.voltageV) / 1000,
      voltageV: sp.voltageV,
      socPct: s.ev.socPct,
    };
    sp.lastMeter = e;
    this.emit('meter-values', e);
  }

  private mustPort(portId: string): SimPort {
    const sp = this.byPort.get(portId);
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A car with a departure or an energy wish states them when it plugs in; others say nothing. */
function statedNeeds(ev: EvModel, nowMs: number): EvChargingNeeds | undefined {
  const { departureMs, energyWantedKwh } = ev.spec;
  if (departureMs === undefined && energyWantedKwh === undefined) return undefined;
  return {
    receivedAtMs: nowMs,
    departureMs,
    energyWh: energyWantedKwh !== undefined ? energyWantedKwh * 1000 : undefined,
    meterWh: 0,
  };
}
