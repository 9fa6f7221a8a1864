/**
 * The dashboard in a real Chromium against a real Fusebox running the demo site: log in, the live tree,
 * a port's binding constraint and a car's needs, stopping a session, an uncontrolled station. The limits
 * view is in dashboard-limits.browser.test.ts, sessions, events and access in dashboard-records.browser.test.ts.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useDemoDashboard } from './testing/dashboard-fixture.ts';
import { loginAsDemo } from './testing/demo-dashboard.ts';

/** Values of every phase meter in the tree, in document order. */
async function meterValues(page: Page): Promise<string[]> {
  const meters = await page.getByTestId('circuit-tree').getByRole('meter').all();
  return Promise.all(meters.map(async (m) => (await m.getAttribute('aria-valuenow')) ?? ''));
}

describe('dashboard in Chromium on the demo site', () => {
  const fx = useDemoDashboard();

  it('shows the demo account on the login page, refuses a wrong password and logs in as demo/demo', async () => {
    // Its own context: the other tests' context is logged in already (beforeAll).
    const fresh = await fx.browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const p = await fresh.newPage();
      await p.goto(fx.demo.url);
      await expect.poll(() => p.getByTestId('demo-hint').textContent()).toMatch(/demo.*demo/);
      await p.getByLabel('Username').fill('demo');
      await p.getByLabel('Password').fill('wrong');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('alert').waitFor();
      expect(await p.getByRole('alert').textContent()).not.toBe('');
      expect(await p.getByTestId('circuit-tree').count()).toBe(0);
      await loginAsDemo(p, fx.demo.url);
      expect(await p.getByRole('status').first().textContent()).toMatch(/Live|Connecting/);
      // Logging out brings the login page back, and the API refuses the old cookie.
      await p.getByRole('button', { name: 'Log out' }).click();
      await p.getByLabel('Password').waitFor();
      expect((await p.request.get(`${fx.demo.url}/api/v1/circuits`)).status()).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  it('draws the circuit tree nested as in the site file, with live values that change without reloading', async () => {
    await fx.page.goto(`${fx.demo.url}/#/`);
    const tree = fx.page.getByTestId('circuit-tree');
    await tree.waitFor();
    // row-a sits in office, which sits in grid.
    expect(await tree.locator('[data-circuit=grid] [data-circuit=office] [data-circuit=row-a]').count()).toBe(
      1,
    );
    expect(await tree.locator('[data-circuit=grid] [data-circuit=carport] [data-circuit=bays]').count()).toBe(
      1,
    );
    await expect
      .poll(async () => (await meterValues(fx.page)).length, { timeout: 10_000 })
      .toBeGreaterThan(10);
    // Power now: the grid meter's import, from the live payload.
    await expect
      .poll(() => fx.page.getByTestId('flows').locator('.flow-grid dd').textContent(), { timeout: 10_000 })
      .toMatch(/^\d+(\.\d)? kW (import|export)$/);
    // No page load happens from here on: the values must change through the live stream.
    let navigations = 0;
    fx.page.on('framenavigated', () => navigations++);
    let circuitGets = 0;
    fx.page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/circuits')) circuitGets++;
    });
    const before = (await meterValues(fx.page)).join(',');
    await expect
      .poll(async () => (await meterValues(fx.page)).join(','), { timeout: 20_000, interval: 500 })
      .not.toBe(before);
    expect(navigations).toBe(0);
    // Live means pushed, not polled.
    expect(circuitGets).toBe(0);
    expect(
      await fx.page.getByRole('meter', { name: 'L1 load' }).first().getAttribute('aria-valuetext'),
    ).toMatch(/L1: .* A of .* A.*headroom/);
  });

  it('opens a charging port and shows its binding constraint as the API explains it', async () => {
    await fx.page.goto(`${fx.demo.url}/#/ports`);
    const charging = fx.page.locator('[data-testid=port-table] tbody tr', {
      has: fx.page.locator('.state-charging'),
    });
    await charging.first().waitFor({ timeout: 20_000 });
    const portId = (await charging.first().getAttribute('data-port'))!;
    await charging.first().getByRole('link').first().click();
    const detail = fx.page.getByTestId('port-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('port-id').textContent()).toBe(portId);
    expect(await detail.getByRole('heading', { name: 'Binding constraint' }).count()).toBe(1);
    // The reason shown is the API's reason for this port (both follow the same control run).
    await expect
      .poll(async () => {
        const api = await fx.api<{ reason: string }>(`/api/v1/ports/${encodeURIComponent(portId)}`);
        return (
          (await fx.page.getByTestId('binding-reason').textContent()) === api.reason && api.reason !== ''
        );
      })
      .toBe(true);
  });

  it('shows when a 2.0.1 car leaves and what it needs, stated by the car, and its urgency in the reason', async () => {
    // The demo runs in deadline mode and its cars on 2.0.1 stations state their departure and energy.
    type Port = { id: string; reason: string; session: { departureSource?: string | null } | null };
    let portId = '';
    await expect
      .poll(
        async () => {
          const r = await fx.api<{ ports: Port[] }>(`/api/v1/ports`);
          const p = r.ports.find((x) => x.session?.departureSource === 'car' && /leaves/.test(x.reason));
          portId = p?.id ?? '';
          return portId;
        },
        { timeout: 30_000, interval: 500 },
      )
      .not.toBe('');
    await fx.page.goto(`${fx.demo.url}/#/ports`);
    const row = fx.page.locator(`[data-testid=port-table] tr[data-port="${portId}"]`);
    await expect.poll(() => row.getByTestId('leaves').textContent()).toMatch(/\d\d:\d\d car$/);
    await fx.page.goto(`${fx.demo.url}/#/ports/${encodeURIComponent(portId)}`);
    const detail = fx.page.getByTestId('port-detail');
    await expect
      .poll(() => detail.getByTestId('departure').textContent(), { timeout: 10_000 })
      .toMatch(/^Leaves at (\d{1,2} \w{3} )?\d\d:\d\d \(stated by the car\)/);
    expect(await detail.getByTestId('energy-need').textContent()).toMatch(
      /^(Needs \d+\.\d kWh more of \d+\.\d kWh|Has its \d+\.\d kWh)$/,
    );
    await expect
      .poll(() => detail.getByTestId('binding-reason').textContent())
      .toMatch(/(least laxity first: leaves \S+( \d\d:\d\d)?, needs [\d.]+ kWh|has its energy, leaves)/);
  });

  it('stops a session from the port panel and shows the station answer next to the button', async () => {
    await fx.page.goto(`${fx.demo.url}/#/ports`);
    const charging = fx.page.locator('[data-testid=port-table] tbody tr', {
      has: fx.page.locator('.state-charging'),
    });
    await charging.first().waitFor({ timeout: 20_000 });
    const portId = (await charging.last().getAttribute('data-port'))!;
    // What the simulated station reports going wrong meanwhile (e.g. a stop message it could not send).
    const stationErrors: string[] = [];
    const onError = (err: unknown): void => void stationErrors.push(String(err));
    for (const st of fx.demo.demo.stations) st.on('error', onError);
    try {
      await fx.page.goto(`${fx.demo.url}/#/ports/${encodeURIComponent(portId)}`);
      const detail = fx.page.getByTestId('port-detail');
      fx.page.once('dialog', (d) => void d.accept());
      await detail.getByRole('button', { name: `Remote stop on ${portId}` }).click();
      await expect
        .poll(() => detail.getByRole('status').textContent(), { timeout: 30_000 })
        .toMatch(/Accepted/);
      // The session ends: the live state leaves "charging" without a reload.
      await expect
        .poll(() => detail.locator('.state').first().textContent(), { timeout: 30_000 })
        .not.toBe('Charging');
    } catch (err) {
      // It failed twice in 20 loaded runs (session 8) without a cause found: say what each side saw.
      const seen = await stopDiagnostics(portId, stationErrors).catch(
        (e: unknown) => `(no diagnostics: ${String(e)})`,
      );
      throw new Error(`${String(err)}\n${seen}`, { cause: err });
    } finally {
      for (const st of fx.demo.demo.stations) st.off('error', onError);
    }
  });

  /** The API's port, the simulated station's connector and the port's recent events, as text. */
  async function stopDiagnostics(portId: string, stationErrors: readonly string[]): Promise<string> {
    const api = await fx.api<unknown>(`/api/v1/ports/${encodeURIComponent(portId)}`);
    const events = await fx.api<{ items: { portId?: string | null; stationId?: string | null }[] }>(
      `/api/v1/events?limit=200`,
    );
    const sp = fx.demo.loaded.site.ports.find((p) => p.id === portId);
    const st = fx.demo.demo.stations.find((s) => s.stationId === sp?.stationId);
    const conn = st && sp ? st.port(sp.connectorId) : undefined;
    const sim = conn && { status: conn.status, tx: conn.tx, car: conn.car !== undefined };
    return [
      `API port: ${JSON.stringify(api)}`,
      `simulated connector: ${JSON.stringify(sim)}, connected ${String(st?.connected)}`,
      `station errors: ${JSON.stringify(stationErrors)}`,
      `events: ${JSON.stringify(events.items.filter((e) => e.portId === portId || e.stationId === sp?.stationId).slice(0, 20))}`,
    ].join('\n');
  }

  // Last: it leaves a demo station refusing its profiles.
  it('marks the ports of a station that refuses its profiles as uncontrolled, and says why', async () => {
    const st = fx.demo.demo.stations[0]!;
    st.refuseProfiles = 'Rejected';
    await st.close();
    await st.connect(); // it boots again: its fail-safe defaults are sent, and refused
    await fx.page.goto(`${fx.demo.url}/#/ports`);
    const row = fx.page.locator(`[data-testid=port-table] tbody tr`, {
      has: fx.page.getByTestId('uncontrolled'),
    });
    await row.first().waitFor({ timeout: 20_000 });
    const portId = (await row.first().getAttribute('data-port'))!;
    const api = await fx.api<{ stationId: string; uncontrolled: { reason: string } | null }>(
      `/api/v1/ports/${encodeURIComponent(portId)}`,
    );
    expect(api.stationId).toBe(st.stationId);
    expect(api.uncontrolled?.reason).toBe('rejected');
    expect(await row.first().getByTestId('uncontrolled').getAttribute('title')).toMatch(
      /^station rejects its charging profiles \(station answered Rejected\)/,
    );
    await fx.page.goto(`${fx.demo.url}/#/ports/${encodeURIComponent(portId)}`);
    await expect
      .poll(() => fx.page.getByTestId('uncontrolled-detail').textContent(), { timeout: 10_000 })
      .toMatch(/^Uncontrolled: station rejects its charging profiles/);
  });
});
