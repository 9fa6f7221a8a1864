/**
 * What Fusebox does with what stations report, independent of the OCPP version: registration, port
 * status, sessions, meter values. Every report is stored (durably) before the station gets its answer.
 */
import type { AuthorizationDecision } from './authorization.ts';
import { Authorization } from './authorization.ts';
import type { MeterSample } from './meter-sample.ts';
import type { OcppContext } from './ocpp-context.ts';
import { portAt, recordEvent } from './ocpp-context.ts';
import type { Registration, SessionRecord } from '../contracts/ocpp-repository.ts';
import { portStatusOf } from './port-status.ts';
import type { PortRuntime } from './port-runtime.ts';
import type { StationConnection } from './station-connection.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';
import { energyProblem, portBounds } from './station-input.ts';
import { InputNotices } from './input-notices.ts';
import { recordMeterValues } from './meter-values.ts';

export interface BootInfo {
  readonly vendor: string;
  readonly model: string;
  readonly serialNumber?: string | undefined;
  readonly firmwareVersion?: string | undefined;
  readonly reason?: string | undefined;
}

export interface BootAnswer {
  readonly status: 'Accepted' | 'Pending' | 'Rejected';
  readonly intervalS: number;
  readonly currentTimeMs: number;
}

export interface StatusReport {
  readonly evseId: number;
  readonly connectorId: number;
  readonly status: string;
  readonly errorCode?: string | undefined;
  readonly info?: string | undefined;
  readonly atMs: number;
}

export interface SessionStart {
  readonly evseId: number | undefined;
  readonly connectorId: number | undefined;
  /** 2.0.1 transaction id; undefined for 1.6. */
  readonly transactionRef?: string | undefined;
  readonly idTag?: string | undefined;
  readonly startedMs: number;
  readonly meterStartWh?: number | undefined;
  readonly seqNo?: number | undefined;
}

export interface SessionStop {
  readonly session: SessionRecord;
  readonly stoppedMs: number;
  readonly meterStopWh?: number | undefined;
  readonly reason?: string | undefined;
  readonly seqNo?: number | undefined;
}

/** A pending station is asked to boot again after this long, in s (1.6 §4.2.1 interval when Pending). */
const PENDING_RETRY_S = 60;

/** Stop reason of a session closed because its station reported the port Available (no stop message). */
export const AVAILABLE_STOP_REASON = 'StationReportedAvailable';
/** Stop reason of a session closed because its station started a new transaction on the port. */
export const SUPERSEDED_STOP_REASON = 'SupersededOnPort';
/** Stops Fusebox inferred: the station's own stop, arriving later, replaces them. */
const INFERRED_STOP_REASONS: readonly string[] = [AVAILABLE_STOP_REASON, SUPERSEDED_STOP_REASON];

export class CentralSystem {
  readonly authorization: Authorization;
  /** Rate limit of the warnings about what a station sent (implausible readings, clock skew). */
  private readonly notices: InputNotices;

  constructor(
    private readonly ctx: OcppContext,
    /** Called after an accepted boot's answer went out: smart-charging setup of the station. */
    private readonly onAccepted: (conn: StationConnection) => void,
  ) {
    this.authorization = new Authorization(ctx.repo, ctx.settings, ctx.now);
    this.notices = new InputNotices(ctx);
  }

  /** BootNotification: configured stations are accepted; auto-registered ones wait for the operator. */
  async boot(conn: StationConnection, info: BootInfo): Promise<BootAnswer> {
    const { ctx } = this;
    const nowMs = ctx.now();
    let registration: Registration = 'accepted';
    if (!ctx.stations.has(conn.stationId)) {
      const stored = await ctx.repo.getStation(conn.stationId);
      registration = stored?.registration ?? 'pending';
    }
    await ctx.repo.updateStation({
      stationId: conn.stationId,
      registration,
      ocppVersion: conn.version,
      vendor: info.vendor,
      model: info.model,
      serialNumber: info.serialNumber,
      firmwareVersion: info.firmwareVersion,
      lastBootMs: nowMs,
      atMs: nowMs,
    });
    conn.accepted = registration === 'accepted';
    recordEvent(ctx, {
      level: conn.accepted ? 'info' : 'warn',
      kind: 'station-booted',
      stationId: conn.stationId,
      message: `${info.vendor} ${info.model} booted (${info.reason ?? 'no reason given'}): ${registration}`,
      data: info,
    });
    if (conn.accepted) setImmediate(() => this.onAccepted(conn));
    const status =
      registration === 'accepted' ? 'Accepted' : registration === 'pending' ? 'Pending' : 'Rejected';
    return {
      status,
      intervalS: conn.accepted ? ctx.settings.heartbeatIntervalS : PENDING_RETRY_S,
      currentTimeMs: nowMs,
    };
  }

