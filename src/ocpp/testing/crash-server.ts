/**
 * Child process for the OCPP kill -9 test: a real OCPP server on a real SQLite file (argv[2]), two 1.6
 * stations of two ports. Prints `url <ws url>` once it listens; killed with SIGKILL.
 */
import { startHarness } from './ocpp-harness.ts';

const h = await startHarness({
  stations: [
    { id: 'CP1', ports: 2, version: '1.6' },
    { id: 'CP2', ports: 2, version: '1.6' },
  ],
  settings: { acceptUnknownIdTags: true },
  dbPath: process.argv[2]!,
});
process.stdout.write(`url ${h.url}\n`);
