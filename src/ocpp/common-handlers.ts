/** Handlers shared by every OCPP version. */
import type { InboundHandler } from './inbound-pipeline.ts';
import type { OcppContext } from './ocpp-context.ts';
import { rpcError } from './rpc.ts';
import type { StationConnection } from './station-connection.ts';

/** Store a notification as an event, then answer it with the empty response its schema asks for. */
export function acknowledge(ctx: OcppContext, conn: StationConnection): InboundHandler {
  return async (call) => {
    await ctx.repo.recordEvent({
      atMs: ctx.now(),
      level: 'info',
      kind: 'station-notification',
      stationId: conn.stationId,
      message: call.action,
      data: call.payload,
    });
    return {};
  };
}

/** OCPP-J: a known action Fusebox does not implement gets NotSupported. */
export const notSupported: InboundHandler = (call) =>
  Promise.reject(rpcError('NotSupported', `Fusebox does not support '${call.action}'`));