  /** StatusNotification (and 2.0.1 charging state changes). */
  async status(conn: StationConnection, said: StatusReport): Promise<void> {
    const rt = said.evseId > 0 ? portAt(this.ctx, conn.stationId, said.evseId) : undefined;
    const atMs = this.notices.stationTime(conn, said.atMs, this.ctx.now(), 'StatusNotification', rt?.portId);
    const report = { ...said, atMs };
    await this.ctx.repo.recordStatus({ stationId: conn.stationId, ...report, portId: rt?.portId });
    if (!rt) return;
    if (report.status === 'Available') await this.closeOnAvailable(conn, rt, report.atMs);
    this.updatePortStatus(rt, report.status, report.atMs, report.errorCode);
  }

  /**
   * A connector reported Available has no transaction: a session still open on it was lost by the station (it
   * rebooted, or its stop never came). Close it, else its setpoints are refused and retried forever. A stop
   * message arriving later (offline queue) replaces this one (see stopSession).
   */
  private async closeOnAvailable(conn: StationConnection, rt: PortRuntime, atMs: number): Promise<void> {
    const open = rt.session;
    // A report older than the session says nothing about it (the session started after it).
    if (!open || (Number.isFinite(atMs) && atMs < open.startedMs)) return;
    const stopped = await this.ctx.repo.stopSession({
      sessionId: open.sessionId,
      stoppedMs: Number.isFinite(atMs) ? atMs : this.ctx.now(),
      reason: AVAILABLE_STOP_REASON,
    });
    if (rt.session?.sessionId !== open.sessionId) return; // ended or replaced meanwhile
    this.emitStopped(rt, open.sessionId, stopped);
    recordEvent(this.ctx, {
      level: 'warn',
      kind: 'session-stopped',
      stationId: conn.stationId,
      portId: rt.portId,
      sessionId: open.sessionId,
      message:
        `session ${open.sessionId} closed: the station reports connector ${rt.info.port.connectorId} ` +
        `Available without having stopped the transaction (it may have restarted); ` +
        `${stopped?.energyWh ?? '?'} Wh by the last meter reading`,
    });
  }

  updatePortStatus(rt: PortRuntime, ocppStatus: string, atMs: number, errorCode?: string): void {
    const status = portStatusOf(ocppStatus);
    if (status === rt.status) return;
    rt.status = status;
    this.ctx.events.emit('port-status', {
      portId: rt.portId,
      stationId: rt.info.port.stationId,
      status,
      ocppStatus,
      errorCode: errorCode === 'NoError' ? undefined : errorCode,
      atMs,
    });
  }

  authorize(idTag: string): Promise<AuthorizationDecision> {
    return this.authorization.check(idTag);
  }

  /** A session started (1.6 StartTransaction, 2.0.1 TransactionEvent Started or first seen). */
  async startSession(conn: StationConnection, start: SessionStart): Promise<SessionRecord> {
    const { ctx } = this;
    const rt = start.evseId !== undefined ? portAt(ctx, conn.stationId, start.evseId) : undefined;
    const receivedMs = ctx.now();
    const startedMs = this.notices.stationTime(
      conn,
      start.startedMs,
      receivedMs,
      'transaction start',
      rt?.portId,
    );
    let meterStartWh = start.meterStartWh;
    const startProblem =
      meterStartWh === undefined ? undefined : energyProblem(meterStartWh, undefined, undefined, startedMs);
    if (startProblem) {
      this.notices.implausible(conn, rt?.portId, [`meter start: ${startProblem}`]);
      meterStartWh = undefined;
    }
    const { session, duplicate } = await ctx.repo.startSession({
      stationId: conn.stationId,
      portId: rt?.portId,
      evseId: start.evseId ?? 0,
      connectorId: start.connectorId ?? start.evseId ?? 0,
      transactionRef: start.transactionRef,
      idTag: start.idTag,
      startedMs,
      stationMs: start.startedMs,
      receivedMs,
      meterStartWh,
      seqNo: start.seqNo,
    });
    if (duplicate) return session;
    if (rt) await this.attachSession(rt, session);
    recordEvent(ctx, {
      level: 'info',
      kind: 'session-started',
      stationId: conn.stationId,
      portId: rt?.portId,
      sessionId: session.sessionId,
      message: `session ${session.sessionId} started${start.idTag ? ` for ${start.idTag}` : ''}`,
    });
    return session;
  }

