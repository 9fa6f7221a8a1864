/**
 * Fusebox on the demo site (examples/demo.yaml) with its simulated world, in-process on free ports, for the
 * end-to-end test (src/app.test.ts) and the dashboard's browser tests (src/web/testing/demo-dashboard.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Fusebox } from '../app.ts';
import { DEMO_CONFIG_PATH, startFusebox } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { loadSiteConfigText } from '../config/load.ts';
import type { DemoSite } from '../sim/demo/demo-site.ts';
import { startDemoMeters, startDemoSite } from '../sim/demo/demo-site.ts';

export interface RunningDemo {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly fusebox: Fusebox;
  readonly demo: DemoSite;
  /** The demo site file as loaded (its meters on the simulated meters' port). */
  readonly loaded: LoadedSiteConfig;
  /** Date.now() when Fusebox was up and the simulated world began to start. */
  readonly worldStartedMs: number;
  stop(): Promise<void>;
}

/** Starts Fusebox on the demo site with the simulated world, like `npm start` but on free ports. */
export async function startDemoFusebox(opts: {
  /** The dashboard build to serve (default: Fusebox's own default). */
  webRoot?: string;
  seed?: number;
  /** YAML appended to the demo site file (e.g. a `tariff` section). */
  appendYaml?: string;
  /** Turn the live planner on (`site.allocation.planner`). */
  planner?: boolean;
}): Promise<RunningDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-web-'));
  const logger = pino({ level: 'silent' });
  // The meters listen first, on a free port (never a port picked, released and bound later: another
  // test or a second copy of the suite could take it in between); the demo site then drives them.
  const meters = await startDemoMeters(0, logger);
  const meterPort = meters.port;
  let text =
    readFileSync(DEMO_CONFIG_PATH, 'utf8').replaceAll('port: 1502', `port: ${meterPort}`) +
    (opts.appendYaml ?? '');
  if (opts.planner) {
    const planned = text.replace(
      'allocation: { mode: deadline }',
      'allocation: { mode: deadline, planner: {} }',
    );
    if (planned === text)
      throw new Error('examples/demo.yaml: no `allocation: { mode: deadline }` to add the planner to');
    text = planned;
  }
  const r = loadSiteConfigText(text, 'demo.yaml');
  if (!r.ok) throw new Error('examples/demo.yaml does not load');
  const loaded = r;
  let fusebox: Fusebox;
  try {
    fusebox = await startFusebox({
      loaded,
      configDir: dir,
      logger,
      ports: { ocpp: 0, http: 0, ems: 0 },
      storePath: join(dir, 'fusebox.db'),
      demo: true,
      webRoot: opts.webRoot,
    });
  } catch (err) {
    await meters.close();
    throw err;
  }
  let demo: DemoSite;
  const worldStartedMs = Date.now();
  try {
    demo = await startDemoSite({
      site: loaded.compiled,
      versions: new Map(loaded.config.stations.map((s) => [s.id, s.ocppVersion])),
      ocppUrl: `ws://127.0.0.1:${fusebox.endpoints.ocppPort}/ocpp`,
      meterPort,
      meters,
      logger,
      seed: opts.seed ?? 7,
      meterValuesMs: 1000,
    });
  } catch (err) {
    await meters.close();
    await fusebox.stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${fusebox.endpoints.httpPort}`,
    fusebox,
    demo,
    loaded,
    worldStartedMs,
    async stop() {
      await demo.stop();
      await fusebox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
