/**
 * Limits to stations (DESIGN.md §5): the fail-safe TxDefaultProfile per port at boot, and per session a
 * TxProfile that expires unless renewed, so a station falls back to its fail-safe by itself if Fusebox
 * stops. Every setpoint is tracked (sent, accepted, rejected, timed out) and logged.
 */
import type { ProfileSpec, RateUnit } from './charging-profile.ts';
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf, recordEvent } from './ocpp-context.ts';
import type { SetpointOutcome } from './ocpp-repository.ts';
import { currentToWatts } from './port-directory.ts';
import type { PortRuntime } from './port-runtime.ts';
import { isRpcTimeout, rpcErrorCode } from './rpc.ts';
import type { StationConnection } from './station-connection.ts';
import type { SetpointOptions, SetpointResult } from './station-gateway.ts';

/** Schedules start this far in the past so a station whose clock is a little behind applies them at once. */
const START_SKEW_MS = 60_000;

interface SendOutcome {
  readonly outcome: SetpointOutcome;
  readonly reason?: string | undefined;
}

export class SmartCharging {
  constructor(private readonly ctx: OcppContext) {}

  /** After an accepted boot (or the first connection since Fusebox started): capabilities, sampling, defaults. */
  async setUpStation(conn: StationConnection): Promise<void> {
    const { ctx } = this;
    const protocol = protocolOf(conn.version);
    try {
      conn.rateUnits = await protocol.readRateUnits(conn);
    } catch (err) {
      ctx.log.warn({ err, stationId: conn.stationId }, 'could not read charging rate units; assuming A');
    }
    if (ctx.settings.meterValueSampleIntervalS > 0) {
      await protocol.configureMeterValues(conn, ctx.settings.meterValueSampleIntervalS);
    }
    for (const info of ctx.directory.ofStation(conn.stationId)) {
      const rt = ctx.ports.get(info.port.id);
      if (rt && conn.open) await this.sendDefault(conn, rt);
    }
  }

  /** The fail-safe TxDefaultProfile of one port. */
  async sendDefault(conn: StationConnection, rt: PortRuntime): Promise<SetpointOutcome> {
    const nowMs = this.ctx.now();
    const unit = conn.rateUnits[0] ?? 'A';
    // In W a single-phase car could take all of it on one phase: count one conductor (safe, may under-deliver).
    const limit = unit === 'A' ? rt.info.failSafeA : currentToWatts(rt.info.failSafeA, rt.info, 1);
    const spec: ProfileSpec = {
      purpose: 'default',
      connectorId: rt.info.port.connectorId,
      limit,
      unit,
      numberPhases: rt.info.conductors,
      startMs: nowMs - START_SKEW_MS,
    };
    rt.setpoints.setDefaultState('pending');
    const rowId = await this.store(rt, 'default', rt.info.failSafeA, spec, nowMs);
    const { outcome, reason } = await this.send(conn, spec);
    rt.setpoints.setDefaultState(outcome === 'error' ? 'timeout' : outcome);
    this.log(rt, 'default', rt.info.failSafeA, spec, nowMs, rowId, outcome, reason);
    return outcome;
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
    const spec: ProfileSpec = {
      purpose: 'session',
      connectorId: rt.info.port.connectorId,
      transactionRef: session.transactionRef,
      limit: unit === 'A' ? limitA : currentToWatts(limitA, rt.info, rt.conductorsInUse ?? 1),
      unit,
      numberPhases: rt.info.conductors,
      startMs: nowMs - START_SKEW_MS,
      durationS: Math.ceil((expiresAfterMs + START_SKEW_MS) / 1000),
      validToMs: nowMs + expiresAfterMs,
    };
    const seq = rt.setpoints.sent(limitA, nowMs + expiresAfterMs);
    // Stored before it goes out: after a crash the restart guard sees an increase that was in flight.
    const rowId = await this.store(rt, 'session', limitA, spec, nowMs, session.sessionId);
    const { outcome, reason } = await this.send(conn, spec);
    rt.setpoints.resolve(seq, outcome);
    this.log(rt, 'session', limitA, spec, nowMs, rowId, outcome, reason, session.sessionId);
    const result: SetpointResult = outcome === 'error' ? 'timeout' : outcome;
    return this.report(rt, limitA, result, ctx.now(), renewal, reason);
  }

