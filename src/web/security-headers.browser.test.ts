/**
 * The Content-Security-Policy and framing headers in a real Chromium: the dashboard (every page, charts
 * included) and Swagger UI at /api/docs work under them with no violation reported, and another page
 * cannot frame the dashboard.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from './testing/demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './testing/demo-dashboard.ts';

/** What the page reported as blocked by its policy so far. */
function violations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__csp ?? []');
}

describe('security headers in Chromium', () => {
  let demo: RunningDemo | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let webRoot: string | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleCsp: string[] = [];

  beforeAll(async () => {
    webRoot = await buildDashboard();
    demo = await startDemoFusebox({ webRoot });
    chromium = await launchChromium();
    browser = chromium.browser;
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(15_000);
    // Every document records the violations its policy reports.
    await context.addInitScript({
      content: `window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
    });
    await loginAsDemo(page, demo.url);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('the dashboard works under the policy: every page renders and nothing is blocked', async () => {
    const res = await page.request.get(demo!.url);
    expect(res.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    for (const [hash, testId] of [
      ['#/', 'circuit-tree'],
      ['#/ports', 'port-table'],
      ['#/sessions', 'sessions-table'],
      ['#/events', 'events'],
      ['#/limits/row-a', 'overrides'],
      ['#/stations', 'stations'],
    ] as const) {
      await page.goto(`${demo!.url}/${hash}`);
      await page.getByTestId(testId).first().waitFor();
      expect(await violations(page), hash).toEqual([]);
    }
    // The power chart (uPlot, its script and style loaded on demand) draws on the overview: a few minutes of
    // history give it something to draw.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await demo!.fusebox.store.api.records.recordHistory(
      [1, 2, 3].map((i) => ({ minuteMs: minute - i * 60_000, circuitId: '', gridKw: 10 + i, evKw: 5 })),
      0,
    );
    await page.goto(`${demo!.url}/#/`);
    await page.locator('.uplot canvas').first().waitFor();
    expect(await violations(page)).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });

  it('Swagger UI at /api/docs renders the operations under the policy', async () => {
    await page.goto(`${demo!.url}/api/docs`);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    expect(await violations(page)).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });

  it('another page cannot frame the dashboard', async () => {
    const framer = await context.newPage();
    try {
      const blocked = new Promise<string>((resolve) =>
        framer.on('console', (m) => {
          if (/frame-ancestors|Refused to frame/i.test(m.text())) resolve(m.text());
        }),
      );
      await framer.setContent(`<iframe src="${demo!.url}/"></iframe>`);
      expect(await blocked).toMatch(/frame-ancestors/);
      const frame = framer.frames().find((fr) => fr !== framer.mainFrame());
      expect(await frame?.locator('#app').count()).toBe(0);
    } finally {
      await framer.close();
    }
  });
});
