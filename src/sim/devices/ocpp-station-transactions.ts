/** The transactions of a simulated OCPP station (ocpp-station.ts): start, stop and TransactionEvent (2.x). */
import { randomUUID } from 'node:crypto';
import type { SimReading } from './ocpp-station-messages.ts';
import { meterValue } from './ocpp-station-messages.ts';
import type { SimulatedStation } from './ocpp-station.ts';
import type { SimPort } from './ocpp-station-types.ts';

/** Authorize then start a transaction; resolves with the CSMS's verdict and transaction id. */
export async function startTransaction(
  st: SimulatedStation,
  connectorId: number,
  idTag: string,
): Promise<{ accepted: boolean; transactionId: string }> {
  const port = st.port(connectorId);
  st.advance(port);
  const auth = await st.authorize(idTag);
  // Nothing flowed while authorizing (no transaction yet): the register starts from here.
  st.advance(port);
  const startMs = st.now();
  let accepted = auth === 'Accepted';
  let id: string;
  if (st.version === '1.6') {
    const res = await st.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId,
      idTag,
      meterStart: Math.round(port.meterWh),
      timestamp: new Date(startMs).toISOString(),
    });
    id = String(res.transactionId);
    accepted = res.idTagInfo.status === 'Accepted';
    port.tx = { id, idTag, startMs, meterStartWh: Math.round(port.meterWh), seqNo: 0 };
    await st.setStatus(connectorId, 'Charging');
  } else {
    id = randomUUID();
    // The register as the Started event reports it is the transaction's start (one reading for both: time
    // passing between two would put energy in one and not the other).
    const begin = st.reading(connectorId, 'Transaction.Begin');
    port.tx = { id, idTag, startMs, meterStartWh: begin.energyWh, seqNo: 0 };
    await transactionEvent(st, port, 'Started', 'Authorized', begin, {
      idToken: { idToken: idTag, type: 'ISO14443' },
    });
    const car = port.car;
    if (car && (car.departureMs !== undefined || car.energyWantedWh !== undefined))
      await st.notifyChargingNeeds(connectorId);
  }
  st.emit('transaction-started', { connectorId, transactionId: id });
  return { accepted, transactionId: id };
}

/** End the transaction; resolves with the energy the station metered for it. */
export async function stopTransaction(
  st: SimulatedStation,
  connectorId: number,
  reason: string,
): Promise<{ energyWh: number }> {
  const port = st.port(connectorId);
  const tx = port.tx;
  if (!tx) throw new Error(`no transaction on connector ${connectorId}`);
  // One reading: the register the stop reports is the one its energy is counted to.
  const end = st.reading(connectorId, 'Transaction.End');
  const meterStopWh = st.version === '1.6' ? Math.round(end.energyWh) : end.energyWh;
  if (st.version === '1.6') {
    await st.call('StopTransaction', {
      transactionId: Number(tx.id),
      meterStop: meterStopWh,
      timestamp: new Date(st.now()).toISOString(),
      reason,
    });
    port.tx = undefined;
    await st.setStatus(connectorId, 'Finishing');
  } else {
    await transactionEvent(st, port, 'Ended', 'StopAuthorized', end, {}, reason);
    port.tx = undefined;
  }
  st.profiles.endTransaction(connectorId);
  st.emit('transaction-stopped', { connectorId, transactionId: tx.id });
  return { energyWh: meterStopWh - tx.meterStartWh };
}

/** One TransactionEvent (2.x) of the port's transaction, with a meter value (a reading taken now, or this one). */
export async function transactionEvent(
  st: SimulatedStation,
  port: SimPort,
  eventType: 'Started' | 'Updated' | 'Ended',
  triggerReason: string,
  value: SimReading['context'] | SimReading,
  extra: Record<string, unknown> = {},
  stoppedReason?: string,
): Promise<void> {
  const tx = port.tx!;
  const chargingState = st.chargingState(port.connectorId) ?? 'EVConnected';
  // Stamped when its reading was taken (a reading taken here: now, and the reading no earlier).
  const atMs = typeof value === 'string' ? st.now() : value.atMs;
  await st.call('TransactionEvent', {
    eventType,
    timestamp: new Date(atMs).toISOString(),
    triggerReason,
    seqNo: tx.seqNo++,
    transactionInfo: {
      transactionId: tx.id,
      chargingState: eventType === 'Ended' ? 'EVConnected' : chargingState,
      ...(stoppedReason ? { stoppedReason } : {}),
    },
    ...(eventType === 'Started' ? { evse: { id: port.connectorId, connectorId: 1 } } : {}),
    meterValue: [
      meterValue(st.version, typeof value === 'string' ? st.reading(port.connectorId, value) : value),
    ],
    ...extra,
  });
}
