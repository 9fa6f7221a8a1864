/**
 * The dashboard's demand panel in a real Chromium against a real Fusebox on the demo site with a demand cap:
 * the month's peak, the target and why, and a pinned target showing up without reloading the page.
 */

import { describe, expect, it } from 'vitest';
import { dashboardPerFile } from './testing/dashboard-per-file.ts';
import { tariffYaml } from '../config/testing/tariff-yaml.ts';

const TARIFF = tariffYaml({ name: 'Demo TOU', demand: '{ floorKw: 150 }', demandPerKw: 12.5, perKwh: 0.25 });

describe('the demand panel in Chromium', () => {
  const ui = dashboardPerFile({ demo: { appendYaml: TARIFF } });

  it("shows the month's peak and the target, and follows a pinned target", async () => {
    const panel = ui.page.getByTestId('demand-panel');
    await panel.waitFor();
    await expect
      .poll(() => panel.getByTestId('demand-target').textContent(), { timeout: 15_000 })
      .toMatch(/15\d kW \((floor|the month's peak)/); // the floor, or the peak if a window ended above it meanwhile
    expect(await panel.getByTestId('demand-peak').textContent()).toMatch(/kW/);
    const pinned = await ui.page.request.put(`${ui.demo.url}/api/v1/demand/target`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: { targetKw: 120 },
    });
    expect(pinned.status()).toBe(200);
    await expect
      .poll(() => panel.getByTestId('demand-target').textContent(), { timeout: 30_000 })
      .toMatch(/120(\.0)? kW.*pinned by demo/);
  }, 60_000);
});
