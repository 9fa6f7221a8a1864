/**
 * A real Fusebox for API tests: a small site, a real SQLite file in a temporary directory, the OCPP server
 * and HTTP API listening on free loopback ports; accounts alice (operator) and victor (viewer); helpers
 * to log in and call the API over real HTTP, and to connect a simulated station.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { Fusebox } from '../../app.ts';
import { startFusebox } from '../../app.ts';
import { loadSiteConfigText } from '../../config/load.ts';
import { hashStationPassword } from '../../ocpp/password-hash.ts';
import type { SimStationOptions } from '../../sim/ocpp-station.ts';
import { SimulatedStation } from '../../sim/ocpp-station.ts';

/** Two circuits under a 63 A main; one two-port station on `left`, one offline-by-default on `right`. */
export const TEST_SITE = `
site: { name: API test site, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
circuits:
  - { id: main, kind: grid, name: Main, limitA: 63, limitKw: 40 }
  - { id: left, name: Left row, parent: main, limitA: 32 }
  - id: right
    parent: main
    limitA: 32
    schedule:
      weekly:
        - { days: [sat], from: '00:00', to: '24:00', limitA: 20, label: weekend }
stations:
  - { id: st-1, circuit: left, ports: 2 }
  - { id: st-2, circuit: right, ocppVersion: 2.0.1 }
`;

export const PASSWORDS = { alice: 'alice-password', victor: 'victor-password' } as const;

export interface ApiFixture {
  readonly fusebox: Fusebox;
  readonly url: string;
  readonly dir: string;
  readonly logLines: string[];
  /** Logs in; returns the headers for cookie-authenticated calls (with the CSRF header). */
  login(username: keyof typeof PASSWORDS): Promise<{ cookie: string; 'x-fusebox-csrf': string }>;
  /** fetch against the API with JSON in and out. */
  call(
    method: string,
    path: string,
    opts?: { headers?: Record<string, string>; body?: unknown },
  ): Promise<{ status: number; body: any; headers: Headers; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  /** Connects a simulated station of the site over real OCPP (`options`: how it behaves, e.g. refusals). */
  station(
    stationId: string,
    ports?: number,
    options?: Pick<SimStationOptions, 'refuseProfiles' | 'smartCharging' | 'localList'>,
  ): Promise<SimulatedStation>;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  readonly yaml?: string;
  readonly demo?: boolean;
  readonly webRoot?: string;
  readonly accounts?: boolean;
  readonly coalesceMs?: number;
}

/** Starts the fixture; call stop() in afterAll/afterEach. */
export async function startApiFixture(o: FixtureOptions = {}): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-api-'));
  const r = loadSiteConfigText(o.yaml ?? TEST_SITE, 'test.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const loaded = r;
  const logLines: string[] = [];
  const logger: Logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const fusebox = await startFusebox({
    loaded,
    configDir: dir,
    logger,
    ports: { ocpp: 0, http: 0, ems: 0 },
    storePath: join(dir, 'fusebox.db'),
    demo: o.demo,
    webRoot: o.webRoot ?? join(dir, 'no-web'),
    control: { coalesceMs: o.coalesceMs ?? 20 },
  });
  if (o.accounts !== false) {
    await fusebox.store.api.accounts.add('alice', await hashStationPassword(PASSWORDS.alice), 'operator');
    await fusebox.store.api.accounts.add('victor', await hashStationPassword(PASSWORDS.victor), 'viewer');
  }
  const url = `http://127.0.0.1:${fusebox.endpoints.httpPort}`;
  const stations: SimulatedStation[] = [];

  const call: ApiFixture['call'] = async (method, path, opts = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body, headers: res.headers, text };
  };

  return {
    fusebox,
    url,
    dir,
    logLines,
    call,
    async login(username) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORDS[username] }),
      });
      if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('fusebox_session='))!;
      return { cookie: cookie.split(';')[0]!, 'x-fusebox-csrf': '1' };
    },
    async station(stationId, ports = 1, options = {}) {
      const version = loaded.config.stations.find((s) => s.id === stationId)?.ocppVersion ?? '1.6';
      const s = new SimulatedStation({
        url: `ws://127.0.0.1:${fusebox.endpoints.ocppPort}/ocpp`,
        stationId,
        version,
        ports,
        vendor: 'TestVendor',
        model: 'T1',
        ...options,
      });
      s.on('error', () => undefined);
      stations.push(s);
      await s.connect();
      return s;
    },
    async stop() {
      for (const s of stations) s.stopMeterValues();
      await Promise.allSettled(stations.map((s) => s.close()));
      await fusebox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
