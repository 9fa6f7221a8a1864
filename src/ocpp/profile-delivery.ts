/**
 * One charging profile to one station: stored before it goes out (committed, so a restart counts it), sent,
 * and its outcome (accepted, rejected, timed out) stored and, unless accepted, logged and recorded.
 */
import type { SetpointOutcome } from '../contracts/ocpp-repository.ts';
import type { ProfileSpec } from './charging-profile.ts';
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf, recordEvent } from './ocpp-context.ts';
import type { PortRuntime } from './port-runtime.ts';
import { isRpcTimeout, rpcErrorCode } from './rpc.ts';
import type { StationConnection } from './station-connection.ts';

export interface SendOutcome {
  readonly outcome: SetpointOutcome;
  readonly reason?: string | undefined;
  /** A refusal's status word or CALLERROR code (SetpointEvent.stationAnswer). */
  readonly stationAnswer?: string | undefined;
}

export async function sendProfile(conn: StationConnection, spec: ProfileSpec): Promise<SendOutcome> {
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

/** A setpoint as it goes out to a port: what storeSetpoint stores and logSetpoint resolves. */
export interface OutgoingSetpoint {
  readonly rt: PortRuntime;
  readonly purpose: 'default' | 'session';
  /** The limit in A per phase (the profile may say it in W: `spec`). */
  readonly currentA: number;
  readonly spec: ProfileSpec;
  readonly sentMs: number;
  /** The session of a session setpoint; undefined for a default. */
  readonly sessionId?: number | undefined;
}

/**
 * Stores a setpoint about to be sent, committed before it goes out; undefined when the store failed
 * (logged: the setpoint is sent all the same, a decrease must never wait for the disk).
 */
export async function storeSetpoint(ctx: OcppContext, sp: OutgoingSetpoint): Promise<number | undefined> {
  try {
    return await ctx.repo.beginSetpoint(sentSetpoint(sp));
  } catch (err) {
    ctx.log.error({ err, portId: sp.rt.portId }, 'could not store setpoint before sending it');
    return undefined;
  }
}

/**
 * Stores the outcome of a setpoint (on its row `rowId`, or a new row when storing it before failed) and,
 * unless accepted, logs and records it. `quiet`: store it, but no warning: a retry follows (a default
 * refused in A goes again in W).
 */
export function logSetpoint(
  ctx: OcppContext,
  sp: OutgoingSetpoint,
  rowId: number | undefined,
  { outcome, reason }: SendOutcome,
  quiet = false,
): void {
  const { rt, purpose, currentA, spec, sessionId } = sp;
  const resolvedMs = ctx.now();
  const stored =
    rowId !== undefined
      ? ctx.repo.resolveSetpoint({ id: rowId, portId: rt.portId, purpose, resolvedMs, outcome, reason })
      : ctx.repo.recordSetpoint({ ...sentSetpoint(sp), resolvedMs, outcome, reason });
  stored.catch((err: unknown) => ctx.log.error({ err, portId: rt.portId }, 'could not store setpoint'));
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

/** The stored part of a setpoint as it goes out (beginSetpoint, and recordSetpoint with its outcome). */
function sentSetpoint({ rt, purpose, currentA, spec, sentMs, sessionId }: OutgoingSetpoint): {
  portId: string;
  sessionId: number | undefined;
  purpose: 'default' | 'session';
  currentA: number;
  limit: number;
  unit: ProfileSpec['unit'];
  sentMs: number;
} {
  return { portId: rt.portId, sessionId, purpose, currentA, limit: spec.limit, unit: spec.unit, sentMs };
}
