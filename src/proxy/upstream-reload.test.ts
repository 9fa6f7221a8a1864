/** A reload (SIGHUP) with a changed `upstream` section says the change applies after a restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reload } from '../cli/start.ts';
import { startForReload } from '../testing/reload-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Port 1 on 127.0.0.1: nothing listens, and no station connects in this test, so no link is opened.
const site = (path: string): string => `
site: { name: reload, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0 }
circuits: [{ id: main, limitA: 32 }]
stations: [{ id: cp1, circuit: main }]
upstream: { url: "ws://127.0.0.1:1/${path}/{stationId}" }
`;

describe('reloading a site file whose upstream section changed', () => {
  it('warns that the upstream change applies after a restart, and not when it is unchanged', async () => {
    const {
      path,
      loaded,
      fusebox: f,
      logger,
      warnings,
    } = await startForReload(dir, site('before'), {
      readFiles: true,
    });
    try {
      const same = reload(path, loaded, f, logger);
      expect(warnings().filter((m) => /restart/.test(m))).toEqual([]);
      writeFileSync(path, site('after'));
      const next = reload(path, same, f, logger);
      expect(next.ok && next.config.upstream?.url).toBe('ws://127.0.0.1:1/after/{stationId}');
      expect(warnings()).toContainEqual(expect.stringMatching(/upstream.*apply after a restart/) as string);
    } finally {
      await f.stop();
    }
  });
});
