/**
 * The cloud relay on the stations page (docs/proxy.md, docs/dashboard.md) in a real Chromium against a real
 * Fusebox on the demo site relayed to a test cloud on 127.0.0.1: while the cloud is down each station card
 * shows the outage and its queue, a station left out shows "not relayed", and once the cloud is back the
 * cards show it connected with the last relay.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCloud } from '../proxy/testing/test-cloud.ts';
import type { RunningDemo } from './testing/demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './testing/demo-dashboard.ts';

describe('cloud relay state on the stations page in Chromium', () => {
  let demo: RunningDemo | undefined;
  let cloud: TestCloud | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext;
  let page: Page;
  let webRoot: string | undefined;

  beforeAll(async () => {
    webRoot = await buildDashboard();
    cloud = await TestCloud.start();
    await cloud.goDown();
    demo = await startDemoFusebox({
      webRoot,
      appendYaml: `\nupstream:\n  url: "${cloud.url}/{stationId}"\n  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }\n  stations:\n    - { id: van-5, enabled: false }\n`,
    });
    chromium = await launchChromium();
    context = await chromium.browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await loginAsDemo(page, demo.url);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    await cloud?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const cloudLine = (stationId: string) =>
    page.locator(`li.station[data-station="${stationId}"] [data-testid="upstream"]`);

  type Api = { stations: { stationId: string; state: string; queueDepth: number }[] };
  const upstream = async (): Promise<Api> =>
    (await (await page.request.get(`${demo!.url}/api/v1/upstream`)).json()) as Api;

  it('shows the outage and the queue, then the link back with the last relay', async () => {
    await page.getByRole('link', { name: 'Stations' }).click();
    await page.getByRole('heading', { name: 'Stations' }).waitFor();

    await expect
      .poll(() => cloudLine('office-a1').textContent(), { timeout: 30_000 })
      .toMatch(/Cloud: outage since \S+/);
    expect(await cloudLine('van-5').textContent()).toMatch(/Cloud: not relayed/);

    // A station whose transaction messages are queued shows how many and the age of the oldest.
    let queued: string | undefined;
    await expect
      .poll(
        async () => {
          queued = (await upstream()).stations.find((s) => s.queueDepth > 0)?.stationId;
          return queued;
        },
        { timeout: 60_000 },
      )
      .toBeDefined();
    await expect
      .poll(() => cloudLine(queued!).textContent(), { timeout: 30_000 })
      .toMatch(/\d+ queued, oldest \d+ (s|min)/);

    cloud!.up();
    await expect
      .poll(async () => (await upstream()).stations.find((s) => s.stationId === 'office-a1')?.state, {
        timeout: 60_000,
      })
      .toBe('connected');
    await expect
      .poll(() => cloudLine('office-a1').textContent(), { timeout: 30_000 })
      .toMatch(/Cloud: connected · last relay \S+/);
  }, 180_000);
});
