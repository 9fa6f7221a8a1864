/**
 * Child process for the crash test: writes sessions and meter values as fast as it can and prints
 * `ack <sessionId>` once each write resolved (what a station would have been told). Killed with SIGKILL.
 */
import { openStore } from '../store.ts';

const store = openStore(process.argv[2]!);
let n = 0;
const loop = async (): Promise<void> => {
  for (;;) {
    const i = n++;
    const { session } = await store.ocpp.startSession({
      stationId: 'CP1',
      evseId: 1,
      connectorId: 1,
      idTag: `T${i}`,
      startedMs: 1_000_000 + i,
      meterStartWh: i,
    });
    await store.ocpp.recordMeterValues([
      {
        stationId: 'CP1',
        evseId: 1,
        sessionId: session.sessionId,
        atMs: 2_000_000 + i,
        energyWh: i + 10,
        currentA: [],
        raw: {},
      },
    ]);
    process.stdout.write(`ack ${session.sessionId}\n`);
  }
};
void loop();
