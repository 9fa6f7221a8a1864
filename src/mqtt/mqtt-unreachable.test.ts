/**
 * A broker that is not there: Fusebox starts anyway (MQTT connects in the background), keeps controlling,
 * and stops promptly instead of waiting for the broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestFusebox } from '../testing/test-fusebox.ts';
import { loadSiteConfigText } from '../config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-down-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port of 127.0.0.1 that refuses connections: bound, then closed (nothing listens there afterwards). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('MQTT with no broker', () => {
  it('starts, runs the control loop, warns once (not at every retry), and stops within seconds', async () => {
    const port = await closedPort();
    const loaded = loadSiteConfigText(
      `
site: { name: no broker, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
mqtt: { url: "mqtt://127.0.0.1:${port}", commands: true }
circuits:
  - { id: main, limitA: 32 }
stations:
  - { id: st-1, circuit: main }
`,
      'site.yaml',
    );
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (l: string) => lines.push(JSON.parse(l) as { level: number; msg: string }) },
    );
    const f = await startTestFusebox(loaded, dir, {
      logger,
      control: { coalesceMs: 20 },
    });
    try {
      expect(f.mqtt).not.toBeNull();
      await vi.waitFor(
        () =>
          expect(lines.some((l) => l.level === 40 && /MQTT broker: connection failed/.test(l.msg))).toBe(
            true,
          ),
        { timeout: 20_000 },
      );
      // It retries (every 5 s): the repeats are logged at debug level.
      await vi.waitFor(
        () => expect(lines.filter((l) => /connection failed/.test(l.msg)).length).toBeGreaterThanOrEqual(2),
        { timeout: 30_000, interval: 100 },
      );
      expect((await f.http.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect(f.control.snapshot()).not.toBeNull();
    } finally {
      const t0 = Date.now();
      await f.stop();
      expect(Date.now() - t0).toBeLessThan(8000);
    }
    // One warning, not one per retry; never "disconnected" when it never was connected.
    expect(lines.filter((l) => l.level === 40 && /connection failed/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /disconnected/.test(l.msg))).toEqual([]);
  }, 60_000);
});
