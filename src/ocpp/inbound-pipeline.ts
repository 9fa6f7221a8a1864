/**
 * How a CALL from a station reaches its handler: a table of handlers per action, wrapped by middleware.
 * A cloud relay (a later issue) is one more middleware: it forwards the call upstream and falls back to
 * `next` (Fusebox answering locally) when the cloud is away, without touching the connection code.
 */
import type { Logger } from 'pino';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { rpcError, rpcErrorCode } from './rpc.ts';

export interface InboundCall {
  readonly stationId: string;
  readonly version: OcppVersion;
  readonly action: string;
  readonly payload: unknown;
  readonly messageId: string;
  /** Aborted when the connection drops before the answer is sent. */
  readonly signal: AbortSignal;
}

/** Answers a CALL: resolves with the CALLRESULT payload, or throws `rpcError(...)` for a CALLERROR. */
export type InboundHandler = (call: InboundCall) => Promise<unknown>;

export type InboundMiddleware = (next: InboundHandler) => InboundHandler;

export type HandlerTable = ReadonlyMap<string, InboundHandler>;

/** A handler that looks the action up in the table (OCPP-J: an unknown action gets NotImplemented). */
export function dispatch(table: HandlerTable): InboundHandler {
  return (call) => {
    const handler = table.get(call.action);
    if (!handler) return Promise.reject(rpcError('NotImplemented', `action '${call.action}' is not known`));
    return handler(call);
  };
}

/**
 * A handler that failed for a reason of Fusebox's own (above all a store that cannot write: the report is
 * not stored, so it must not be acknowledged) is logged as an error and answered with an InternalError
 * CALLERROR: the station keeps the message and sends it again. CALLERRORs a handler chose pass unchanged.
 */
export function logFailures(log: Logger): InboundMiddleware {
  return (next) => async (call) => {
    try {
      return await next(call);
    } catch (err) {
      if (rpcErrorCode(err) !== undefined) throw err;
      const message = err instanceof Error ? err.message : String(err);
      log.error(
        { err, stationId: call.stationId, action: call.action },
        'could not handle a station message (not acknowledged: the station sends it again)',
      );
      throw rpcError('InternalError', `${call.action} could not be handled: ${message}`);
    }
  };
}

/** Wrap a handler in middleware; the first one listed is the outermost. */
export function compose(handler: InboundHandler, middleware: readonly InboundMiddleware[]): InboundHandler {
  return middleware.reduceRight((next, mw) => mw(next), handler);
}

/** Actions a station may send, per version (OCPP 1.6 §4 + security extension; OCPP 2.0.1 Part 2). */
export const STATION_ACTIONS: Readonly<Record<OcppVersion, readonly string[]>> = {
  '1.6': [
    'Authorize',
    'BootNotification',
    'DataTransfer',
    'DiagnosticsStatusNotification',
    'FirmwareStatusNotification',
    'Heartbeat',
    'MeterValues',
    'StartTransaction',
    'StatusNotification',
    'StopTransaction',
    'SecurityEventNotification',
    'SignCertificate',
    'SignedFirmwareStatusNotification',
    'LogStatusNotification',
  ],
  '2.0.1': v2Actions(),
  '2.1': v2Actions(),
};

function v2Actions(): readonly string[] {
  return [
    'Authorize',
    'BootNotification',
    'ClearedChargingLimit',
    'DataTransfer',
    'FirmwareStatusNotification',
    'Get15118EVCertificate',
    'GetCertificateStatus',
    'Heartbeat',
    'LogStatusNotification',
    'MeterValues',
    'NotifyChargingLimit',
    'NotifyCustomerInformation',
    'NotifyDisplayMessages',
    'NotifyEVChargingNeeds',
    'NotifyEVChargingSchedule',
    'NotifyEvent',
    'NotifyMonitoringReport',
    'NotifyReport',
    'PublishFirmwareStatusNotification',
    'ReportChargingProfiles',
    'ReservationStatusUpdate',
    'SecurityEventNotification',
    'SignCertificate',
    'StatusNotification',
    'TransactionEvent',
  ];
}

/** Notifications whose response is empty: acknowledged and logged, nothing more (yet). */
export const ACKNOWLEDGED_ACTIONS: ReadonlySet<string> = new Set([
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'SecurityEventNotification',
  'SignedFirmwareStatusNotification',
  'LogStatusNotification',
  'ClearedChargingLimit',
  'NotifyChargingLimit',
  'NotifyCustomerInformation',
  'NotifyDisplayMessages',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'NotifyReport',
  'PublishFirmwareStatusNotification',
  'ReportChargingProfiles',
  'ReservationStatusUpdate',
]);
