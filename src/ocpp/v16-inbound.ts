/** Handlers for what an OCPP 1.6J station sends (§4 operations initiated by the charge point). */
import type { AuthorizationDecision } from './authorization.ts';
import type { CentralSystem } from './central-system.ts';
import { handlerTable, iso, samplesOf } from './common-handlers.ts';
import type { InboundHandler } from './inbound-pipeline.ts';
import type { OcppContext } from './ocpp-context.ts';
import { recordEvent } from './ocpp-context.ts';
import type { StationConnection } from './station-connection.ts';
import type {
  BootNotification16,
  IdTagInfo16,
  MeterValues16,
  StartTransaction16,
  StatusNotification16,
  StopTransaction16,
} from './v16-types.ts';

function idTagInfo(d: AuthorizationDecision): IdTagInfo16 {
  return {
    status: d.status,
    ...(d.expiresMs !== undefined ? { expiryDate: iso(d.expiresMs) } : {}),
    ...(d.parentIdTag !== undefined ? { parentIdTag: d.parentIdTag } : {}),
  };
}

/** The handler table of one 1.6 connection. */
export function v16Handlers(
  ctx: OcppContext,
  cs: CentralSystem,
  conn: StationConnection,
): Map<string, InboundHandler> {
  const bootInfo = (p: BootNotification16) => ({
    vendor: p.chargePointVendor,
    model: p.chargePointModel,
    serialNumber: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber,
    firmwareVersion: p.firmwareVersion,
  });
  return handlerTable(ctx, cs, conn, '1.6', bootInfo, (on) => {
    on<StatusNotification16>('StatusNotification', async (p) => {
      await cs.status(conn, {
        evseId: p.connectorId,
        connectorId: p.connectorId,
        status: p.status,
        errorCode: p.errorCode,
        info: p.info ?? p.vendorErrorCode,
        atMs: p.timestamp ? Date.parse(p.timestamp) : ctx.now(),
      });
      return {};
    });

    on<{ idTag: string }>('Authorize', async (p) => ({ idTagInfo: idTagInfo(await cs.authorize(p.idTag)) }));

    on<StartTransaction16>('StartTransaction', async (p) => {
      const decision = await cs.authorize(p.idTag);
      const session = await cs.startSession(conn, {
        evseId: p.connectorId,
        connectorId: p.connectorId,
        idTag: p.idTag,
        startedMs: Date.parse(p.timestamp),
        meterStartWh: p.meterStart,
      });
      return { transactionId: session.sessionId, idTagInfo: idTagInfo(decision) };
    });

    on<StopTransaction16>('StopTransaction', async (p) => {
      const session = await cs.findSession(conn, String(p.transactionId));
      if (!session) {
        // 1.6 §4.10: the station retries until answered; an unknown id is acknowledged and logged.
        recordEvent(ctx, {
          level: 'warn',
          kind: 'unknown-transaction',
          stationId: conn.stationId,
          message: `StopTransaction for unknown transaction ${p.transactionId}`,
          data: p,
        });
      } else {
        if (p.transactionData?.length)
          await cs.meterValues(conn, session.evseId, samplesOf(p.transactionData), session);
        await cs.stopSession(conn, {
          session,
          stoppedMs: Date.parse(p.timestamp),
          meterStopWh: p.meterStop,
          reason: p.reason ?? 'Local',
        });
      }
      return p.idTag !== undefined ? { idTagInfo: idTagInfo(await cs.authorize(p.idTag)) } : {};
    });

    on<MeterValues16>('MeterValues', async (p) => {
      const session =
        p.transactionId !== undefined ? await cs.findSession(conn, String(p.transactionId)) : undefined;
      await cs.meterValues(conn, p.connectorId, samplesOf(p.meterValue), session);
      return {};
    });
  });
}