  /** Bind a session to its port (a 2.0.1 transaction may name its EVSE only after it started). */
  async attachSession(rt: PortRuntime, session: SessionRecord): Promise<void> {
    const previous = rt.session;
    if (previous?.sessionId === session.sessionId) return;
    const pending = session.evNeeds ? undefined : rt.takePendingNeeds(session.startedMs);
    if (previous) {
      // The station started a new transaction on this port: the old one ended without us hearing of it.
      const stale = await this.ctx.repo.stopSession({
        sessionId: previous.sessionId,
        // Never before the old one started (a queued start may be older than a session restored meanwhile).
        stoppedMs: Math.max(session.startedMs, previous.startedMs),
        reason: SUPERSEDED_STOP_REASON,
      });
      this.emitStopped(rt, previous.sessionId, stale);
    }
    rt.startSession({
      sessionId: session.sessionId,
      transactionRef: session.transactionRef,
      startedMs: session.startedMs,
      meterStartWh: session.meterStartWh,
      evNeeds: session.evNeeds,
    });
    this.ctx.events.emit('session-started', {
      portId: rt.portId,
      sessionId: session.sessionId,
      idTag: session.idTag,
      startedAtMs: session.startedMs,
      meterStartWh: session.meterStartWh,
    });
    if (pending) await this.bindNeeds(rt, session.sessionId, pending);
  }

  /**
   * NotifyEVChargingNeeds (OCPP 2.0.1 / 2.1 K15-K17): stored with the port's session (or held for the
   * session about to start), then the control loop is told. Returns false for an EVSE that is not a port.
   */
  async evChargingNeeds(conn: StationConnection, evseId: number, said: EvChargingNeeds): Promise<boolean> {
    const { ctx } = this;
    const rt = portAt(ctx, conn.stationId, evseId);
    if (!rt) return false;
    const sessionId = rt.session?.sessionId;
    // The register when it was said: energyWh is what the car needs from here on.
    const needs: EvChargingNeeds = { ...said, meterWh: rt.sessionLastWh ?? rt.sessionStartWh };
    recordEvent(ctx, {
      level: 'info',
      kind: 'ev-charging-needs',
      stationId: conn.stationId,
      portId: rt.portId,
      sessionId,
      message: describeNeeds(needs),
      data: needs,
    });
    if (sessionId === undefined) rt.holdNeeds(needs);
    else await this.bindNeeds(rt, sessionId, needs);
    return true;
  }

  private async bindNeeds(rt: PortRuntime, sessionId: number, needs: EvChargingNeeds): Promise<void> {
    await this.ctx.repo.recordEvNeeds(sessionId, needs);
    if (rt.session?.sessionId !== sessionId) return;
    rt.evNeeds = needs;
    this.ctx.events.emit('ev-charging-needs', { portId: rt.portId, sessionId, needs });
  }

