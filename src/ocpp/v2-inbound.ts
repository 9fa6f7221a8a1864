/** Handlers for what an OCPP 2.0.1 / 2.1 station sends (Part 2 blocks B, C, E, G, J, P). */
import type { AuthorizationDecision } from './authorization.ts';
import type { CentralSystem } from './central-system.ts';
import { handlerTable, iso, samplesOf } from './common-handlers.ts';
import type { NotifyEvChargingNeeds2 } from './ev-charging-needs.ts';
import { parseEvChargingNeeds } from './ev-charging-needs.ts';
import type { InboundHandler } from './inbound-pipeline.ts';
import type { MeterSample } from './meter-sample.ts';
import type { OcppContext } from './ocpp-context.ts';
import { portAt } from './ocpp-context.ts';
import type { SessionRecord } from '../contracts/ocpp-repository.ts';
import type { StationConnection } from './station-connection.ts';
import { stationTime } from './station-input.ts';
import type {
  BootNotification2,
  IdToken2,
  IdTokenInfo2,
  MeterValues2,
  StatusNotification2,
  TransactionEvent2,
} from './v2-types.ts';

function idTokenInfo(d: AuthorizationDecision): IdTokenInfo2 {
  return {
    status: d.status,
    ...(d.expiresMs !== undefined ? { cacheExpiryDateTime: iso(d.expiresMs) } : {}),
    ...(d.parentIdTag !== undefined ? { groupIdToken: { idToken: d.parentIdTag, type: 'Central' } } : {}),
  };
}

/** The energy register at a transaction edge: the sample with that context, else the first/last one. */
function edgeEnergy(
  samples: readonly { sample: MeterSample }[],
  context: string,
  last: boolean,
): number | undefined {
  const withEnergy = samples.map((s) => s.sample).filter((s) => s.energyWh !== undefined);
  const marked = withEnergy.find((s) => s.context === context);
  if (marked) return marked.energyWh;
  const pick = last ? withEnergy[withEnergy.length - 1] : withEnergy[0];
  return pick?.energyWh;
}

