import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './store.ts';
import { openStore } from './store.ts';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

/** A session started at 0 ms on CP2's EVSE 1, connector 1, as transaction `transactionRef`; `more` added. */
const startOnCp2 = (transactionRef: string, more: { seqNo?: number } = {}) =>
  store.ocpp.startSession({
    stationId: 'CP2',
    evseId: 1,
    connectorId: 1,
    transactionRef,
    startedMs: 0,
    ...more,
  });

describe('SqliteOcppRepository', () => {
  it('upserts stations field by field', async () => {
    const repo = store.ocpp;
    await repo.updateStation({
      stationId: 'CP1',
      registration: 'pending',
      passwordHash: 'scrypt$x',
      atMs: 1,
    });
    await repo.updateStation({ stationId: 'CP1', vendor: 'V', model: 'M', connected: true, atMs: 2 });
    expect(await repo.getStation('CP1')).toMatchObject({
      registration: 'pending',
      passwordHash: 'scrypt$x',
      vendor: 'V',
      connected: true,
      lastSeenMs: 2,
    });
    expect(await repo.getStation('nope')).toBeUndefined();
  });

  it('gives a 1.6 session its id as transaction ref, and returns it again for a retransmitted start', async () => {
    const repo = store.ocpp;
    const start = {
      stationId: 'CP1',
      evseId: 1,
      connectorId: 1,
      idTag: 'T',
      startedMs: 1000,
      meterStartWh: 500,
    };
    const a = await repo.startSession(start);
    const b = await repo.startSession(start);
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ session: a.session, duplicate: true });
    expect(a.session.transactionRef).toBe(String(a.session.sessionId));
    const c = await repo.startSession({ ...start, startedMs: 2000 });
    expect(c.session.sessionId).toBeGreaterThan(a.session.sessionId);
  });

  it('computes energy from the registers, with the last reading when the stop has none', async () => {
    const repo = store.ocpp;
    const { session } = await startOnCp2('tx-1');
    const reading = (atMs: number, energyWh: number) => ({
      stationId: 'CP2',
      evseId: 1,
      sessionId: session.sessionId,
      atMs,
      energyWh,
      currentA: [16, 16, 16],
      raw: { atMs },
    });
    await repo.recordMeterValues([reading(1000, 10_000), reading(2000, 12_500)]);
    await repo.recordMeterValues([reading(2000, 12_500)]); // retransmitted: ignored
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM meter_values').get()).toEqual({ n: 2 });
    const stopped = await repo.stopSession({
      sessionId: session.sessionId,
      stoppedMs: 3000,
      reason: 'EVDisconnected',
    });
    expect(stopped).toMatchObject({
      meterStartWh: 10_000,
      meterStopWh: 12_500,
      energyWh: 2500,
      stopReason: 'EVDisconnected',
    });
    // Stopping again changes nothing.
    const again = await repo.stopSession({
      sessionId: session.sessionId,
      stoppedMs: 9999,
      meterStopWh: 99_999,
    });
    expect(again).toEqual(stopped);
    expect(await repo.openSessions()).toEqual([]);
    expect(await repo.findSession('CP2', 'tx-1')).toEqual(stopped);
  });

  it('keeps the highest TransactionEvent seqNo', async () => {
    const repo = store.ocpp;
    const { session } = await startOnCp2('tx', { seqNo: 0 });
    await repo.updateSession({ sessionId: session.sessionId, seqNo: 3, idTag: 'LATE', portId: 'P' });
    await repo.updateSession({ sessionId: session.sessionId, seqNo: 2 });
    expect(await repo.findSession('CP2', 'tx')).toMatchObject({ lastSeqNo: 3, idTag: 'LATE', portId: 'P' });
  });

  it('records status history and the latest status per connector', async () => {
    const repo = store.ocpp;
    await repo.recordStatus({ stationId: 'CP1', evseId: 1, connectorId: 1, status: 'Charging', atMs: 2000 });
    await repo.recordStatus({ stationId: 'CP1', evseId: 1, connectorId: 1, status: 'Preparing', atMs: 1000 });
    expect(store.db.prepare('SELECT status FROM connectors').all()).toEqual([{ status: 'Charging' }]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM connector_status_history').get()).toEqual({ n: 2 });
  });

  it('stores id tags, setpoints with the default outcome per port, and events', async () => {
    const repo = store.ocpp;
    await repo.saveIdTag({ idTag: 'A', status: 'Accepted', source: 'local', updatedMs: 1 });
    expect(await repo.findIdTag('A')).toEqual({
      idTag: 'A',
      status: 'Accepted',
      source: 'local',
      updatedMs: 1,
      expiresMs: undefined,
      parentIdTag: undefined,
    });
    await repo.syncPorts([{ portId: 'P1', stationId: 'CP1', evseId: 1, failSafeA: 10 }], 1);
    await repo.recordSetpoint({
      portId: 'P1',
      purpose: 'default',
      currentA: 10,
      limit: 10,
      unit: 'A',
      sentMs: 5,
      resolvedMs: 6,
      outcome: 'accepted',
    });
    expect(store.db.prepare('SELECT default_outcome FROM ports').get()).toEqual({
      default_outcome: 'accepted',
    });
    await repo.recordEvent({ atMs: 7, level: 'warn', kind: 'k', message: 'm', data: { a: 1 } });
    expect(store.db.prepare('SELECT data FROM events').get()).toEqual({ data: '{"a":1}' });
  });
});
