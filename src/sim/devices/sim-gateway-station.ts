/**
 * The station side of the SimGateway (sim-gateway.ts): per port the TxProfile a station applied, run by the
 * station's own clock, the pilot limit its car follows (the TxProfile in force, else the fail-safe default),
 * how it answers SetChargingProfile, and what its meter measures. The gateway (Fusebox's OCPP side) drives it.
 */
import type { CompiledSite } from '../../core/compiled-site.ts';
import { isLineToLine, wiringConductors } from '../../core/phases.ts';
import type { SitePort } from '../../core/site.ts';
import type {
  EvChargingNeeds,
  GatewayEventName,
  GatewayEvents,
  PortMeterEvent,
  PortSnapshot,
  PortStatus,
} from '../../contracts/station-gateway.ts';
import { SetpointTracker } from '../../ocpp/setpoint-tracker.ts';
import type { EvModel } from '../world/ev-model.ts';
import type { VirtualClock } from '../world/virtual-clock.ts';
import type { GatewayOptions, StationBehaviour } from './sim-gateway-options.ts';

export interface SimSession {
  readonly sessionId: number;
  readonly startedAtMs: number;
  readonly ev: EvModel;
  readonly startKwh: number;
  /** What the car states at plug-in (as an ISO 15118 car would in NotifyEVChargingNeeds), if anything. */
  readonly needs: EvChargingNeeds | undefined;
}

export interface SimPort {
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
export type StationAnswer = 'accepted' | 'rejected' | 'timeout';

interface Call {
  timer: unknown;
  settled: boolean;
  finish(r: StationAnswer): void;
}

export interface SimStation {
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

/** One SetChargingProfile as the station receives it. */
export interface ProfileCall {
  readonly sessionId: number;
  readonly limitA: number;
  readonly startsAtMs: number;
  readonly expiresAtMs: number;
}

/** The stations' side: their clocks, their TxProfiles and the pilot limit each car follows. */
export class SimStations {
  readonly byPort = new Map<string, SimPort>();
  readonly stations = new Map<string, SimStation>();
  readonly stationOfPort = new Map<string, SimStation>();

  /** The site's stations and ports, each at its fail-safe default (`failSafe` per port id, else 0). */
  constructor(
    private readonly clock: VirtualClock,
    private readonly opts: GatewayOptions,
    cs: CompiledSite,
    failSafe: ReadonlyMap<string, number>,
    tracker: (port: SitePort, failSafeA: number) => SetpointTracker,
  ) {
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
        pilotA: failSafeA,
        status: 'available',
        lastMeter: undefined,
        meterTimer: null,
        setpoints: tracker(port, failSafeA),
        renewing: false,
      };
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
  }

  stationOf(sp: SimPort): SimStation {
    return this.stationOfPort.get(sp.port.id)!;
  }

  /** The station's clock: the true (monotonic) time plus its offset. */
  clockMs(sp: SimPort): number {
    return this.clock.monotonicMs() + this.stationOf(sp).clockOffsetMs;
  }

  /** The station's truth: the limit in force on the port now (TxProfile, else its default), in A. */
  limitA(sp: SimPort): number {
    const stationMs = this.clockMs(sp);
    const tx = sp.tx;
    const inForce =
      tx && stationMs >= tx.startsAtMs && (this.opts.ignoreExpiry === true || stationMs < tx.expiresAtMs)
        ? tx.currentA
        : sp.failSafeA;
    return Math.min(sp.port.maxCurrentA, inForce);
  }

