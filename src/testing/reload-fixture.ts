/**
 * SIGHUP reload tests: Fusebox started on a site file written to `dir`, with every warning it logs kept, so
 * a test can rewrite the file, call `reload` (src/cli/start.ts) and look at what was said.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import type { Fusebox } from '../app.ts';
import { startFusebox } from '../app.ts';
import type { LoadedSiteConfig, LoadOptions } from '../config/load.ts';
import { loadSiteConfigFile } from '../config/load.ts';

export interface ReloadFixture {
  /** The site file; rewrite it before calling `reload`. */
  readonly path: string;
  readonly loaded: LoadedSiteConfig;
  readonly fusebox: Fusebox;
  readonly logger: Logger;
  /** The messages of the warnings logged so far. */
  readonly warnings: () => string[];
}

export async function startForReload(
  dir: string,
  text: string,
  options: LoadOptions = {},
): Promise<ReloadFixture> {
  const path = join(dir, 'site.yaml');
  writeFileSync(path, text);
  const loaded = loadSiteConfigFile(path, options);
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const lines: { msg: string }[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) },
  );
  const fusebox = await startFusebox({
    loaded,
    configDir: dir,
    logger,
    storePath: join(dir, 'fusebox.db'),
    webRoot: join(dir, 'no-web'),
  });
  return { path, loaded, fusebox, logger, warnings: () => lines.map((l) => l.msg) };
}
