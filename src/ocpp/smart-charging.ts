/**
 * Limits to stations (docs/control.md, docs/ocpp.md): the fail-safe TxDefaultProfile per port at boot and again whenever the
 * limits change it (updateDefaults), and per session a
 * TxProfile that expires unless renewed, so a station falls back to its fail-safe by itself if Fusebox
 * stops. Every setpoint is tracked (sent, accepted, rejected, timed out) and logged.
 */
import { isDue } from '../core/freshness.ts';
import { defaultsAboveEpoch } from './fail-safe-default.ts';
import type { ProfileSpec, RateUnit } from './charging-profile.ts';
import { DEFAULT_START_LEAD_MS, START_SKEW_MS } from './charging-profile.ts';
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf, recordEvent } from './ocpp-context.ts';
import type { OutgoingSetpoint, SendOutcome } from './profile-delivery.ts';
import { logSetpoint, sendProfile, storeSetpoint } from './profile-delivery.ts';
import type { SetpointOutcome } from '../contracts/ocpp-repository.ts';
import { currentToWatts } from './port-directory.ts';
import type { PortRuntime } from './port-runtime.ts';
import type { StationConnection } from './station-connection.ts';
import type { SetpointOptions, SetpointResult } from '../contracts/station-gateway.ts';

/** A station that did not accept a fail-safe default is sent it again after this long, in ms. */
const DEFAULT_RETRY_MS = 30_000;

/** Stations whose changed defaults start going out in one event-loop turn (updateDefaults); the rest next. */
export const DEFAULT_SYNCS_PER_TURN = 100;

/** How many station ids the log line of changed fail-safe defaults names (the first, falls first). */
const LOGGED_STATION_IDS = 20;

export class SmartCharging {
  /** Stations whose defaults are being brought to their targets, and those with news meanwhile. */
  private readonly syncing = new Set<string>();
  private readonly resync = new Set<string>();
  private readonly defaultRetryAtMs = new Map<string, number>();
  /** Per port, the store of its latest session setpoint while it is not committed yet. */
  private readonly storing = new Map<string, Promise<number | undefined>>();
  /** The defaultsAboveEpoch at which no port was found holding a default above its target; -1: none. */
  private noneAboveAtEpoch = -1;
  /** Connections whose charging rate units were read. */
  private readonly unitsRead = new WeakSet<StationConnection>();

  constructor(private readonly ctx: OcppContext) {}

  /**
   * After an accepted boot (or the first connection since Fusebox started): the fail-safe defaults first, then
   * capabilities and sampling. A station may start charging the moment its boot is accepted (power back after
   * an outage): until its default is in place it would charge at its own maximum, so nothing goes before it.
   */
  async setUpStation(conn: StationConnection): Promise<void> {
    const { ctx } = this;
    const protocol = protocolOf(conn.version);
    for (const info of ctx.directory.ofStation(conn.stationId)) {
      const rt = ctx.ports.get(info.port.id);
      if (rt && conn.open) await this.sendDefault(conn, rt);
    }
    if (!conn.open) return;
    // The unit a default was accepted in stays first unless the station's configuration says otherwise.
    try {
      conn.rateUnits = await protocol.readRateUnits(conn);
    } catch (err) {
      ctx.log.warn(
        { err, stationId: conn.stationId },
        `could not read charging rate units; assuming ${conn.rateUnits[0] ?? 'A'}`,
      );
    }
    this.unitsRead.add(conn);
    if (ctx.settings.meterValueSampleIntervalS > 0) {
      await protocol.configureMeterValues(conn, ctx.settings.meterValueSampleIntervalS);
    }
    if (conn.open) await this.readSmartChargingSupport(conn);
  }

