/**
 * The cloud relay on the stations page (docs/proxy.md, docs/dashboard.md) in a real Chromium against a real
 * Fusebox on the demo site relayed to a test cloud on 127.0.0.1: while the cloud is down each station card
 * shows the outage and its queue, a station left out shows "not relayed", and once the cloud is back the
 * cards show it connected with the last relay.
 */

import { describe, expect, it } from 'vitest';
import { TestCloud } from '../proxy/testing/test-cloud.ts';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';

describe('cloud relay state on the stations page in Chromium', () => {
  let cloud: TestCloud | undefined;
  const ui = dashboardPerFile({
    demo: async () => {
      cloud = await TestCloud.start();
      await cloud.goDown();
      return {
        appendYaml: `\nupstream:\n  url: "${cloud.url}/{stationId}"\n  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }\n  stations:\n    - { id: van-5, enabled: false }\n`,
      };
    },
    after: async () => {
      await cloud?.close();
    },
  });

  const cloudLine = (stationId: string) =>
    ui.page.locator(`li.station[data-station="${stationId}"] [data-testid="upstream"]`);

  type Api = { stations: { stationId: string; state: string; queueDepth: number }[] };
  const upstream = async (): Promise<Api> =>
    (await (await ui.page.request.get(`${ui.demo.url}/api/v1/upstream`)).json()) as Api;

  it('shows the outage and the queue, then the link back with the last relay', async () => {
    await ui.page.getByRole('link', { name: 'Stations' }).click();
    await ui.page.getByRole('heading', { name: 'Stations' }).waitFor();

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