  applyTx(sp: SimPort, currentA: number, startsAtMs: number, expiresAtMs: number): void {
    this.clearTx(sp);
    // The station runs the profile by its own clock: the pilot changes when it starts and when it expires.
    const stationMs = this.clockMs(sp);
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

  clearTx(sp: SimPort): void {
    if (sp.tx) for (const t of sp.tx.timers) this.clock.clearTimeout(t);
    sp.tx = null;
  }

  refreshPilot(sp: SimPort): void {
    const a = this.limitA(sp);
    if (a === sp.pilotA) return;
    sp.pilotA = a;
    sp.session?.ev.setPilot(a, this.clock.monotonicMs());
  }

  /**
   * The station side of one SetChargingProfile call, answered as the station behaves; null when Fusebox died
   * before the answer (`alive` turned false).
   */
  answer(st: SimStation, sp: SimPort, c: ProfileCall, alive: () => boolean): Promise<StationAnswer | null> {
    const behaviour = st.behaviour;
    const apply = (): void => this.applyTx(sp, c.limitA, c.startsAtMs, c.expiresAtMs);
    return new Promise((resolve) => {
      const call: Call = {
        timer: null,
        settled: false,
        finish: (r) => {
          if (call.settled) return;
          call.settled = true;
          st.calls.delete(call);
          this.clock.clearTimeout(call.timer);
          resolve(alive() ? r : null);
        },
      };
      st.calls.add(call);
      if (behaviour === 'no-answer' || behaviour === 'late') {
        call.timer = this.clock.setTimeout(() => call.finish('timeout'), this.opts.callTimeoutMs);
        // 'late': the station applies it after Fusebox gave up on the call (unless the connection dropped first).
        if (behaviour === 'late')
          this.clock.setTimeout(() => {
            if (st.online && sp.session?.sessionId === c.sessionId) apply();
          }, this.opts.callTimeoutMs + this.opts.lateAnswerMs);
        return;
      }
      call.timer = this.clock.setTimeout(() => {
        // The station got the request: it applies it whatever happened to Fusebox in the meantime.
        let r: StationAnswer = 'rejected';
        if (behaviour === 'accept' && sp.session?.sessionId === c.sessionId) {
          apply();
          r = 'accepted';
        }
        call.finish(r);
      }, this.opts.setpointLatencyMs);
    });
  }

  /** A dropped connection: calls in flight get no answer (the OCPP server counts them as timed out). */
  failCalls(st: SimStation): void {
    for (const call of [...st.calls]) call.finish('timeout');
  }
}

/** What the port's car draws now per station conductor, in A. */
export function conductorCurrents(sp: SimPort): number[] {
  const ev = sp.session?.ev;
  const out = new Array<number>(sp.conductors).fill(0);
  if (!ev) return out;
  const a = ev.currentA;
  if (ev.spec.phases === 1) out[0] = a;
  else out.fill(a);
  return out;
}

/** The port's status as the station reports it. */
export function statusOf(sp: SimPort): PortStatus {
  const s = sp.session;
  if (!s) return 'available';
  if (s.ev.currentA > 0) return 'charging';
  return s.ev.belowMinimum(sp.pilotA) ? 'suspended-evse' : 'suspended-ev';
}

/** The meter values of the port's session at `atMs` (the station's time stamp). */
export function meterEvent(sp: SimPort, s: SimSession, atMs: number): PortMeterEvent {
  const currentA = conductorCurrents(sp);
  const maxCurrentA = Math.max(...currentA);
  const inUse = maxCurrentA >= 1 ? currentA.map((a) => a >= 1) : undefined;
  return {
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
}

/** A car with a departure or an energy wish states them when it plugs in; others say nothing. */
export function statedNeeds(ev: EvModel, nowMs: number): EvChargingNeeds | undefined {
  const { departureMs, energyWantedKwh } = ev.spec;
  if (departureMs === undefined && energyWantedKwh === undefined) return undefined;
  return {
    receivedAtMs: nowMs,
    departureMs,
    energyWh: energyWantedKwh !== undefined ? energyWantedKwh * 1000 : undefined,
    meterWh: 0,
  };
}

/** How the station side reports to the gateway's listeners. */
export type Emit = <E extends GatewayEventName>(event: E, e: GatewayEvents[E]) => void;

/**
 * A station (re)connects to a running Fusebox: at its first connection since Fusebox started or after a
 * boot Fusebox sends its fail-safe defaults, which it holds (as the OCPP server's set-up, setpoint events
 * with purpose 'default'); it reports its ports and any queued transactions.
 */
export function announceStation(st: SimStation, nowMs: number, emit: Emit): void {
  emit('station-connected', { stationId: st.id, version: '1.6', atMs: nowMs });
  if (!st.announced) {
    st.announced = true;
    for (const sp of st.ports) {
      sp.setpoints.setDefaultState('accepted');
      const currentA = sp.setpoints.failSafeA;
      emit('setpoint', {
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
      emit('session-stopped', {
        portId: sp.port.id,
        sessionId: sp.knownSessionId,
        stoppedAtMs: nowMs,
        reason: 'EVDisconnected',
      });
      sp.knownSessionId = undefined;
    }
    if (s && sp.knownSessionId === undefined) {
      sp.knownSessionId = s.sessionId;
      emit('session-started', {
        portId: sp.port.id,
        sessionId: s.sessionId,
        startedAtMs: s.startedAtMs,
      });
    }
    emit('port-status', portStatusEvent(sp, nowMs));
  }
}

export function portStatusEvent(sp: SimPort, atMs: number): GatewayEvents['port-status'] {
  return { portId: sp.port.id, stationId: sp.port.stationId, status: sp.status, ocppStatus: sp.status, atMs };
}

/**
 * The port as Fusebox sees it: `up` (Fusebox runs), `connected` (and the station too), `announced` (the
 * station reported to the running Fusebox; before that its status is unknown).
 */
export function portSnapshot(
  sp: SimPort,
  up: boolean,
  connected: boolean,
  announced: boolean,
  effectiveLimitA: number,
): PortSnapshot {
  const session = up && sp.session && sp.knownSessionId === sp.session.sessionId ? sp.session : undefined;
  return {
    portId: sp.port.id,
    stationId: sp.port.stationId,
    connectorId: sp.port.connectorId,
    connected,
    status: announced ? sp.status : 'unknown',
    sessionId: session?.sessionId,
    sessionStartedAtMs: session?.startedAtMs,
    lastMeter: session ? sp.lastMeter : undefined,
    // Meter values count the session's energy from 0.
    sessionStartWh: session ? 0 : undefined,
    sessionLastWh: session ? sp.lastMeter?.energyWh : undefined,
    evNeeds: session?.needs,
    failSafeA: sp.setpoints.failSafeA,
    effectiveLimitA,
  };
}

/**
 * Fusebox's tracking of a port from its start, its fail-safe default counted as held from the start. (The
 * OCPP server counts the port maximum until the station takes its default: an offline station's ports
 * count higher there after a restart. Modelling that here moves the restart scenarios; not done yet.)
 */
export function fuseboxTracker(port: SitePort, failSafeA: number, expiryMarginMs: number): SetpointTracker {
  const t = new SetpointTracker(failSafeA, port.maxCurrentA, expiryMarginMs);
  t.setDefaultState('accepted');
  return t;
}