  /**
   * Whether the station has smart charging at all, asked after the fail-safe defaults (docs/ocpp.md): a
   * station without it draws what its ports allow whatever Fusebox sends, and the control loop counts its
   * ports at their maximum (uncontrolled) until one of its profiles is accepted. No answer: not known.
   */
  async readSmartChargingSupport(conn: StationConnection): Promise<void> {
    const { ctx } = this;
    try {
      conn.smartCharging = await protocolOf(conn.version).readSmartChargingSupport(conn);
    } catch (err) {
      ctx.log.warn(
        { err, stationId: conn.stationId },
        'could not read whether the station has smart charging',
      );
      return;
    }
    ctx.events.emit('station-capabilities', {
      stationId: conn.stationId,
      smartCharging: conn.smartCharging,
      atMs: ctx.now(),
    });
    if (conn.smartCharging !== false) return;
    ctx.log.warn({ stationId: conn.stationId }, 'station has no smart charging: its ports are uncontrolled');
    recordEvent(ctx, {
      level: 'warn',
      kind: 'no-smart-charging',
      stationId: conn.stationId,
      message:
        conn.version === '1.6'
          ? 'SupportedFeatureProfiles lacks SmartCharging: its ports count at their maximum'
          : 'SmartChargingCtrlr not available or not enabled: its ports count at their maximum',
    });
  }

  /**
   * The fail-safe TxDefaultProfile of one port: its current target (see updateDefaults), in the connection's
   * unit (A until known); refused, it goes again at once in the other unit, and a unit accepted that way is
   * the connection's from then on.
   */
  async sendDefault(conn: StationConnection, rt: PortRuntime): Promise<SetpointOutcome> {
    const currentA = rt.setpoints.defaults.targetA;
    const seq = rt.setpoints.defaults.sent(currentA);
    const unit = conn.rateUnits[0] ?? 'A';
    let sent = await this.sendDefaultIn(conn, rt, currentA, unit, true);
    if (sent.outcome === 'rejected' && conn.open) {
      const other: RateUnit = unit === 'A' ? 'W' : 'A';
      sent = await this.sendDefaultIn(conn, rt, currentA, other, false);
      if (sent.outcome === 'accepted') conn.rateUnits = [other, ...conn.rateUnits.filter((u) => u !== other)];
    }
    const { outcome, reason, stationAnswer } = sent;
    rt.setpoints.defaults.resolve(seq, outcome);
    if (outcome !== 'accepted') this.defaultRetryAtMs.set(conn.stationId, this.ctx.now() + DEFAULT_RETRY_MS);
    // A refused default leaves the port at its maximum: the control loop counts it so (uncontrolled).
    this.ctx.events.emit('setpoint', {
      portId: rt.portId,
      currentA,
      result: outcome === 'error' ? 'timeout' : outcome,
      reason,
      stationAnswer,
      atMs: this.ctx.now(),
      renewal: false,
      purpose: 'default',
    });
    return outcome;
  }

  /**
   * One attempt at a port's default in `unit`, stored before it goes out; `retryIfRejected`: a refusal is not
   * yet worth an event.
   */
  private async sendDefaultIn(
    conn: StationConnection,
    rt: PortRuntime,
    currentA: number,
    unit: RateUnit,
    retryIfRejected: boolean,
  ): Promise<SendOutcome> {
    const nowMs = this.ctx.now();
    // In W a single-phase car could take all of it on one phase: count one conductor (safe, may under-deliver).
    const limit = unit === 'A' ? currentA : currentToWatts(currentA, rt.info, 1);
    const spec: ProfileSpec = {
      purpose: 'default',
      connectorId: rt.info.port.connectorId,
      limit,
      unit,
      numberPhases: rt.info.conductors,
      startMs: nowMs - Math.max(DEFAULT_START_LEAD_MS, this.clockBehindMs(conn, nowMs) + START_SKEW_MS),
    };
    const outgoing: OutgoingSetpoint = { rt, purpose: 'default', currentA, spec, sentMs: nowMs };
    const rowId = await storeSetpoint(this.ctx, outgoing);
    const sent = await sendProfile(conn, spec);
    const quiet = retryIfRejected && sent.outcome === 'rejected';
    logSetpoint(this.ctx, outgoing, rowId, sent, quiet);
    return sent;
  }

