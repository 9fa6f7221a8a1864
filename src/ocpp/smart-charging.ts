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
  /** A refusal's status word or CALLERROR code (SetpointEvent.stationAnswer). */
  readonly stationAnswer?: string | undefined;
}

export class SmartCharging {
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
   * The fail-safe TxDefaultProfile of one port, in the connection's unit (A until known); refused, it goes
   * again at once in the other unit, and a unit accepted that way is the connection's from then on.
   */
  async sendDefault(conn: StationConnection, rt: PortRuntime): Promise<SetpointOutcome> {
    const unit = conn.rateUnits[0] ?? 'A';
    rt.setpoints.setDefaultState('pending');
    let sent = await this.sendDefaultIn(conn, rt, unit, true);
    if (sent.outcome === 'rejected' && conn.open) {
      const other: RateUnit = unit === 'A' ? 'W' : 'A';
      sent = await this.sendDefaultIn(conn, rt, other, false);
      if (sent.outcome === 'accepted') conn.rateUnits = [other, ...conn.rateUnits.filter((u) => u !== other)];
    }
    const { outcome, reason, stationAnswer } = sent;
    rt.setpoints.setDefaultState(outcome === 'error' ? 'timeout' : outcome);
    // A refused default leaves the port at its maximum: the control loop counts it so (uncontrolled).
    this.ctx.events.emit('setpoint', {
      portId: rt.portId,
      currentA: rt.info.failSafeA,
      result: outcome === 'error' ? 'timeout' : outcome,
      reason,
      stationAnswer,
      atMs: this.ctx.now(),
      renewal: false,
      purpose: 'default',
    });
    return outcome;
  }

  /** One attempt at a port's default in `unit`; `retryIfRejected`: a refusal is not yet worth an event. */
  private async sendDefaultIn(
    conn: StationConnection,
    rt: PortRuntime,
    unit: RateUnit,
    retryIfRejected: boolean,
  ): Promise<SendOutcome> {
    const nowMs = this.ctx.now();
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
    const sent = await this.send(conn, spec);
    const quiet = retryIfRejected && sent.outcome === 'rejected';
    this.log(rt, 'default', rt.info.failSafeA, spec, nowMs, sent.outcome, sent.reason, undefined, quiet);
    return sent;
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
    const { outcome, reason, stationAnswer } = await this.send(conn, spec);
    rt.setpoints.resolve(seq, outcome);
    this.log(rt, 'session', limitA, spec, nowMs, outcome, reason, session.sessionId);
    const result: SetpointResult = outcome === 'error' ? 'timeout' : outcome;
    return this.report(rt, limitA, result, ctx.now(), renewal, reason, stationAnswer);
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
        : { outcome: 'rejected', reason: `station answered ${res.status}`, stationAnswer: res.status };
    } catch (err) {
      if (isRpcTimeout(err)) return { outcome: 'timeout', reason: 'no answer in time' };
      const code = rpcErrorCode(err);
      // A CALLERROR means the station did not apply it; anything else (disconnect) leaves it unknown.
      if (code)
        return {
          outcome: 'rejected',
          reason: `CALLERROR ${code}: ${(err as Error).message}`,
          stationAnswer: code,
        };
      return { outcome: 'error', reason: (err as Error).message };
    }
  }

  private log(
    rt: PortRuntime,
    purpose: 'default' | 'session',
    currentA: number,
    spec: ProfileSpec,
    sentMs: number,
    outcome: SetpointOutcome,
    reason: string | undefined,
    sessionId?: number,
    /** Store it, but no warning: a retry follows (a default refused in A goes again in W). */
    quiet = false,
  ): void {
    const { ctx } = this;
    ctx.repo
      .recordSetpoint({
        portId: rt.portId,
        sessionId,
        purpose,
        currentA,
        limit: spec.limit,
        unit: spec.unit,
        sentMs,
        resolvedMs: ctx.now(),
        outcome,
        reason,
      })
      .catch((err: unknown) => ctx.log.error({ err, portId: rt.portId }, 'could not store setpoint'));
    if (outcome === 'accepted') return;
    if (quiet) {
      ctx.log.info(
        { portId: rt.portId, purpose, unit: spec.unit, reason },
        'default refused; trying the other unit',
      );
      return;
    }
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
