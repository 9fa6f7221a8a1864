/**
 * Secrets outside the site file reach the running Fusebox: `fusebox start` on a site file whose metrics token
 * is in a file and whose station password hash is in an environment variable; /metrics wants that token, the
 * station logs in with its password (real HTTP, real WebSocket), and nothing printed holds either secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { hashStationPassword } from '../ocpp/password-hash.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { runStart } from './start.ts';

const TOKEN = 'metrics-token-5c1d9e0f2a7b';
const PASSWORD = 'station-password-81f0';
const ENV = 'FUSEBOX_TEST_CP1_HASH';

describe('fusebox start with secrets in a file and an environment variable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-secrets-start-'));
  let stop: (() => void) | undefined;
  let finished: Promise<number> | undefined;
  const sims: SimulatedStation[] = [];
  afterAll(async () => {
    for (const s of sims) await s.close().catch(() => undefined);
    stop?.();
    await finished;
    delete process.env[ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses them and never prints them', async () => {
    const hash = await hashStationPassword(PASSWORD);
    process.env[ENV] = hash;
    writeFileSync(join(dir, 'metrics.token'), `${TOKEN}\n`);
    const site = join(dir, 'site.yaml');
    writeFileSync(
      site,
      `site: { timeZone: Europe/Paris }
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0, metricsTokenFile: metrics.token }
store: { path: ${join(dir, 'fusebox.db')} }
circuits:
  - { id: main, limitA: 40 }
stations:
  - { id: CP1, circuit: main, passwordHashEnv: ${ENV} }
`,
    );
    const out: string[] = [];
    finished = runStart({
      configPath: site,
      out: (l) => out.push(l),
      logLevel: 'silent',
      until: new Promise((resolve) => (stop = () => resolve(undefined))),
    });
    const http = await eventually(
      () => /Dashboard and API\s+(http:\/\/\S+?)\//.exec(out.join('\n'))?.[1],
      'the start banner',
      60_000,
    );
    const ocpp = /OCPP for stations\s+(ws:\/\/\S+?)\/\{stationId\}/.exec(out.join('\n'))![1]!;

    expect((await fetch(`${http}/metrics`)).status).toBe(401);
    const ok = await fetch(`${http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);

    const wrong = new SimulatedStation({ url: ocpp, stationId: 'CP1', version: '1.6', password: 'not-it' });
    sims.push(wrong);
    await expect(wrong.connect()).rejects.toThrow();
    const right = new SimulatedStation({ url: ocpp, stationId: 'CP1', version: '1.6', password: PASSWORD });
    sims.push(right);
    expect((await right.connect()).status).toBe('Accepted');

    const printed = out.join('\n');
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(hash);
  });
});
