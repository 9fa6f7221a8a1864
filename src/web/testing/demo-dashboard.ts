/**
 * What the browser tests, the screenshot script and the dashboard benchmark share: build the dashboard with
 * Vite's JS API, run a real Fusebox on the demo site in-process (real OCPP and Modbus sockets on free
 * ports, a temporary store), and launch Debian's Chromium through playwright-core.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import type { Fusebox } from '../../app.ts';
import { DEMO_CONFIG_PATH, startFusebox } from '../../app.ts';
import { loadSiteConfigText } from '../../config/load.ts';
import type { DemoSite } from '../../sim/demo/demo-site.ts';
import { startDemoMeters, startDemoSite } from '../../sim/demo/demo-site.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Builds src/web with the repo's vite.config.ts into `outDir` (default: a new temporary directory, so a
 * test or benchmark never clobbers dist/web while something serves it); returns the directory.
 */
export async function buildDashboard(outDir?: string): Promise<string> {
  const dir = outDir ?? mkdtempSync(join(tmpdir(), 'fusebox-dist-web-'));
  await build({
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true },
  });
  return dir;
}

export interface RunningDemo {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly fusebox: Fusebox;
  readonly demo: DemoSite;
  stop(): Promise<void>;
}

/** Starts Fusebox on the demo site with the simulated world, like `npm start` but on free ports. */
export async function startDemoFusebox(opts: {
  webRoot: string;
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
    async stop() {
      await demo.stop();
      await fusebox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium with the flags below (a headless Linux box, possibly as root, without a GPU).
 * playwright-core gives every launch a fresh temporary profile (its own --user-data-dir, removed on close),
 * so nothing carries over between runs.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Logs in on the login page as the demo operator and waits for the circuit tree. */
export async function loginAsDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill('demo');
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('circuit-tree').waitFor({ timeout: 15_000 });
}