  /** Renew session setpoints that are due (and re-apply ones that lapsed while a station was away). */
  renewDue(): void {
    const nowMs = this.ctx.now();
    for (const rt of this.ctx.ports.values()) {
      const desired = rt.setpoints.desired;
      if (!desired || rt.renewing || nowMs < desired.renewAtMs) continue;
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

  private async send(conn: StationConnection, spec: ProfileSpec): Promise<SendOutcome> {
    try {
      const res = await protocolOf(conn.version).setChargingProfile(conn, spec);
      return res.status === 'Accepted'
        ? { outcome: 'accepted' }
        : { outcome: 'rejected', reason: `station answered ${res.status}` };
    } catch (err) {
      if (isRpcTimeout(err)) return { outcome: 'timeout', reason: 'no answer in time' };
      const code = rpcErrorCode(err);
      // A CALLERROR means the station did not apply it; anything else (disconnect) leaves it unknown.
      if (code) return { outcome: 'rejected', reason: `CALLERROR ${code}: ${(err as Error).message}` };
      return { outcome: 'error', reason: (err as Error).message };
    }
  }

  /**
   * Stores a setpoint about to be sent, committed before it goes out; undefined when the store failed
   * (logged: the setpoint is sent all the same, a decrease must never wait for the disk).
   */
  private async store(
    rt: PortRuntime,
    purpose: 'default' | 'session',
    currentA: number,
    spec: ProfileSpec,
    sentMs: number,
    sessionId?: number,
  ): Promise<number | undefined> {
    try {
      return await this.ctx.repo.beginSetpoint({
        portId: rt.portId,
        sessionId,
        purpose,
        currentA,
        limit: spec.limit,
        unit: spec.unit,
        sentMs,
      });
    } catch (err) {
      this.ctx.log.error({ err, portId: rt.portId }, 'could not store setpoint before sending it');
      return undefined;
    }
  }

  private log(
    rt: PortRuntime,
    purpose: 'default' | 'session',
    currentA: number,
    spec: ProfileSpec,
    sentMs: number,
    rowId: number | undefined,
    outcome: SetpointOutcome,
    reason: string | undefined,
    sessionId?: number,
  ): void {
    const { ctx } = this;
    const resolvedMs = ctx.now();
    const stored =
      rowId !== undefined
        ? ctx.repo.resolveSetpoint({ id: rowId, portId: rt.portId, purpose, resolvedMs, outcome, reason })
        : ctx.repo.recordSetpoint({
            portId: rt.portId,
            sessionId,
            purpose,
            currentA,
            limit: spec.limit,
            unit: spec.unit,
            sentMs,
            resolvedMs,
            outcome,
            reason,
          });
    stored.catch((err: unknown) => ctx.log.error({ err, portId: rt.portId }, 'could not store setpoint'));
    if (outcome === 'accepted') return;
    ctx.log.warn({ portId: rt.portId, purpose, currentA, outcome, reason }, 'setpoint not accepted');
    recordEvent(ctx, {
      level: 'warn',
      kind: outcome === 'rejected' ? 'setpoint-rejected' : 'setpoint-timeout',
      stationId: rt.info.port.stationId,
      portId: rt.portId,
      sessionId,
      message: `${purpose === 'default' ? 'fail-safe default' : 'setpoint'} of ${currentA} A ${outcome}: ${reason ?? ''}`,
      data: { limit: spec.limit, unit: spec.unit },
    });
  }

  private report(
    rt: PortRuntime,
    currentA: number,
    result: SetpointResult,
    atMs: number,
    renewal: boolean,
    reason?: string,
  ): SetpointResult {
    this.ctx.events.emit('setpoint', { portId: rt.portId, currentA, result, reason, atMs, renewal });
    return result;
  }
}
