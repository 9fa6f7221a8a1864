/**
 * The set-up the dashboard's browser tests share (vitest only). Before the file's tests: build the dashboard,
 * start Fusebox on the demo site, launch Chromium, and (unless `page` is false) open a 1366x900 context with
 * a 15 s step timeout and a page in it, logged in as demo unless `login` is false. After them: close
 * Chromium, stop Fusebox, run `after`, remove the build.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { RunningDemo } from './demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './demo-dashboard.ts';

type DemoOptions = Omit<Parameters<typeof startDemoFusebox>[0], 'webRoot'>;

export interface DashboardFileOptions {
  /** What startDemoFusebox is given besides the build (may start something first, e.g. a test cloud). */
  readonly demo?: DemoOptions | (() => Promise<DemoOptions>);
  /** Added to the context's options (locale, acceptDownloads). */
  readonly context?: BrowserContextOptions;
  /** Runs on the context before the page opens (init scripts). */
  readonly onContext?: (context: BrowserContext) => Promise<void>;
  /** Runs on the page before the log-in (listeners). */
  readonly onPage?: (page: Page) => void;
  /** Open no context and page (the test opens its own). Default true. */
  readonly page?: boolean;
  readonly login?: boolean;
  /** Runs last after the tests (what `demo` started). */
  readonly after?: () => Promise<void>;
  /** The beforeAll's timeout. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface DashboardFile {
  readonly demo: RunningDemo;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
}

export function dashboardPerFile(options: DashboardFileOptions = {}): DashboardFile {
  let webRoot: string | undefined;
  let demo: RunningDemo | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    webRoot = await buildDashboard();
    const demoOptions = typeof options.demo === 'function' ? await options.demo() : (options.demo ?? {});
    demo = await startDemoFusebox({ webRoot, ...demoOptions });
    chromium = await launchChromium();
    if (options.page === false) return;
    context = await chromium.browser.newContext({
      viewport: { width: 1366, height: 900 },
      ...options.context,
    });
    // Fail a step after 15 s with its own message rather than at the test's timeout.
    context.setDefaultTimeout(15_000);
    await options.onContext?.(context);
    page = await context.newPage();
    options.onPage?.(page);
    if (options.login !== false) await loginAsDemo(page, demo.url);
  }, options.timeoutMs ?? 120_000);
  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    await options.after?.();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });
  const set = <T>(what: string, value: T | undefined): T => {
    if (value === undefined)
      throw new Error(`dashboardPerFile: no ${what} (its beforeAll failed or page: false)`);
    return value;
  };
  return {
    get demo() {
      return set('demo', demo);
    },
    get browser() {
      return set('browser', chromium?.browser);
    },
    get context() {
      return set('context', context);
    },
    get page() {
      return set('page', page);
    },
  };
}
