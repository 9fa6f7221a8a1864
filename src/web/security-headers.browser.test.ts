/**
 * The Content-Security-Policy and framing headers in a real Chromium: the dashboard (every page, charts
 * included) and Swagger UI at /api/docs work under them with no violation reported, and another page
 * cannot frame the dashboard.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';

/** What the page reported as blocked by its policy so far. */
function violations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__csp ?? []');
}

describe('security headers in Chromium', () => {
  const consoleCsp: string[] = [];
  const ui = dashboardPerFile({
    // Every document records the violations its policy reports.
    onContext: async (context) => {
      await context.addInitScript({
        content: `window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
      });
    },
    onPage: (page) =>
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
      }),
  });

  it('the dashboard works under the policy: every page renders and nothing is blocked', async () => {
    const res = await ui.page.request.get(ui.demo.url);
    expect(res.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    for (const [hash, testId] of [
      ['#/', 'circuit-tree'],
      ['#/ports', 'port-table'],
      ['#/sessions', 'sessions-table'],
      ['#/events', 'events'],
      ['#/limits/row-a', 'overrides'],
      ['#/stations', 'stations'],
    ] as const) {
      await ui.page.goto(`${ui.demo.url}/${hash}`);
      await ui.page.getByTestId(testId).first().waitFor();
      expect(await violations(ui.page), hash).toEqual([]);
    }
    // The power chart (uPlot, its script and style loaded on demand) draws on the overview: a few minutes of
    // history give it something to draw.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await ui.demo.fusebox.store.api.records.recordHistory(
      [1, 2, 3].map((i) => ({ minuteMs: minute - i * 60_000, circuitId: '', gridKw: 10 + i, evKw: 5 })),
      0,
    );
    await ui.page.goto(`${ui.demo.url}/#/`);
    await ui.page.locator('.uplot canvas').first().waitFor();
    expect(await violations(ui.page)).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });

  it('Swagger UI at /api/docs renders the operations under the policy', async () => {
    await ui.page.goto(`${ui.demo.url}/api/docs`);
    await expect
      .poll(() => ui.page.locator('.opblock').count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(20);
    expect(await violations(ui.page)).toEqual([]);
    expect(consoleCsp).toEqual([]);
  });

  it('another page cannot frame the dashboard', async () => {
    const framer = await ui.context.newPage();
    try {
      const blocked = new Promise<string>((resolve) =>
        framer.on('console', (m) => {
          if (/frame-ancestors|Refused to frame/i.test(m.text())) resolve(m.text());
        }),
      );
      await framer.setContent(`<iframe src="${ui.demo.url}/"></iframe>`);
      expect(await blocked).toMatch(/frame-ancestors/);
      const frame = framer.frames().find((fr) => fr !== framer.mainFrame());
      expect(await frame?.locator('#app').count()).toBe(0);
    } finally {
      await framer.close();
    }
  });
});
