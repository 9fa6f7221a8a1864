/** `fusebox start` with an `mqtt` section: it says where it publishes, and is online on the broker. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { runStart } from '../cli/start.ts';
import type { Mosquitto, Subscriber } from './testing/mosquitto.ts';
import { startMosquitto, subscribe } from './testing/mosquitto.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-start-'));
let broker: Mosquitto | undefined;
let sub: Subscriber | undefined;
afterAll(async () => {
  await sub?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fusebox start with mqtt', () => {
  it('prints the broker (password hidden), the prefix and whether commands are on, and goes online', async () => {
    broker = await startMosquitto();
    sub = await subscribe(broker, 'site7/#');
    const url = `mqtt://fusebox:hunter2@127.0.0.1:${broker.port}`;
    const sitePath = join(dir, 'site.yaml');
    writeFileSync(
      sitePath,
      `site: { timeZone: Europe/Paris }
circuits: [{ id: main, limitA: 63 }]
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0 }
store: { path: ${JSON.stringify(join(dir, 'fusebox.db'))} }
mqtt: { url: "${url}", prefix: site7, commands: true, watchdogS: 30 }
`,
    );
    const lines: string[] = [];
    let stop = (): void => undefined;
    const exit = runStart({
      configPath: sitePath,
      out: (line) => lines.push(line),
      logFormat: 'json',
      logLevel: 'silent',
      until: new Promise<void>((resolve) => (stop = resolve)),
    });
    try {
      await eventually(() => lines.some((l) => l.includes('Stop with Ctrl+C')), 'started', 30_000);
      const line = lines.find((l) => l.includes('MQTT'));
      expect(line, lines.join('\n')).toMatch(
        new RegExp(
          `MQTT +mqtt://fusebox:\\*\\*\\*@127\\.0\\.0\\.1:${broker.port}, prefix site7, commands on \\(watchdog 30 s\\)`,
        ),
      );
      expect(lines.join('\n')).not.toContain('hunter2');
      await vi.waitFor(() => expect(sub!.last('site7/status')?.payload).toBe('online'), { timeout: 20_000 });
    } finally {
      stop();
      expect(await exit).toBe(0);
    }
    await vi.waitFor(() => expect(sub!.last('site7/status')?.payload).toBe('offline'), { timeout: 20_000 });
  }, 60_000);
});
