/**
 * A station that reconnects without booting sends no StatusNotification until a status changes (OCPP 1.6
 * §4.9, 2.0.1 G01), so after Fusebox starts its ports stay in status `unknown`, and the control loop's
 * restart guard counts each one without a session at its fail-safe default until the grace period ends.
 * Asking the station for each such port's status (1.6 §5.17 / 2.0.1 F06 TriggerMessage) settles it within a
 * round trip. Optional for stations (RemoteTrigger is not a core profile): a refusal is expected, not an error.
 */
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf } from './ocpp-context.ts';
import { isRpcTimeout, rpcErrorCode } from './rpc.ts';
import type { StationConnection } from './station-connection.ts';

/** What came of asking a station for its ports' status, for the log and the tests. */
export interface StatusTriggerOutcome {
  /** Ports whose status was asked for and the station agreed to send. */
  readonly accepted: readonly string[];
  /** Why it stopped asking early (the station refused, does not implement it, did not answer), if it did. */
  readonly stoppedBy?: string | undefined;
}

/**
 * Asks the station, port by port, for the status of every port whose status is still unknown; stops at the
 * first refusal (Rejected, NotImplemented, a CALLERROR) or time-out, quietly: calls to a station are
 * sequential, and a station that will not answer should not hold up its setpoints. Never throws.
 */
export async function askPortStatus(
  ctx: OcppContext,
  conn: StationConnection,
): Promise<StatusTriggerOutcome> {
  const protocol = protocolOf(conn.version);
  const accepted: string[] = [];
  for (const info of ctx.directory.ofStation(conn.stationId)) {
    const rt = ctx.ports.get(info.port.id);
    if (!rt || rt.status !== 'unknown') continue;
    if (!conn.open || ctx.connections.get(conn.stationId) !== conn)
      return { accepted, stoppedBy: 'disconnected' };
    let stoppedBy: string | undefined;
    try {
      const res = await protocol.triggerStatus(conn, info.port.connectorId);
      if (res.status === 'Accepted') accepted.push(rt.portId);
      else stoppedBy = `station answered ${res.status}`;
    } catch (err) {
      const code = rpcErrorCode(err);
      stoppedBy = isRpcTimeout(err)
        ? 'no answer in time'
        : code
          ? `CALLERROR ${code}`
          : (err as Error).message;
    }
    if (stoppedBy !== undefined) {
      // Expected of stations without RemoteTrigger: the restart guard then waits for its grace period.
      ctx.log.debug({ stationId: conn.stationId, portId: rt.portId, stoppedBy }, 'port status not triggered');
      return { accepted, stoppedBy };
    }
  }
  if (accepted.length > 0) ctx.log.debug({ stationId: conn.stationId, ports: accepted }, 'port status asked');
  return { accepted };
}
