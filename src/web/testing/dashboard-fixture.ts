/**
 * The dashboard browser tests' shared set-up (src/web/dashboard*.browser.test.ts): the dashboard built, a
 * real Fusebox on the demo site serving it, Chromium, and a page logged in as demo/demo. Call it once at the
 * top of a describe(): it registers that describe's beforeAll and afterAll.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { RunningDemo } from './demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './demo-dashboard.ts';

export interface DemoDashboard {
  readonly demo: RunningDemo;
  readonly browser: Browser;
  /** The logged-in context (1366 x 900, and the options given: by default downloads accepted). */
  readonly context: BrowserContext;
  /** A page of that context, logged in as demo. */
  readonly page: Page;
  /** GET `path` (e.g. `/api/v1/ports`) of the demo as that page (its login), the JSON body. */
  api<T>(path: string): Promise<T>;
}

/** `contextOptions`: the context's options besides its 1366 x 900 viewport (default: downloads accepted). */
export function useDemoDashboard(
  contextOptions: BrowserContextOptions = { acceptDownloads: true },
): DemoDashboard {
  let demo: RunningDemo | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let webRoot: string | undefined;

  beforeAll(async () => {
    webRoot = await buildDashboard();
    demo = await startDemoFusebox({ webRoot });
    chromium = await launchChromium();
    browser = chromium.browser;
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, ...contextOptions });
    // Fail a step after 15 s with its own message rather than at the test's timeout.
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await loginAsDemo(page, demo.url);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the demo dashboard is used before its beforeAll started it');
    return v;
  };
  return {
    get demo() {
      return started(demo);
    },
    get browser() {
      return started(browser);
    },
    get context() {
      return started(context);
    },
    get page() {
      return started(page);
    },
    async api<T>(path: string): Promise<T> {
      return (await (await started(page).request.get(`${started(demo).url}${path}`)).json()) as T;
    },
  };
}
