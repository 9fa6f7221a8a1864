/**
 * A TransactionEvent that arrives after its transaction ended (a station that sends a periodic value it had
 * queued before its Ended was answered, or replays its queue late) must not change its port's state: found
 * by the dashboard test, whose simulated 2.0.1 station sends such a value after a remote stop and whose port
 * then showed "Charging" with no session for good.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

describe('a TransactionEvent of a transaction that ended', () => {
  it("does not set its port's state, nor that of the port's next session", async () => {
    const st = await ocpp.cp1('2.0.1', { settings: { acceptUnknownIdTags: true } });
    const { h } = ocpp;
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    const { transactionId } = await st.start(1, 'TAG-1');
    await eventually(() => h.server.port('CP1-1')?.status === 'charging', 'CP1-1 charging');
    await st.stop(1);
    await eventually(() => h.server.port('CP1-1')?.sessionId === undefined, 'session on CP1-1 ended');
    expect(h.server.port('CP1-1')!.status).toBe('occupied'); // Ended said EVConnected: the car is plugged in
    const late = (seqNo: number): Promise<unknown> =>
      st.call('TransactionEvent', {
        eventType: 'Updated',
        timestamp: new Date().toISOString(),
        triggerReason: 'MeterValuePeriodic',
        seqNo,
        transactionInfo: { transactionId, chargingState: 'Charging' },
      });
    await late(50);
    expect(h.server.port('CP1-1')!.status).toBe('occupied');
    // A new transaction on the port, then another late event of the old one: the new session's state stays.
    st.setCar(1, { maxCurrentA: 0 }); // the next car pauses itself: SuspendedEV, not Charging
    await st.start(1, 'TAG-2');
    await eventually(() => h.server.port('CP1-1')?.sessionId !== undefined, 'new session on CP1-1');
    const before = h.server.port('CP1-1')!.status;
    await late(51);
    expect(h.server.port('CP1-1')!.status).toBe(before);
  });
});
