/**
 * Fusebox in-process for a test: the site (a site file's text, loaded here and refused with its problems,
 * or a loaded one) on free OCPP, HTTP and EMS ports, with its config dir, store (fusebox.db) and a dashboard
 * build that is not there all in `dir`, and a silent logger; `options` adds to or replaces any of these.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { Fusebox, FuseboxOptions } from '../app.ts';
import { startFusebox } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { loadSiteConfigText } from '../config/load.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';

/** `text` loaded as site.yaml; throws with its problems when it does not load. */
export function loadTestSite(text: string): LoadedSiteConfig {
  const loaded = loadSiteConfigText(text, 'site.yaml');
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  return loaded;
}

export function startTestFusebox(
  site: string | LoadedSiteConfig,
  dir: string,
  options: Partial<FuseboxOptions> = {},
): Promise<Fusebox> {
  return startFusebox({
    loaded: typeof site === 'string' ? loadTestSite(site) : site,
    configDir: dir,
    logger: pino({ level: 'silent' }),
    ports: { ocpp: 0, http: 0, ems: 0 },
    storePath: join(dir, 'fusebox.db'),
    webRoot: join(dir, 'no-web'),
    ...options,
  });
}

/** Logs in as the demo site's operator (demo/demo) through `fb`'s API, expecting 200; the session cookie. */
export async function demoLoginCookie(fb: Fusebox): Promise<string> {
  const login = await fb.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'demo', password: 'demo' },
  });
  expect(login.statusCode).toBe(200);
  return `fusebox_session=${login.cookies.find((c) => c.name === 'fusebox_session')!.value}`;
}

/** A simulated station `stationId` with one port (OCPP `version`) for `fb`'s OCPP server; not connected yet. */
export function stationOn(fb: Fusebox, stationId: string, version: OcppVersion = '1.6'): SimulatedStation {
  return new SimulatedStation({
    url: `ws://127.0.0.1:${fb.endpoints.ocppPort}/ocpp`,
    stationId,
    version,
    ports: 1,
  });
}

/** A site file's first lines: `site` (a YAML flow map), OCPP and HTTP listening on loopback only. */
export const loopbackSite = (site: string): string => `
site: ${site}
ocpp: { host: 127.0.0.1 }
http: { host: 127.0.0.1 }
`;
