/**
 * A driver's needs survive a restart: Fusebox on a real SQLite file takes them for a session over real OCPP,
 * stops, starts again on the same file, and the session still has them (stored on the session's row).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it, vi } from 'vitest';
import type { Fusebox } from '../app.ts';
import { startFusebox } from '../app.ts';
import { loadSiteConfigText } from '../config/load.ts';
import { hashStationPassword } from '../ocpp/password-hash.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { DEADLINE_ALLOCATION, siteHead } from './testing/api-fixture.ts';

const SITE = `${siteHead('Driver needs restart', DEADLINE_ALLOCATION, 32)}stations:
  - { id: a, circuit: main }
`;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-driver-needs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<Fusebox> {
  const loaded = loadSiteConfigText(SITE, 'test.yaml');
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  return startFusebox({
    loaded,
    configDir: dir,
    logger: pino({ level: 'silent' }),
    ports: { ocpp: 0, http: 0, ems: 0 },
    storePath: join(dir, 'fusebox.db'),
    webRoot: join(dir, 'no-web'),
    control: { coalesceMs: 20 },
  });
}

async function call(
  fb: Fusebox,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fb.http.inject({
    method,
    url,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
}

async function login(fb: Fusebox): Promise<Record<string, string>> {
  const res = await fb.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  });
  expect(res.statusCode).toBe(200);
  const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('fusebox_session='))!;
  return { cookie: cookie.split(';')[0]!, 'x-fusebox-csrf': '1' };
}

it("keeps a driver's needs for the session across a restart on the same file", async () => {
  const first = await start();
  let departureAt: string | undefined;
  try {
    await first.store.api.accounts.add('alice', await hashStationPassword('alice-password'), 'operator');
    const headers = await login(first);
    const st = new SimulatedStation({
      url: `ws://127.0.0.1:${first.endpoints.ocppPort}/ocpp`,
      stationId: 'a',
      version: '1.6',
      ports: 1,
    });
    st.on('error', () => undefined);
    await st.connect();
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG-A');
    await vi.waitFor(() => expect(first.ocpp.port('a/1')?.sessionId).toEqual(expect.any(Number)), {
      timeout: 15_000,
      interval: 50,
    });
    departureAt = new Date(Math.floor((Date.now() + 2 * 3_600_000) / 1000) * 1000).toISOString();
    const r = await call(first, 'PUT', '/api/v1/ports/a%2F1/needs', headers, { departureAt, energyKwh: 12 });
    expect(r.status).toBe(200);
    expect(r.body.session).toMatchObject({ departureSource: 'driver', energySource: 'driver' });
    await st.close();
  } finally {
    await first.stop();
  }

  const second = await start();
  try {
    const headers = await login(second);
    const r = await call(second, 'GET', '/api/v1/ports/a%2F1', headers);
    expect(r.status).toBe(200);
    expect(r.body.session).toMatchObject({
      departureAt,
      departureSource: 'driver',
      energyRequestedKwh: 12,
      energySource: 'driver',
    });
  } finally {
    await second.stop();
  }
}, 60_000);
