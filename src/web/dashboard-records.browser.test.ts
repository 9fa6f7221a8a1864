/**
 * The dashboard's records and access in a real Chromium against a real Fusebox running the demo site: the
 * sessions CSV, the events list, a viewer's read-only views, a phone's width.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useDemoDashboard } from './testing/dashboard-fixture.ts';
import { hashStationPassword } from '../ocpp/password-hash.ts';

describe('dashboard records and access in Chromium on the demo site', () => {
  const fx = useDemoDashboard();

  it('exports the sessions as CSV with the filters applied', async () => {
    await fx.page.goto(`${fx.demo.url}/#/sessions`);
    await fx.page.getByTestId('sessions-table').waitFor();
    await fx.page.getByLabel('Status').selectOption('true');
    const link = fx.page.getByRole('link', { name: 'Export CSV' });
    expect(await link.getAttribute('href')).toContain('active=true');
    const activeTotal = async () =>
      (await fx.api<{ total: number }>(`/api/v1/sessions?active=true&limit=1`)).total;
    const before = await activeTotal();
    const [download] = await Promise.all([fx.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('sessions.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    const after = await activeTotal();
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/portId/i);
    // Cars may arrive or leave meanwhile: the file has what was active when it was made.
    expect(before).toBeGreaterThan(0);
    expect(lines.length - 1).toBeGreaterThanOrEqual(Math.min(before, after));
    expect(lines.length - 1).toBeLessThanOrEqual(Math.max(before, after));
    // Every row is an active session: its stoppedAt column is empty.
    const header = lines[0]!.split(',');
    const stopped = header.indexOf('stoppedAt');
    expect(stopped).toBeGreaterThanOrEqual(0);
    for (const line of lines.slice(1)) expect(line.split(',')[stopped]).toBe('');
  });

  it('lists events and adds new ones at the top as they happen', async () => {
    await fx.page.goto(`${fx.demo.url}/#/events`);
    const events = fx.page.getByTestId('events');
    await events.locator('li').first().waitFor();
    let navigations = 0;
    fx.page.on('framenavigated', () => navigations++);
    const made = await fx.page.request.post(`${fx.demo.url}/api/v1/overrides`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: { circuitId: 'carport', limitA: 50, until: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(made.status()).toBe(201);
    await expect
      .poll(() => events.locator('li').first().textContent(), { timeout: 30_000 })
      .toMatch(/audit.*carport/);
    expect(navigations).toBe(0);
    await fx.page.getByLabel('Kind').fill('audit');
    await expect
      .poll(async () => (await events.locator('li .kind').allTextContents()).every((k) => k === 'audit'))
      .toBe(true);
  });

  it('shows a viewer every view without the controls that change things, and the login page once the session is gone', async () => {
    await fx.demo.fusebox.store.api.accounts.add(
      'watcher',
      await hashStationPassword('watcher-pass'),
      'viewer',
    );
    const viewer = await fx.browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const p = await viewer.newPage();
      await p.goto(fx.demo.url);
      await p.getByLabel('Username').fill('watcher');
      await p.getByLabel('Password').fill('watcher-pass');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByTestId('circuit-tree').waitFor();
      expect(await p.getByText('watcher (viewer)').count()).toBe(1);
      await p.goto(`${fx.demo.url}/#/limits/row-a`);
      await p.getByTestId('overrides').waitFor();
      expect(await p.getByRole('button', { name: 'Add override' }).count()).toBe(0);
      // The schedule editor loads its schedules on its own: wait for it rather than count at once.
      await expect.poll(() => p.getByText('Read-only: operators can change schedules.').count()).toBe(1);
      await p.goto(`${fx.demo.url}/#/stations`);
      await p.locator('[data-station]').first().waitFor();
      expect(await p.getByRole('button', { name: /Remote start|reset/ }).count()).toBe(0);
      // A write the API refuses anyway (403) for this role.
      const refused = await p.request.post(`${fx.demo.url}/api/v1/overrides`, {
        headers: { 'x-fusebox-csrf': '1' },
        data: { circuitId: 'row-a', limitA: 10, until: new Date(Date.now() + 3_600_000).toISOString() },
      });
      expect(refused.status()).toBe(403);
      // The session disappears (expired, or logged out elsewhere): the next view goes back to the login page.
      await viewer.clearCookies();
      await p.goto(`${fx.demo.url}/#/sessions`);
      await p.getByLabel('Password').waitFor();
    } finally {
      await viewer.close();
    }
  });

  it('fits a 390 px phone without sideways scrolling, and every control has an accessible name', async () => {
    const phone = await fx.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      storageState: await fx.context.storageState(),
    });
    try {
      const p = await phone.newPage();
      for (const view of ['', 'ports', 'sessions', 'events', 'limits/row-a', 'stations']) {
        await p.goto(`${fx.demo.url}/#/${view}`);
        await p.locator('main h2:visible').first().waitFor();
        await p.waitForTimeout(300);
        const width = await p.evaluate<number>('document.documentElement.scrollWidth');
        expect(width, `#/${view} is wider than the phone`).toBeLessThanOrEqual(390);
        const tree = await p.locator('body').ariaSnapshot();
        const unnamed = tree
          .split('\n')
          .filter((l) => /^\s*- (button|textbox|combobox|checkbox|spinbutton|link)\s*(:|$)/.test(l));
        expect(unnamed, `#/${view} has controls without a name`).toEqual([]);
      }
    } finally {
      await phone.close();
    }
  });
});
