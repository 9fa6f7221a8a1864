/** A reload (SIGHUP) with a changed `upstream` section says the change applies after a restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startFusebox } from '../app.ts';
import { loadSiteConfigFile } from '../config/load.ts';
import { reload } from '../start-command.ts';

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
    const path = join(dir, 'site.yaml');
    writeFileSync(path, site('before'));
    const loaded = loadSiteConfigFile(path, { readFiles: true });
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
    const lines: { msg: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) },
    );
    const f = await startFusebox({
      loaded,
      configDir: dir,
      logger,
      storePath: join(dir, 'fusebox.db'),
      webRoot: join(dir, 'no-web'),
    });
    try {
      const same = reload(path, loaded, f, logger);
      expect(lines.map((l) => l.msg).filter((m) => /restart/.test(m))).toEqual([]);
      writeFileSync(path, site('after'));
      const next = reload(path, same, f, logger);
      expect(next.ok && next.config.upstream?.url).toBe('ws://127.0.0.1:1/after/{stationId}');
      expect(lines.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/upstream.*apply after a restart/) as string,
      );
    } finally {
      await f.stop();
    }
  });
});
