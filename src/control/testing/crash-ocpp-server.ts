/**
 * Child process for the restart crash test: a real OcppServer on a real SQLite file (ocpp-harness.ts, one
 * station CP1 with two 32 A ports on a 40 A circuit). Prints `url <url>`; on a line `send <portId> <A>` on
 * stdin it sends that setpoint and prints `sending` (the parent kills it with SIGKILL once the station has
 * the frame, before any answer).
 */
import { createInterface } from 'node:readline';
import { startHarness } from '../../ocpp/testing/ocpp-harness.ts';

const h = await startHarness({
  stations: [{ id: 'CP1', ports: 2, version: '1.6' }],
  circuitLimitA: 40,
  settings: { acceptUnknownIdTags: true, callTimeoutMs: 600_000 },
  dbPath: process.argv[2]!,
});
process.stdout.write(`url ${h.url}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, portId, a] = line.split(' ');
  if (cmd !== 'send') continue;
  process.stdout.write('sending\n');
  void h.server.applySetpoint(portId!, Number(a), { expiresAfterMs: 300_000 });
}