  /**
   * New fail-safe defaults for the limits in force (the control loop's, per port id): kept as each port's
   * target, and sent at once to the stations that are connected; a station that is away gets them when it
   * is back (renewDue). Decreases go out first; see syncDefaults.
   */
  updateDefaults(defaults: ReadonlyMap<string, number>): void {
    // Stations with a default that falls first, then those whose defaults only rise.
    const falls = new Set<string>();
    const rises = new Set<string>();
    for (const [portId, currentA] of defaults) {
      const rt = this.ctx.ports.get(portId);
      if (!rt) continue;
      const d = rt.setpoints.defaults;
      const before = d.targetA;
      const target = Math.max(0, Math.min(currentA, rt.info.port.maxCurrentA));
      if (d.setTarget(target)) (target < before ? falls : rises).add(rt.info.port.stationId);
    }
    const stations = [...falls, ...[...rises].filter((id) => !falls.has(id))];
    if (stations.length === 0) return;
    // At 1,000 stations the whole list would be a 10-KB line: the count, the falls, and the first ids.
    this.ctx.log.info(
      { count: stations.length, falling: falls.size, stations: stations.slice(0, LOGGED_STATION_IDS) },
      'fail-safe defaults changed with the limits: sending them to the stations',
    );
    this.startSyncs(stations);
  }

  /**
   * Starts the syncs of `stationIds` at most DEFAULT_SYNCS_PER_TURN per event-loop turn, in order: a change of
   * every default at 1,000 stations would otherwise store and send a profile for each in one turn.
   */
  private startSyncs(stationIds: readonly string[]): void {
    for (const id of stationIds.slice(0, DEFAULT_SYNCS_PER_TURN)) this.syncDefaults(id);
    if (stationIds.length > DEFAULT_SYNCS_PER_TURN)
      setImmediate(() => this.startSyncs(stationIds.slice(DEFAULT_SYNCS_PER_TURN)));
  }

  /**
   * Brings a connected station's defaults to their targets, one call at a time. Decreases go out at once;
   * an increase only while no port of the site may hold more than its target (every decrease accepted,
   * stations that are away included), so the defaults held never add up past a limit. A station that did
   * not accept one is tried again after DEFAULT_RETRY_MS (renewDue).
   */
  syncDefaults(stationId: string): void {
    if (this.syncing.has(stationId)) {
      this.resync.add(stationId);
      return;
    }
    const conn = this.ctx.connections.get(stationId);
    if (!conn?.open || !conn.accepted) return;
    this.syncing.add(stationId);
    this.syncLoop(conn)
      .catch((err: unknown) => this.ctx.log.error({ err, stationId }, 'fail-safe default update failed'))
      .finally(() => {
        this.syncing.delete(stationId);
        this.resync.delete(stationId);
      });
  }

  private async syncLoop(conn: StationConnection): Promise<void> {
    if (!this.unitsRead.has(conn)) {
      // A station that reconnected without booting: its units were not read on this connection yet.
      try {
        conn.rateUnits = await protocolOf(conn.version).readRateUnits(conn);
      } catch (err) {
        this.ctx.log.warn(
          { err, stationId: conn.stationId },
          'could not read charging rate units; assuming A',
        );
      }
      this.unitsRead.add(conn);
    }
    for (;;) {
      this.resync.delete(conn.stationId);
      let failed = false;
      for (const rt of this.stationPorts(conn.stationId)) {
        const d = rt.setpoints.defaults;
        if (!conn.open || !d.due()) continue;
        const increase = d.targetA > d.heldA();
        if (increase && !this.noDefaultAboveTarget()) continue;
        if ((await this.sendDefault(conn, rt)) !== 'accepted') failed = true;
      }
      if (failed || !conn.open || !this.resync.has(conn.stationId)) return;
    }
  }

