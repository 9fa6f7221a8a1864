/**
 * The local authorization list page in a real Chromium against a real Fusebox on the demo site: add an id tag
 * with an expiry and a parent, see it listed, block one, remove one; a wrong id tag gets the API's error.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toLocalInput } from './app/format.ts';
import type { RunningDemo } from './testing/demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './testing/demo-dashboard.ts';

describe('local authorization list in Chromium', () => {
  let demo: RunningDemo | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext;
  let page: Page;
  let webRoot: string | undefined;

  beforeAll(async () => {
    webRoot = await buildDashboard();
    demo = await startDemoFusebox({ webRoot });
    chromium = await launchChromium();
    context = await chromium.browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await loginAsDemo(page, demo.url);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const rows = () => page.getByTestId('local-list').locator('tbody tr');
  const tagsShown = async () => rows().locator('td.id-tag').allTextContents();

  it('adds, blocks and removes id tags; the list and the API agree', async () => {
    await page.getByRole('link', { name: 'Id tags' }).click();
    await page.getByRole('heading', { name: 'Local authorization list' }).waitFor();
    await page.getByText('No id tag on the list.').waitFor();

    const until = new Date(Date.now() + 30 * 86_400_000);
    until.setSeconds(0, 0);
    await page.getByLabel('Id tag', { exact: true }).fill('CARD-0001');
    await page.getByLabel('Expires').fill(toLocalInput(until));
    await page.getByLabel('Parent id tag').fill('FLEET-A');
    await page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0001']);
    expect(await rows().first().textContent()).toContain('FLEET-A');

    await page.getByLabel('Id tag', { exact: true }).fill('CARD-0002');
    await page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0001', 'CARD-0002']);

    await page.getByRole('button', { name: 'Block CARD-0002' }).click();
    await expect.poll(() => rows().nth(1).locator('td.status').textContent()).toBe('Blocked');

    await page.getByRole('button', { name: 'Remove CARD-0001' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0002']);

    const api = (await (await page.request.get(`${demo!.url}/api/v1/local-list`)).json()) as {
      version: number;
      items: { idTag: string; status: string }[];
    };
    expect(api.items).toEqual([expect.objectContaining({ idTag: 'CARD-0002', status: 'Blocked' })]);
    expect(api.version).toBe(4);
    expect(await page.getByTestId('local-list-version').textContent()).toContain('4');
  });

  it('shows the API error for an id tag that is too long, and keeps what was typed', async () => {
    await page.goto(`${demo!.url}/#/id-tags`);
    await page.getByLabel('Id tag', { exact: true }).fill('X'.repeat(21));
    await page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/idTag.*20 characters/);
    expect(await page.getByLabel('Id tag', { exact: true }).inputValue()).toBe('X'.repeat(21));
  });
});
