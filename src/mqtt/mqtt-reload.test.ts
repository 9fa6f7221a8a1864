/** A reload (SIGHUP) with a changed `mqtt` section says the change applies after a restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reload } from '../cli/start.ts';
import { startForReload } from '../testing/reload-fixture.ts';

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
    const { path, loaded, fusebox: f, logger, warnings } = await startForReload(dir, site('before'));
    try {
      writeFileSync(path, site('after'));
      const next = reload(path, loaded, f, logger);
      expect(next.ok && next.config.mqtt?.prefix).toBe('after');
      expect(warnings()).toContainEqual(expect.stringMatching(/MQTT.*apply after a restart/) as string);
    } finally {
      await f.stop();
    }
  });
});
