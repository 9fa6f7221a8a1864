/**
 * A station connection's life beyond the socket: what the store knows of it when it connects (a station
 * accepted at an earlier boot need not boot again), the boot gate, the boot asked of a station that does not
 * boot, and its disconnection.
 */
import { unrefTimer } from '../clock.ts';
import type { InboundHandler, InboundMiddleware } from './inbound-pipeline.ts';
import type { OcppContext } from './ocpp-context.ts';
import { protocolOf, recordEvent } from './ocpp-context.ts';
import { rpcError } from './rpc.ts';
import type { SmartCharging } from './smart-charging.ts';
import type { StationConnection } from './station-connection.ts';
import { askPortStatus } from './status-trigger.ts';

/** A configured station connected without booting is asked to boot after this long, in ms. */
const BOOT_TRIGGER_DELAY_MS = 2000;

/** Load what the store knows of the station; a station accepted at an earlier boot need not boot again. */
export async function prepareStation(
  ctx: OcppContext,
  smart: SmartCharging,
  conn: StationConnection,
  configured: boolean,
): Promise<void> {
  try {
    const stored = await ctx.repo.getStation(conn.stationId);
    // OCPP 1.6 §4.2 / 2.0.1 B01: a station boots once after power-up, not after every reconnect.
    if (configured && stored?.registration === 'accepted') conn.accepted = true;
    await ctx.repo.updateStation({
      stationId: conn.stationId,
      connected: true,
      ocppVersion: conn.version,
      atMs: conn.connectedAtMs,
    });
    recordEvent(ctx, {
      level: 'info',
      kind: 'station-connected',
      stationId: conn.stationId,
      message: `connected with OCPP ${conn.version}`,
    });
    const needsSetUp = ctx.directory
      .ofStation(conn.stationId)
      .some((info) => ctx.ports.get(info.port.id)?.setpoints.defaultProfile !== 'accepted');
    const statusUnknown = ctx.directory
      .ofStation(conn.stationId)
      .some((info) => ctx.ports.get(info.port.id)?.status === 'unknown');
    if (configured && !conn.accepted) askForBoot(ctx, conn);
    // First connection since Fusebox started, without a boot: make sure the fail-safe defaults are in place,
    // and ask for the status the station will not send by itself.
    if (conn.accepted && (needsSetUp || statusUnknown)) {
      setImmediate(() => {
        resume(ctx, smart, conn, needsSetUp).catch((err: unknown) =>
          ctx.log.error({ err }, 'station set-up failed'),
        );
      });
    }
  } catch (err) {
    ctx.log.error({ err, stationId: conn.stationId }, 'could not load station record');
  }
}

/** A station accepted before connects without booting: its defaults (unless in place), then its ports' status. */
async function resume(
  ctx: OcppContext,
  smart: SmartCharging,
  conn: StationConnection,
  needsSetUp: boolean,
): Promise<void> {
  if (needsSetUp) await smart.setUpStation(conn);
  if (conn.open) await askPortStatus(ctx, conn);
}

/**
 * A configured station that does not boot (it booted against a store that was since lost or replaced) would
 * get SecurityError forever: ask it for a BootNotification (OCPP 1.6 §5.17 TriggerMessage, 2.0.1 F06).
 */
function askForBoot(ctx: OcppContext, conn: StationConnection): void {
  const timer = ctx.clock.setTimeout(() => {
    if (!conn.open || conn.accepted) return;
    ctx.log.info({ stationId: conn.stationId }, 'station did not boot; asking it to');
    protocolOf(conn.version)
      .triggerMessage(conn, 'BootNotification')
      .catch((err: unknown) => ctx.log.warn({ err, stationId: conn.stationId }, 'boot trigger failed'));
  }, BOOT_TRIGGER_DELAY_MS);
  unrefTimer(timer);
}

/**
 * Until its BootNotification is accepted a station may send nothing else (OCPP 1.6 §4.2, 2.0.1 B02/B03):
 * answered with SecurityError. A station accepted at an earlier boot passes (see prepareStation).
 */
export function bootGate(conn: StationConnection, ready: Promise<void>): InboundMiddleware {
  return (next: InboundHandler): InboundHandler =>
    async (call) => {
      await ready;
      if (call.action !== 'BootNotification' && !conn.accepted) {
        throw rpcError('SecurityError', `${call.action} before an accepted BootNotification`);
      }
      return next(call);
    };
}

/** The station's connection closed: stored, recorded and told to the gateway's listeners (unless replaced). */
export function stationClosed(
  ctx: OcppContext,
  conn: StationConnection,
  code: number | undefined,
  reason: string | undefined,
): void {
  if (ctx.connections.get(conn.stationId) !== conn) return;
  ctx.connections.delete(conn.stationId);
  const atMs = ctx.now();
  ctx.repo
    .updateStation({ stationId: conn.stationId, connected: false, atMs })
    .catch((err: unknown) => ctx.log.error({ err }, 'could not store disconnection'));
  recordEvent(ctx, {
    level: 'info',
    kind: 'station-disconnected',
    stationId: conn.stationId,
    message: `disconnected (${code ?? '?'}${reason ? ` ${reason}` : ''})`,
  });
  ctx.events.emit('station-disconnected', { stationId: conn.stationId, atMs, code });
}
