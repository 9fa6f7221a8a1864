/** A reload (SIGHUP) with a changed `mqtt` section says the change applies after a restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startFusebox } from '../app.ts';
import { loadSiteConfigFile } from '../config/load.ts';
import { reload } from '../start-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const site = (prefix: string): string => `
site: { name: reload, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0 }
mqtt: { url: "mqtt://127.0.0.1:1", prefix: ${prefix}, enabled: false }
circuits: [{ id: main, limitA: 32 }]
`;

describe('reloading a site file whose mqtt section changed', () => {
  it('warns that the MQTT change applies after a restart', async () => {
    const path = join(dir, 'site.yaml');
    writeFileSync(path, site('before'));
    const loaded = loadSiteConfigFile(path);
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
      writeFileSync(path, site('after'));
      const next = reload(path, loaded, f, logger);
      expect(next.ok && next.config.mqtt?.prefix).toBe('after');
      expect(lines.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/MQTT.*apply after a restart/) as string,
      );
    } finally {
      await f.stop();
    }
  });
});
