/**
 * The local authorization list page in a real Chromium against a real Fusebox on the demo site: add an id tag
 * with an expiry and a parent, see it listed, block one, remove one; a wrong id tag gets the API's error.
 */

import { describe, expect, it } from 'vitest';
import { toLocalInput } from './app/format.ts';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';

describe('local authorization list in Chromium', () => {
  const ui = dashboardPerFile();

  const rows = () => ui.page.getByTestId('local-list').locator('tbody tr');
  const tagsShown = async () => rows().locator('td.id-tag').allTextContents();

  it('adds, blocks and removes id tags; the list and the API agree', async () => {
    await ui.page.getByRole('link', { name: 'Id tags' }).click();
    await ui.page.getByRole('heading', { name: 'Local authorization list' }).waitFor();
    await ui.page.getByText('No id tag on the list.').waitFor();

    const until = new Date(Date.now() + 30 * 86_400_000);
    until.setSeconds(0, 0);
    await ui.page.getByLabel('Id tag', { exact: true }).fill('CARD-0001');
    await ui.page.getByLabel('Expires').fill(toLocalInput(until));
    await ui.page.getByLabel('Parent id tag').fill('FLEET-A');
    await ui.page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0001']);
    expect(await rows().first().textContent()).toContain('FLEET-A');

    await ui.page.getByLabel('Id tag', { exact: true }).fill('CARD-0002');
    await ui.page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0001', 'CARD-0002']);

    await ui.page.getByRole('button', { name: 'Block CARD-0002' }).click();
    await expect.poll(() => rows().nth(1).locator('td.status').textContent()).toBe('Blocked');

    await ui.page.getByRole('button', { name: 'Remove CARD-0001' }).click();
    await expect.poll(tagsShown).toEqual(['CARD-0002']);

    const api = (await (await ui.page.request.get(`${ui.demo.url}/api/v1/local-list`)).json()) as {
      version: number;
      items: { idTag: string; status: string }[];
    };
    expect(api.items).toEqual([expect.objectContaining({ idTag: 'CARD-0002', status: 'Blocked' })]);
    expect(api.version).toBe(4);
    expect(await ui.page.getByTestId('local-list-version').textContent()).toContain('4');
  });

  it('shows the API error for an id tag that is too long, and keeps what was typed', async () => {
    await ui.page.goto(`${ui.demo.url}/#/id-tags`);
    await ui.page.getByLabel('Id tag', { exact: true }).fill('X'.repeat(21));
    await ui.page.getByRole('button', { name: 'Add id tag' }).click();
    await expect.poll(() => ui.page.getByRole('alert').textContent()).toMatch(/idTag.*20 characters/);
    expect(await ui.page.getByLabel('Id tag', { exact: true }).inputValue()).toBe('X'.repeat(21));
  });
});