  /**
   * True when no port of the site may hold a default above its target. A true answer is remembered until a
   * target falls or a default is cleared (fail-safe-default.ts defaultsAboveEpoch): when the defaults of
   * 2,000 ports rise together, each one's check would otherwise scan all 2,000.
   */
  private noDefaultAboveTarget(): boolean {
    const epoch = defaultsAboveEpoch();
    if (this.noneAboveAtEpoch === epoch) return true;
    for (const rt of this.ctx.ports.values())
      if (rt.setpoints.defaults.heldA() > rt.setpoints.defaults.targetA) return false;
    this.noneAboveAtEpoch = epoch;
    return true;
  }

  /** How far the station's clock is behind Fusebox's, as measured from its timestamps (station-clock.ts). */
  private clockBehindMs(conn: StationConnection, nowMs: number): number {
    return this.ctx.stationClocks.get(conn.stationId)?.behindMs(nowMs) ?? 0;
  }

  private stationPorts(stationId: string): PortRuntime[] {
    return this.ctx.directory.ofStation(stationId).flatMap((i) => this.ctx.ports.get(i.port.id) ?? []);
  }

  /** Send a session its limit; see StationGateway.applySetpoint. */
  async applySetpoint(
    portId: string,
    currentA: number,
    options: SetpointOptions = {},
    renewal = false,
  ): Promise<SetpointResult> {
    const { ctx } = this;
    const rt = ctx.ports.get(portId);
    if (!rt) return 'unknown-port';
    const nowMs = ctx.now();
    const session = rt.session;
    const conn = ctx.connections.get(rt.info.port.stationId);
    const expiresAfterMs = options.expiresAfterMs ?? ctx.settings.setpointExpiresAfterMs;
    const limitA = Math.max(0, Math.min(currentA, rt.info.port.maxCurrentA));
    if (!session) return this.report(rt, limitA, 'no-session', nowMs, renewal);
    rt.setpoints.desired = {
      sessionId: session.sessionId,
      currentA: limitA,
      expiresAfterMs,
      expiresAtMs: nowMs + expiresAfterMs,
      renewAtMs: nowMs + expiresAfterMs * ctx.settings.setpointRenewAtFraction,
    };
    if (!conn?.open || !conn.accepted) return this.report(rt, limitA, 'offline', nowMs, renewal);

    const unit: RateUnit = conn.rateUnits[0] ?? 'A';
    // In force from now and until the same instant by the station's clock (docs/ocpp.md "Station clocks"):
    // it starts earlier by the lag of a clock behind, and ends later by the lead of one ahead.
    const leadMs = START_SKEW_MS + this.clockBehindMs(conn, nowMs);
    const aheadMs = ctx.stationClocks.get(conn.stationId)?.aheadMs(nowMs) ?? 0;
    const spec: ProfileSpec = {
      purpose: 'session',
      connectorId: rt.info.port.connectorId,
      transactionRef: session.transactionRef,
      limit: unit === 'A' ? limitA : currentToWatts(limitA, rt.info, rt.conductorsInUse ?? 1),
      unit,
      numberPhases: rt.info.conductors,
      startMs: nowMs - leadMs,
      durationS: Math.ceil((expiresAfterMs + leadMs + aheadMs) / 1000),
      validToMs: nowMs + expiresAfterMs + aheadMs,
    };
    const raises = limitA >= rt.setpoints.effectiveLimitA(nowMs);
    const seq = rt.setpoints.sent(limitA, nowMs + expiresAfterMs);
    // Stored, committed, before it goes out when it may raise what the port draws: after a crash the restart
    // guard sees an increase that was in flight. A decrease goes out without waiting for the disk (the guard
    // counts the higher limit it replaces, which was stored before it went out), but after any earlier
    // setpoint of the port still being stored, so that the station gets them in the order they were made.
    const outgoing: OutgoingSetpoint = {
      rt,
      purpose: 'session',
      currentA: limitA,
      spec,
      sentMs: nowMs,
      sessionId: session.sessionId,
    };
    const stored = storeSetpoint(this.ctx, outgoing);
    const earlier = this.storing.get(portId);
    this.storing.set(portId, stored);
    void stored.finally(() => {
      if (this.storing.get(portId) === stored) this.storing.delete(portId);
    });
    if (raises) await stored;
    else if (earlier) await earlier;
    const sent = await sendProfile(conn, spec);
    const { outcome, reason, stationAnswer } = sent;
    rt.setpoints.resolve(seq, outcome);
    logSetpoint(this.ctx, outgoing, await stored, sent);
    const result: SetpointResult = outcome === 'error' ? 'timeout' : outcome;
    return this.report(rt, limitA, result, ctx.now(), renewal, reason, stationAnswer);
  }