  /**
   * A session stopped (1.6 StopTransaction, 2.0.1 TransactionEvent Ended). Idempotent; a stop Fusebox only
   * inferred (Available, superseded) is replaced by the station's own, which has the real time and meter.
   */
  async stopSession(conn: StationConnection, stop: SessionStop): Promise<SessionRecord | undefined> {
    const { ctx } = this;
    const inferred = stop.session.stopReason;
    if (stop.session.stoppedMs !== undefined && !INFERRED_STOP_REASONS.includes(inferred ?? '')) {
      return stop.session;
    }
    const rt = this.runtimeOfSession(stop.session);
    const receivedMs = ctx.now();
    const started = stop.session.startedMs;
    const stoppedMs = this.notices.stationTime(
      conn,
      stop.stoppedMs,
      receivedMs,
      'transaction stop',
      rt?.portId,
      started,
    );
    let meterStopWh = stop.meterStopWh;
    if (meterStopWh !== undefined) {
      const live = rt?.session?.sessionId === stop.session.sessionId ? rt : undefined;
      const problem = energyProblem(
        meterStopWh,
        rt ? portBounds(rt.info) : undefined,
        {
          startedMs: started,
          startWh: stop.session.meterStartWh ?? live?.sessionStartWh,
          lastWh: Math.max(stop.session.meterLastWh ?? -Infinity, live?.sessionLastWh ?? -Infinity),
        },
        Math.max(stoppedMs, receivedMs),
      );
      if (problem) {
        this.notices.implausible(conn, rt?.portId, [`meter stop: ${problem}`]);
        meterStopWh = undefined;
      }
    }
    const stopped = await ctx.repo.stopSession({
      sessionId: stop.session.sessionId,
      stoppedMs,
      stationMs: stop.stoppedMs,
      receivedMs,
      meterStopWh,
      reason: stop.reason,
      seqNo: stop.seqNo,
      replacesReasons: INFERRED_STOP_REASONS,
    });
    if (stop.session.stoppedMs !== undefined) {
      recordEvent(ctx, {
        level: 'info',
        kind: 'session-stopped',
        stationId: conn.stationId,
        portId: stop.session.portId,
        sessionId: stop.session.sessionId,
        message:
          `session ${stop.session.sessionId}: the station's stop arrived late (${stop.reason ?? 'Local'}) ` +
          `and replaces the one Fusebox inferred (${inferred}): ${stopped?.energyWh ?? '?'} Wh`,
      });
      return stopped;
    }
    if (rt?.session?.sessionId === stop.session.sessionId)
      this.emitStopped(rt, stop.session.sessionId, stopped);
    recordEvent(ctx, {
      level: 'info',
      kind: 'session-stopped',
      stationId: conn.stationId,
      portId: stop.session.portId,
      sessionId: stop.session.sessionId,
      message: `session ${stop.session.sessionId} stopped (${stop.reason ?? 'Local'}): ${stopped?.energyWh ?? '?'} Wh`,
    });
    return stopped;
  }

  private emitStopped(rt: PortRuntime, sessionId: number, stopped: SessionRecord | undefined): void {
    rt.endSession();
    this.ctx.events.emit('session-stopped', {
      portId: rt.portId,
      sessionId,
      stoppedAtMs: stopped?.stoppedMs ?? this.ctx.now(),
      energyWh: stopped?.energyWh,
      reason: stopped?.stopReason,
    });
  }

  runtimeOfSession(session: SessionRecord): PortRuntime | undefined {
    return session.portId !== undefined ? this.ctx.ports.get(session.portId) : undefined;
  }

  /** The session a station means by a transaction id, from memory first, then from the store. */
  async findSession(conn: StationConnection, transactionRef: string): Promise<SessionRecord | undefined> {
    return this.ctx.repo.findSession(conn.stationId, transactionRef);
  }

  /** MeterValues (and the meter values inside transaction messages): store, then tell the control loop. */
  meterValues(
    conn: StationConnection,
    evseId: number,
    samples: readonly { readonly sample: MeterSample; readonly raw: unknown }[],
    session: SessionRecord | undefined,
  ): Promise<void> {
    return recordMeterValues(this.ctx, this.notices, conn, evseId, samples, session);
  }

  /** DataTransfer: no vendor extension is known yet; stored, answered, never fatal. */
  async dataTransfer(
    conn: StationConnection,
    vendorId: string,
    messageId: string | undefined,
    data: unknown,
  ): Promise<{ status: string }> {
    await this.ctx.repo.recordEvent({
      atMs: this.ctx.now(),
      level: 'info',
      kind: 'data-transfer',
      stationId: conn.stationId,
      message: `DataTransfer from vendor '${vendorId}'${messageId ? ` message '${messageId}'` : ''} not handled`,
      data,
    });
    return { status: 'UnknownVendorId' };
  }
}

/** One line for the event log: what the car said. */
function describeNeeds(n: EvChargingNeeds): string {
  const parts: string[] = [];
  if (n.departureMs !== undefined) parts.push(`leaves at ${new Date(n.departureMs).toISOString()}`);
  if (n.energyWh !== undefined) parts.push(`needs ${(n.energyWh / 1000).toFixed(1)} kWh`);
  if (n.maxCurrentA !== undefined) parts.push(`takes ${n.minCurrentA ?? '?'}-${n.maxCurrentA} A`);
  return `car charging needs: ${parts.length ? parts.join(', ') : 'nothing usable'}`;
}
