/**
 * Fusebox in-process for a test: the site (a site file's text, loaded here and refused with its problems,
 * or a loaded one) on free OCPP, HTTP and EMS ports, with its config dir, store (fusebox.db) and a dashboard
 * build that is not there all in `dir`, and a silent logger; `options` adds to or replaces any of these.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import type { Fusebox, FuseboxOptions } from '../app.ts';
import { startFusebox } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { loadSiteConfigText } from '../config/load.ts';

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
