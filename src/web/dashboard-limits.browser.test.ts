/**
 * The dashboard's limits view in a real Chromium against a real Fusebox running the demo site: an override
 * the allocation follows, and a weekly schedule drawn on the grid.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useDemoDashboard } from './testing/dashboard-fixture.ts';
import { toLocalInput } from './app/format.ts';

/** Sum of the "Limit" column (allocated A) over the port table's rows. */
async function allocatedSum(page: Page): Promise<number> {
  const cells = await page.locator('[data-testid=port-table] tbody tr td.strong').allTextContents();
  return cells.reduce((sum, t) => sum + (Number.parseFloat(t) || 0), 0);
}

/** Highest per-phase current the allocation lets row-a's ports draw (from the allocation, not the meters). */
async function rowAPhaseLoadMax(page: Page, url: string): Promise<number> {
  const site = (await (await page.request.get(`${url}/api/v1/site`)).json()) as {
    ports: { id: string; circuitId: string; phases: string }[];
  };
  const ports = (await (await page.request.get(`${url}/api/v1/ports`)).json()) as {
    ports: { id: string; limitA: number; measuredA: (number | null)[] }[];
  };
  const perPhase = [0, 0, 0];
  for (const p of ports.ports) {
    const port = site.ports.find((s) => s.id === p.id);
    if (port?.circuitId !== 'row-a' || p.limitA <= 0) continue;
    // A car draws on the conductors where it is measured (all of them before the first measurement);
    // the port's wiring (e.g. L2L3L1) says which circuit phase each conductor is on.
    const circuitPhase = (port.phases.match(/L[123]/g) ?? []).map((ph) => Number(ph[1]) - 1);
    const drawing = p.measuredA.map((a) => a !== null && a > 0.5);
    const on = drawing.some(Boolean) ? drawing : drawing.map(() => true);
    on.forEach((yes, conductor) => {
      const phase = circuitPhase[conductor];
      if (yes && phase !== undefined) perPhase[phase] = perPhase[phase]! + p.limitA;
    });
  }
  return Math.max(...perPhase);
}

