/**
 * Child process for the proxy kill -9 tests: a real OcppServer relaying to the cloud at argv[3], on the SQLite
 * file argv[2], two 1.6 stations; argv[4], if given, is `upstream.offlineUnknownIdTags: { acceptUpToKwh }`.
 * Prints `url <ws url>` once it listens; killed with SIGKILL.
 */
import { settingsFor, startProxied } from './proxied-harness.ts';

const cloudUrl = process.argv[3]!;
const kwh = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const p = await startProxied({
  cloudUrl,
  dbPath: process.argv[2]!,
  stations: [
    { id: 'CP1', version: '1.6' },
    { id: 'CP2', version: '1.6' },
  ],
  ...(kwh === undefined
    ? {}
    : { settings: { ...settingsFor(cloudUrl), offlineUnknownIdTags: { acceptUpToKwh: kwh } } }),
});
process.stdout.write(`url ${p.h.url}\n`);
