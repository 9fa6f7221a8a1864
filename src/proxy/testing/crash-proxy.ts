/**
 * Child process for the proxy kill -9 test: a real OcppServer relaying to the cloud at argv[3], on the SQLite
 * file argv[2], two 1.6 stations. Prints `url <ws url>` once it listens; killed with SIGKILL.
 */
import { startProxied } from './proxied-harness.ts';

const p = await startProxied({
  cloudUrl: process.argv[3]!,
  dbPath: process.argv[2]!,
  stations: [
    { id: 'CP1', version: '1.6' },
    { id: 'CP2', version: '1.6' },
  ],
});
process.stdout.write(`url ${p.h.url}\n`);
