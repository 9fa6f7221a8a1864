/**
 * `mqtts://` with `mqtt.tls.caFile`: Fusebox trusts the broker certified by that CA and refuses one certified
 * by another (it keeps running and says why). A real Mosquitto with a TLS listener; mosquitto_sub as peer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Fusebox } from '../app.ts';
import { startFusebox } from '../app.ts';
import { loadSiteConfigText } from '../config/load.ts';
import { haveOpenssl, TestCa } from '../ocpp/testing/test-ca.ts';
import type { Mosquitto, Subscriber } from './testing/mosquitto.ts';
import { startMosquitto, subscribe } from './testing/mosquitto.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-mqtt-tls-'));
let broker: Mosquitto | undefined;
let sub: Subscriber | undefined;
const running: Fusebox[] = [];
afterAll(async () => {
  for (const f of running) await f.stop();
  await sub?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  prefix: string,
  caFile: string,
  lines: { level: number; msg: string }[],
): Promise<Fusebox> {
  const loaded = loadSiteConfigText(
    `
site: { name: tls, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
mqtt: { url: "${broker!.url}", prefix: ${prefix}, discovery: false, tls: { caFile: ${caFile} } }
circuits: [{ id: main, limitA: 32 }]
`,
    'site.yaml',
    dir,
  );
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const f = await startFusebox({
    loaded,
    configDir: dir,
    logger: pino(
      { level: 'warn' },
      { write: (l: string) => lines.push(JSON.parse(l) as { level: number; msg: string }) },
    ),
    ports: { ocpp: 0, http: 0, ems: 0 },
    storePath: join(dir, `${prefix}.db`),
    webRoot: join(dir, 'no-web'),
  });
  running.push(f);
  return f;
}

describe.skipIf(!haveOpenssl)('MQTT over TLS', () => {
  it('connects to a broker certified by tls.caFile, and refuses one it does not trust', async () => {
    const ca = new TestCa(join(dir, 'ca'), 'Broker CA');
    const other = new TestCa(join(dir, 'other'), 'Other CA');
    const server = ca.server();
    writeFileSync(join(dir, 'broker-ca.pem'), ca.cert);
    writeFileSync(join(dir, 'other-ca.pem'), other.cert);
    broker = await startMosquitto({
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: join(dir, 'broker-ca.pem') },
    });
    expect(broker.url).toMatch(/^mqtts:/);
    sub = await subscribe(broker, '#');

    const good: { level: number; msg: string }[] = [];
    await start('trusted', 'broker-ca.pem', good);
    await vi.waitFor(() => expect(sub!.last('trusted/status')?.payload).toBe('online'), { timeout: 20_000 });
    await vi.waitFor(() => expect(sub!.last('trusted/site')).toBeDefined(), { timeout: 20_000 });

    const bad: { level: number; msg: string }[] = [];
    const f = await start('untrusted', 'other-ca.pem', bad);
    await vi.waitFor(() => expect(bad.some((l) => /MQTT broker: connection failed/.test(l.msg))).toBe(true), {
      timeout: 20_000,
    });
    expect(JSON.stringify(bad)).toMatch(/certificate/i);
    expect(sub.messages.some((m) => m.topic.startsWith('untrusted/'))).toBe(false);
    expect((await f.http.inject({ url: '/healthz' })).statusCode).toBe(200);
  }, 60_000);
});
