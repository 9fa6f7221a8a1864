/**
 * What the browser tests, the screenshot script and the dashboard benchmark share: build the dashboard with
 * Vite's JS API, run a real Fusebox on the demo site in-process (src/testing/demo-fusebox.ts: real OCPP and
 * Modbus sockets on free ports, a temporary store), and launch Debian's Chromium through playwright-core.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { build } from 'vite';

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

export type { RunningDemo } from '../../testing/demo-fusebox.ts';
export { startDemoFusebox } from '../../testing/demo-fusebox.ts';

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
