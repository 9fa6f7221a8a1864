/**
 * The dashboard in French and English in a real Chromium against a real Fusebox on the demo site: a French
 * browser gets French labels and French number and date formats; the language switch turns it English, and
 * the choice survives a reload.
 */

import { describe, expect, it } from 'vitest';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';

/** Text with no-break spaces (Intl's French separators) as plain spaces. */
const plain = (s: string | null): string => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');

describe('the dashboard in French and English', () => {
  const ui = dashboardPerFile({ context: { locale: 'fr-FR' }, login: false });

  it('logs in and shows the overview in French with French numbers', async () => {
    await ui.page.goto(ui.demo.url);
    expect(await ui.page.locator('html').getAttribute('lang')).toBe('fr');
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Connexion' }).count()).toBe(1);
    await ui.page.getByLabel('Nom d’utilisateur').fill('demo');
    await ui.page.getByLabel('Mot de passe').fill('demo');
    await ui.page.getByRole('button', { name: 'Se connecter' }).click();
    await ui.page.getByTestId('circuit-tree').waitFor({ timeout: 15_000 });
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Puissance actuelle' }).count()).toBe(1);
    await expect.poll(() => ui.page.getByRole('link', { name: 'Vue d’ensemble' }).count()).toBe(1);
    await expect.poll(() => ui.page.getByRole('button', { name: 'Se déconnecter' }).count()).toBe(1);
    // The site file's circuit kinds are words too: the demo's root is the grid connection.
    expect(await ui.page.locator('[data-circuit] .circuit-head .kind').first().textContent()).toBe('réseau');
    // Power in kW with a decimal comma: "12,3 kW" (or a whole number from 100 kW up).
    const flows = plain(await ui.page.getByTestId('flows').textContent());
    expect(flows).toContain('Réseau');
    expect(flows).toMatch(/\d+(,\d)? kW/);
    expect(flows).not.toMatch(/\d\.\d kW/);
    // "à 5 déc. 2026, 10:32": French day, abbreviated month, year, 24-hour clock.
    await expect
      .poll(async () => plain(await ui.page.getByTestId('updated-at').textContent()))
      .toMatch(/^à \d{1,2} [a-zéû]+\.? \d{4}(,| à) \d\d:\d\d$/);
  });

  it('shows the ports table in French with decimal commas and a translated binding kind', async () => {
    await ui.page.goto(`${ui.demo.url}/#/ports`);
    const table = ui.page.getByTestId('port-table');
    await expect.poll(() => table.getByRole('columnheader', { name: 'État' }).count()).toBe(1);
    await expect.poll(() => table.getByRole('columnheader', { name: 'Durée' }).count()).toBe(1);
    await expect
      .poll(async () => plain((await table.locator('tbody td.strong').allTextContents()).join(' ')))
      .toMatch(/\d+,\d A/);
    // A charging port's detail: its binding constraint kind in French.
    const charging = table.locator('tbody tr', { has: ui.page.locator('.state-charging') }).first();
    await charging.getByRole('link').click();
    const detail = ui.page.getByTestId('port-detail');
    await expect.poll(() => detail.getByText('Contrainte limitante').count()).toBe(1);
    await expect
      .poll(async () => plain(await detail.locator('.binding-parts').textContent()))
      .toMatch(/^Type : /);
  });

  it('shows the events with French dates', async () => {
    await ui.page.goto(`${ui.demo.url}/#/events`);
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Événements' }).count()).toBe(1);
    await expect
      .poll(async () => plain(await ui.page.getByTestId('events').locator('time').first().textContent()))
      .toMatch(/^\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.? \d{4}(,| à) \d\d:\d\d$/);
  });

  it('fits a 390 px phone in French (longer words) without sideways scrolling', async () => {
    const phone = await ui.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'fr-FR',
      storageState: await ui.context.storageState(),
    });
    try {
      const p = await phone.newPage();
      for (const view of ['', 'ports', 'sessions', 'events', 'limits/row-a', 'stations', 'id-tags']) {
        await p.goto(`${ui.demo.url}/#/${view}`);
        await p.locator('main h2:visible').first().waitFor();
        await expect.poll(() => p.locator('html').getAttribute('lang')).toBe('fr');
        await p.waitForTimeout(300);
        const width = await p.evaluate<number>('document.documentElement.scrollWidth');
        expect(width, `#/${view} is wider than the phone`).toBeLessThanOrEqual(390);
      }
    } finally {
      await phone.close();
    }
  });

  it('switches to English with the language switch and stays English after a reload', async () => {
    await ui.page.goto(`${ui.demo.url}/#/`);
    await ui.page.getByLabel('Langue').selectOption('en');
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Power now' }).count()).toBe(1);
    expect(await ui.page.locator('html').getAttribute('lang')).toBe('en');
    await ui.page.reload();
    await ui.page.getByTestId('circuit-tree').waitFor({ timeout: 15_000 });
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Power now' }).count()).toBe(1);
    await expect.poll(() => ui.page.getByRole('link', { name: 'Overview' }).count()).toBe(1);
    const flows = plain(await ui.page.getByTestId('flows').textContent());
    expect(flows).toMatch(/\d+(\.\d)? kW/);
    expect(flows).not.toMatch(/\d,\d kW/);
    expect(await ui.page.getByLabel('Language').inputValue()).toBe('en');
  });
});