/** The handler table of one 2.0.1 / 2.1 connection. */
// eslint-disable-next-line max-lines-per-function -- one table of short handlers, one per action (as v16-inbound.ts)
export function v2Handlers(
  ctx: OcppContext,
  cs: CentralSystem,
  conn: StationConnection,
): Map<string, InboundHandler> {
  const tokenAnswer = async (token: IdToken2 | undefined) =>
    token ? { idTokenInfo: idTokenInfo(await cs.authorize(token.idToken)) } : {};
  const bootInfo = (p: BootNotification2) => ({
    vendor: p.chargingStation.vendorName,
    model: p.chargingStation.model,
    serialNumber: p.chargingStation.serialNumber,
    firmwareVersion: p.chargingStation.firmwareVersion,
    reason: p.reason,
  });
  return handlerTable(ctx, cs, conn, conn.version, bootInfo, (on) => {
    on<StatusNotification2>('StatusNotification', async (p) => {
      await cs.status(conn, {
        evseId: p.evseId,
        connectorId: p.connectorId,
        status: p.connectorStatus,
        atMs: Date.parse(p.timestamp),
      });
      return {};
    });

    on<{ idToken: IdToken2 }>('Authorize', (p) => tokenAnswer(p.idToken));

    on<TransactionEvent2>('TransactionEvent', async (p) => {
      const ref = p.transactionInfo.transactionId;
      const atMs = Date.parse(p.timestamp);
      const samples = samplesOf(p.meterValue ?? []);
      let session: SessionRecord | undefined = await cs.findSession(conn, ref);
      if (session?.lastSeqNo !== undefined && p.seqNo <= session.lastSeqNo) {
        // A retransmission (the answer was lost): answer again, apply nothing twice.
        return tokenAnswer(p.idToken);
      }
      if (!session) {
        // Started, or the first event we see of a transaction whose start was lost: open it now.
        session = await cs.startSession(conn, {
          evseId: p.evse?.id,
          connectorId: p.evse?.connectorId,
          transactionRef: ref,
          idTag: p.idToken?.idToken,
          startedMs: atMs,
          meterStartWh: edgeEnergy(samples, 'Transaction.Begin', false),
          seqNo: p.seqNo,
        });
        await cs.meterValues(conn, session.evseId, samples, session);
      } else {
        const evseId = session.portId === undefined ? p.evse?.id : undefined;
        const rt = evseId !== undefined ? portAt(ctx, conn.stationId, evseId) : undefined;
        const update = ctx.repo.updateSession({
          sessionId: session.sessionId,
          seqNo: p.seqNo,
          idTag: session.idTag === undefined ? p.idToken?.idToken : undefined,
          ...(rt ? { portId: rt.portId, evseId, connectorId: p.evse?.connectorId ?? 1 } : {}),
        });
        if (rt) {
          // The session learns its port now: bind it before its readings are stored against the port.
          session = (await update) ?? session;
          await cs.attachSession(rt, session);
          await cs.meterValues(conn, session.evseId, samples, session);
        } else {
          // Both writes go into the same group commit.
          const known = session;
          const [updated] = await Promise.all([update, cs.meterValues(conn, known.evseId, samples, known)]);
          session = updated ?? known;
        }
      }
      // Only while the transaction is the port's own: an event of one that ended (a periodic value the
      // station had queued before its Ended was answered, a late replay) says nothing of the port now.
      const found = cs.runtimeOfSession(session);
      const rt = found?.session?.sessionId === session.sessionId ? found : undefined;
      if (rt && p.transactionInfo.chargingState)
        cs.updatePortStatus(rt, p.transactionInfo.chargingState, stationTime(atMs, ctx.now()).atMs);
      // The station's own count of phases in use (E02) is as good as a measurement for W limits.
      if (rt && p.numberOfPhasesUsed !== undefined) rt.conductorsInUse = p.numberOfPhasesUsed;
      if (p.eventType === 'Ended') {
        await cs.stopSession(conn, {
          session,
          stoppedMs: atMs,
          meterStopWh: edgeEnergy(samples, 'Transaction.End', true),
          reason: p.transactionInfo.stoppedReason ?? 'Local',
          seqNo: p.seqNo,
        });
      }
      return tokenAnswer(p.idToken);
    });

    on<MeterValues2>('MeterValues', async (p) => {
      await cs.meterValues(conn, p.evseId, samplesOf(p.meterValue), undefined);
      return {};
    });

    // K15-K17: Fusebox limits every session by a TxProfile, so it does provide a schedule (K15.FR.03: Accepted).
    // An EVSE that is not a configured port gets Rejected (2.1 K19.FR.04 NoChargingProfile is for a CSMS that
    // chose not to send one; Fusebox has no port to send it to).
    on<NotifyEvChargingNeeds2>('NotifyEVChargingNeeds', async (p) => {
      const needs = parseEvChargingNeeds(p, ctx.now());
      const known = await cs.evChargingNeeds(conn, p.evseId, needs);
      return known
        ? { status: 'Accepted' }
        : { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
    });

    // K15.FR.10/11: the car's own plan within Fusebox's TxProfile, which the station has checked (K15.FR.07) and
    // enforces; Fusebox keeps it as an event and accepts it.
    on<{ evseId: number }>('NotifyEVChargingSchedule', async (p) => {
      await ctx.repo.recordEvent({
        atMs: ctx.now(),
        level: 'info',
        kind: 'ev-charging-schedule',
        stationId: conn.stationId,
        portId: portAt(ctx, conn.stationId, p.evseId)?.portId,
        message: `car charging schedule on EVSE ${p.evseId}`,
        data: p,
      });
      return { status: 'Accepted' };
    });
  });
}
