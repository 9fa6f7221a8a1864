/**
 * The Plan view in a real Chromium against a real Fusebox on the demo site with the planner on: the plan
 * comes from the worker, the view shows it in force, the expected load per slot against the demand target
 * with price bands, per planned session whether its need is met by its departure, and the demo's battery's
 * planned power per slot.
 */
import { describe, expect, it } from 'vitest';
import { loginAsDemo } from './testing/demo-dashboard.ts';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';

describe('the Plan view in Chromium', () => {
  const ui = dashboardPerFile({ demo: { planner: true }, page: false, timeoutMs: 180_000 });

  it('shows the plan in force: load against the target per slot, price bands, sessions met by departure', async () => {
    const context = await ui.browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await loginAsDemo(page, ui.demo.url);
    // The first plan needs the cars' stated departures and a solve in the worker: wait for it through the API.
    const deadline = Date.now() + 150_000;
    interface Body {
      active: boolean;
      sessions: { portId: string; met: boolean }[];
      reason: string | null;
      battery: { batteryId: string } | null;
    }
    let body = null as Body | null;
    while (Date.now() < deadline) {
      body = (await (await page.request.get(`${ui.demo.url}/api/v1/plan`)).json()) as Body;
      if (body?.active && body.sessions.length > 0 && body.battery) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(body?.active, body?.reason ?? '').toBe(true);
    await page.goto(`${ui.demo.url}/#/plan`);
    await page.getByRole('link', { name: 'Plan' }).click();
    await expect
      .poll(() => page.getByTestId('plan-status').textContent(), { timeout: 60_000 })
      .toMatch(/^In force/);
    const slots = page.getByTestId('plan-chart').locator('.plan-slot');
    // One column per slot until the last planned departure (the demo's cars leave within the hour).
    expect(await slots.count()).toBeGreaterThan(0);
    expect(await slots.first().getAttribute('data-price-band')).toMatch(/^(low|mid|high)$/);
    const rows = page.getByTestId('plan-sessions').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const met = await page.getByTestId('plan-met').allTextContents();
    for (const m of met) expect(m).toMatch(/^(yes|no: .* short)$/);
    // The demo's battery (examples/demo.yaml, commanded): its planned power per slot, one column per slot.
    expect(body?.battery?.batteryId).toBe('site-battery');
    const battery = page.getByTestId('plan-battery');
    await expect
      .poll(() => battery.locator('h3').textContent(), { timeout: 60_000 })
      .toBe('Battery site-battery');
    expect(await page.getByTestId('plan-battery-now').textContent()).toMatch(/^Planned for this slot: /);
    const bslots = battery.locator('.plan-battery-slot');
    expect(await bslots.count()).toBe(await slots.count());
    const kw = Number(await bslots.first().getAttribute('data-battery-kw'));
    expect(Math.abs(kw)).toBeLessThanOrEqual(30 + 1e-6);
    expect(await bslots.first().getAttribute('title')).toMatch(/ % after$/);
    await context.close();
  }, 300_000);
});
