/** Handlers shared by every OCPP version, and the handler table both versions build (v16-inbound.ts, v2-inbound.ts). */
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { BootAnswer, BootInfo, CentralSystem } from './central-system.ts';
import type { InboundHandler } from './inbound-pipeline.ts';
import { ACKNOWLEDGED_ACTIONS, STATION_ACTIONS } from './inbound-pipeline.ts';
import { parseMeterValue } from './meter-sample.ts';
import type { AnyMeterValue } from './meter-sample.ts';
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

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Each meter value sent, parsed, beside the value as sent. */
export const samplesOf = (mvs: readonly AnyMeterValue[]) =>
  mvs.map((raw) => ({ sample: parseMeterValue(raw), raw }));

/** BootNotification's answer (the same fields in 1.6 and 2.0.1). */
const bootConf = (a: BootAnswer) => ({
  status: a.status,
  currentTime: iso(a.currentTimeMs),
  interval: a.intervalS,
});

/** Adds one action's handler to a connection's table: `fn` gets the payload as the station sent it. */
export type On = <P>(action: string, fn: (payload: P) => Promise<unknown>) => void;

/**
 * The handler table of one connection: what `add` registers with `on`; BootNotification (its payload read by
 * `bootInfo`), Heartbeat and DataTransfer, alike in every version; then every other action of `version`
 * acknowledged (stored as an event) or NotSupported.
 */
export function handlerTable<Boot>(
  ctx: OcppContext,
  cs: CentralSystem,
  conn: StationConnection,
  version: OcppVersion,
  bootInfo: (payload: Boot) => BootInfo,
  add: (on: On) => void,
): Map<string, InboundHandler> {
  const table = new Map<string, InboundHandler>();
  const on: On = <P>(action: string, fn: (payload: P) => Promise<unknown>): void => {
    table.set(action, (call) => fn(call.payload as P));
  };
  add(on);
  on<Boot>('BootNotification', async (p) => bootConf(await cs.boot(conn, bootInfo(p))));
  on('Heartbeat', () => Promise.resolve({ currentTime: iso(ctx.now()) }));
  on<{ vendorId: string; messageId?: string; data?: unknown }>('DataTransfer', (p) =>
    cs.dataTransfer(conn, p.vendorId, p.messageId, p.data),
  );
  for (const action of STATION_ACTIONS[version]) {
    if (table.has(action)) continue;
    table.set(action, ACKNOWLEDGED_ACTIONS.has(action) ? acknowledge(ctx, conn) : notSupported);
  }
  return table;
}
