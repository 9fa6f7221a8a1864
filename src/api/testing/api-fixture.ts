/**
 * A real Fusebox for API tests: a small site, a real SQLite file in a temporary directory, the OCPP server
 * and HTTP API listening on free loopback ports; accounts alice (operator) and victor (viewer); helpers
 * to log in and call the API, and to connect a simulated station. The calls go through fastify's inject()
 * (the whole request pipeline: hooks, parsers, schemas, serializers; no socket, no port); a test of what only
 * a socket shows (streaming, body limits on the wire, redirects) fetches `url` itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { Fusebox } from '../../app.ts';
import { startFusebox } from '../../app.ts';
import { loadSiteConfigText } from '../../config/load.ts';
import { hashStationPassword } from '../../ocpp/password-hash.ts';
import type { SimStationOptions } from '../../sim/devices/ocpp-station.ts';
import { SimulatedStation } from '../../sim/devices/ocpp-station.ts';

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

/**
 * The head of a site file for API tests: site `name` in Europe/Amsterdam with `allocation` (a YAML flow map),
 * OCPP and HTTP on loopback, and one grid circuit `main` of `limitA`; the test adds its meters and stations.
 */
export const siteHead = (name: string, allocation: string, limitA: number): string => `
site:
  name: ${name}
  timeZone: Europe/Amsterdam
  allocation: ${allocation}
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
circuits:
  - { id: main, kind: grid, limitA: ${limitA} }
`;

/** Deadline mode with the site defaults the API's deadline tests use (8 h stays, 20 kWh). */
export const DEADLINE_ALLOCATION = '{ mode: deadline, defaultStayH: 8, defaultEnergyKwh: 20 }';

export const PASSWORDS = { alice: 'alice-password', victor: 'victor-password' } as const;

export interface ApiFixture {
  readonly fusebox: Fusebox;
  readonly url: string;
  readonly dir: string;
  readonly logLines: string[];
  /** Logs in; returns the headers for cookie-authenticated calls (with the CSRF header). */
  login(username: keyof typeof PASSWORDS): Promise<{ cookie: string; 'x-fusebox-csrf': string }>;
  /** A request to the API with JSON in (`body`) or any text (`payload`, with its own content-type); JSON out. */
  call(
    method: string,
    path: string,
    opts?: { headers?: Record<string, string>; body?: unknown; payload?: string },
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
  /** ControlOptions.failSafeRaiseAfterMs (default: the control loop's). */
  readonly failSafeRaiseAfterMs?: number;
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
    control: {
      coalesceMs: o.coalesceMs ?? 20,
      ...(o.failSafeRaiseAfterMs !== undefined ? { failSafeRaiseAfterMs: o.failSafeRaiseAfterMs } : {}),
    },
  });
  if (o.accounts !== false) {
    await fusebox.store.api.accounts.add('alice', await hashStationPassword(PASSWORDS.alice), 'operator');
    await fusebox.store.api.accounts.add('victor', await hashStationPassword(PASSWORDS.victor), 'viewer');
  }
  const url = `http://127.0.0.1:${fusebox.endpoints.httpPort}`;
  const stations: SimulatedStation[] = [];

  const call: ApiFixture['call'] = async (method, path, opts = {}) => {
    const res = await fusebox.http.inject({
      method,
      url: path,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      payload: opts.body === undefined ? opts.payload : JSON.stringify(opts.body),
    });
    const text = res.body;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body, headers: headersOf(res.headers), text };
  };

  return {
    fusebox,
    url,
    dir,
    logLines,
    call,
    async login(username) {
      const res = await call('POST', '/api/v1/auth/login', {
        body: { username, password: PASSWORDS[username] },
      });
      if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${res.text}`);
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

/** The headers of a logged-in user (a session cookie and the CSRF header). */
export type LoginHeaders = Record<string, string>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Json = any;

/** Circuit `id` as GET /api/v1/circuits shows it on `fx` to `headers` (undefined when it is not listed). */
export async function circuitView(fx: ApiFixture, headers: LoginHeaders, id: string): Promise<Json> {
  const body = (await fx.call('GET', '/api/v1/circuits', { headers })).body as { circuits: { id: string }[] };
  return body.circuits.find((c) => c.id === id) as Json;
}

/**
 * One fixture for a whole test file: started before its first test (logged in as `login`, default alice),
 * stopped after its last, with hook timeouts for a loaded machine. `f` and the login headers may be used
 * from the tests on (they are filled in before the first test runs).
 */
export function useApiFixture(
  o: FixtureOptions & { readonly login?: readonly (keyof typeof PASSWORDS)[] } = {},
): { f: ApiFixture; alice: LoginHeaders; victor: LoginHeaders } {
  let started: ApiFixture | undefined;
  const get = (): ApiFixture => {
    if (!started) throw new Error('the API fixture is used before its beforeAll started it');
    return started;
  };
  const headers = { alice: {}, victor: {} } as Record<keyof typeof PASSWORDS, LoginHeaders>;
  beforeAll(async () => {
    started = await startApiFixture(o);
    for (const user of o.login ?? ['alice']) Object.assign(headers[user], await started.login(user));
  }, 60_000);
  afterAll(async () => started?.stop(), 30_000);
  const f: ApiFixture = {
    get fusebox() {
      return get().fusebox;
    },
    get url() {
      return get().url;
    },
    get dir() {
      return get().dir;
    },
    get logLines() {
      return get().logLines;
    },
    login: (username) => get().login(username),
    call: (method, path, opts) => get().call(method, path, opts),
    station: (stationId, ports, options) => get().station(stationId, ports, options),
    stop: () => get().stop(),
  };
  return { f, ...headers };
}

/**
 * Connects st-1 (two ports) sending meter values every 300 ms, with a session charging on port 1 (TAG-ONE,
 * 16 A on three phases) and a finished one on port 2 (TAG-TWO): the records and live state the read tests use.
 */
export async function startSessionsStation(f: ApiFixture): Promise<SimulatedStation> {
  const station = await f.station('st-1', 2);
  station.startMeterValues(300);
  await station.plugIn(1, { maxCurrentA: 16, phases: 3 });
  await station.start(1, 'TAG-ONE');
  await station.plugIn(2, { maxCurrentA: 32, phases: 1 });
  await station.start(2, 'TAG-TWO');
  await station.stop(2, 'EVDisconnected');
  return station;
}

/** inject()'s answer headers as fetch's `Headers` (a repeated header, e.g. set-cookie, once per value). */
function headersOf(h: Record<string, string | string[] | number | undefined>): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(h))
    if (value !== undefined) for (const v of [value].flat()) out.append(name, String(v));
  return out;
}