describe('dashboard limits view in Chromium on the demo site', () => {
  const fx = useDemoDashboard();

  it('lowers row-a with an override and the allocation follows within seconds', async () => {
    await fx.page.goto(`${fx.demo.url}/#/ports`);
    await fx.page.getByLabel('Show').selectOption('row-a');
    await expect.poll(() => allocatedSum(fx.page), { timeout: 20_000 }).toBeGreaterThan(12);

    await fx.page.goto(`${fx.demo.url}/#/limits/row-a`);
    const form = fx.page.getByRole('form', { name: 'New override' });
    // The API's refusal is shown next to the form, in its words (an end time in the past).
    await form.getByLabel('Limit (A)').fill('12');
    await form.getByLabel('Until').fill('2020-01-01T10:00');
    await form.getByRole('button', { name: 'Add override' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/until/);
    await form.getByLabel('Until').fill(toLocalInput(new Date(Date.now() + 3_600_000)));
    await form.getByLabel('Limit (A)').fill('12');
    await form.getByLabel('Reason').fill('browser test');
    const added = Date.now();
    await form.getByRole('button', { name: 'Add override' }).click();
    const overrides = fx.page.getByTestId('overrides');
    await overrides.getByText('browser test').waitFor({ timeout: 10_000 });
    await expect
      .poll(() => fx.page.getByTestId('circuit-limit-source').textContent(), { timeout: 10_000 })
      .toMatch(/override/);

    await fx.page.goto(`${fx.demo.url}/#/ports`);
    await fx.page.getByLabel('Show').selectOption('row-a');
    // The override binds per phase, not on the sum of port limits: the demo's cars draw on one, two or three
    // phases (rotated wiring), so four single-phase cars at 6 A fit 12 A. Check the allocation's load on
    // each phase of row-a (what the ports are allowed to draw) against the 12 A.
    await expect
      .poll(() => rowAPhaseLoadMax(fx.page, fx.demo.url), { timeout: 10_000, interval: 250 })
      .toBeLessThanOrEqual(12.001);
    expect(Date.now() - added).toBeLessThan(15_000);

    // An edit with a stale version is refused with a clear conflict next to the form.
    const list = await fx.api<{ items: { id: number; version: number }[] }>(`/api/v1/overrides`);
    const o = list.items[0]!;
    const bumped = await fx.page.request.put(`${fx.demo.url}/api/v1/overrides/${o.id}`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: {
        circuitId: 'row-a',
        limitA: 10,
        until: new Date(Date.now() + 3_600_000).toISOString(),
        version: o.version,
      },
    });
    expect(bumped.status()).toBe(200);
    await fx.page.goto(`${fx.demo.url}/#/limits/row-a`);
    await overrides.getByRole('button', { name: `Edit override ${o.id}` }).click();
    // Someone else edits while this form is open.
    await fx.page.request.put(`${fx.demo.url}/api/v1/overrides/${o.id}`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: {
        circuitId: 'row-a',
        limitA: 11,
        until: new Date(Date.now() + 3_600_000).toISOString(),
        version: o.version + 1,
      },
    });
    await overrides.getByRole('button', { name: 'Save override' }).click();
    await expect
      .poll(() => overrides.locator('.conflict').textContent(), { timeout: 10_000 })
      .toMatch(/Conflict/);

    // Reload shows their version; deleting it gives row-a its static limit back.
    await overrides.getByRole('button', { name: 'Reload overrides' }).click();
    await overrides.getByRole('button', { name: `Delete override ${o.id}` }).click();
    await expect
      .poll(() => overrides.locator(`[data-override="${o.id}"]`).count(), { timeout: 10_000 })
      .toBe(0);
    await expect
      .poll(() => fx.page.getByTestId('circuit-limit-source').textContent(), { timeout: 10_000 })
      .toBe('static limit');
  });

  it('adds a weekly schedule by dragging over the grid and with the keyboard', async () => {
    await fx.page.goto(`${fx.demo.url}/#/limits/row-b`);
    const editor = fx.page.getByTestId('schedule-editor');
    await editor.waitFor();
    await editor.getByLabel('Paint limit (A)').fill('30');
    const from = editor.locator('[data-day="0"][data-hour="8"]');
    const to = editor.locator('[data-day="4"][data-hour="17"]');
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await fx.page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await fx.page.mouse.down();
    await fx.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    await fx.page.mouse.up();
    expect(await editor.locator('td.cell.set').count()).toBe(5 * 10);
    // The keyboard does the same: Enter sets the focused hour, Shift+arrow sets as it moves.
    await editor.locator('[data-day="5"][data-hour="0"]').focus();
    await fx.page.keyboard.press('Enter');
    await fx.page.keyboard.press('Shift+ArrowDown');
    expect(await editor.locator('td.cell.set').count()).toBe(5 * 10 + 2);
    expect(await editor.locator('[data-day="5"][data-hour="1"]').getAttribute('aria-label')).toBe(
      'sat 01:00 to 02:00: 30 A',
    );
    await editor.getByRole('button', { name: 'Create schedule' }).click();
    await editor.getByText(/Saved/).waitFor({ timeout: 10_000 });
    const saved = await fx.api<{
      items: { circuitId: string; weekly: { days: string[]; from: string; to: string; limitA?: number }[] }[];
    }>(`/api/v1/schedules`);
    const rowB = saved.items.find((s) => s.circuitId === 'row-b');
    expect(rowB?.weekly).toEqual([
      expect.objectContaining({ days: ['sat'], from: '00:00', to: '02:00', limitA: 30 }),
      expect.objectContaining({
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        from: '08:00',
        to: '18:00',
        limitA: 30,
      }),
    ]);
  });
});