  /**
   * Renew session setpoints that are due (and re-apply ones that lapsed while a station was away); bring
   * the defaults of connected stations to their targets (a station back from away, a refusal to retry, an
   * increase that waited for decreases elsewhere).
   */
  renewDue(): void {
    const nowMs = this.ctx.now();
    for (const conn of this.ctx.connections.values()) {
      if (!conn.open || !conn.accepted || this.syncing.has(conn.stationId)) continue;
      if (!isDue(this.defaultRetryAtMs.get(conn.stationId) ?? -Infinity, nowMs, DEFAULT_RETRY_MS)) continue;
      if (!this.stationPorts(conn.stationId).some((rt) => rt.setpoints.defaults.due())) continue;
      // A station still being set up after its boot gets its defaults from setUpStation.
      if (this.stationPorts(conn.stationId).some((rt) => rt.setpoints.defaultProfile === 'unsent')) continue;
      this.syncDefaults(conn.stationId);
    }
    for (const rt of this.ctx.ports.values()) {
      const desired = rt.setpoints.desired;
      if (!desired || rt.renewing || !isDue(desired.renewAtMs, nowMs, desired.expiresAfterMs)) continue;
      if (rt.session?.sessionId !== desired.sessionId) continue;
      const conn = this.ctx.connections.get(rt.info.port.stationId);
      if (!conn?.open || !conn.accepted) continue;
      rt.renewing = true;
      this.applySetpoint(rt.portId, desired.currentA, { expiresAfterMs: desired.expiresAfterMs }, true)
        .catch((err: unknown) => this.ctx.log.error({ err, portId: rt.portId }, 'setpoint renewal failed'))
        .finally(() => {
          rt.renewing = false;
        });
    }
  }

  /**
   * The session's limit again, unless one was sent since `sinceMs`: after NotifyEVChargingNeeds the station
   * waits for a schedule to hand the car (OCPP 2.0.1 K15.FR.03), and the allocation may not have changed.
   */
  resendSince(portId: string, sinceMs: number): void {
    const rt = this.ctx.ports.get(portId);
    const desired = rt?.setpoints.desired;
    if (!rt || !desired || rt.renewing || rt.session?.sessionId !== desired.sessionId) return;
    if (desired.expiresAtMs - desired.expiresAfterMs >= sinceMs) return;
    rt.renewing = true;
    this.applySetpoint(portId, desired.currentA, { expiresAfterMs: desired.expiresAfterMs }, true)
      .catch((err: unknown) => this.ctx.log.error({ err, portId }, 'setpoint resend failed'))
      .finally(() => {
        rt.renewing = false;
      });
  }

  private report(
    rt: PortRuntime,
    currentA: number,
    result: SetpointResult,
    atMs: number,
    renewal: boolean,
    reason?: string,
    stationAnswer?: string,
  ): SetpointResult {
    this.ctx.events.emit('setpoint', {
      portId: rt.portId,
      currentA,
      result,
      reason,
      stationAnswer,
      atMs,
      renewal,
    });
    return result;
  }
}
