/**
 * The dashboard in a real Chromium against a real Fusebox running the demo site: log in, live tree, a port's
 * binding constraint, an override the allocation follows, a schedule, the sessions CSV, phone width.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashStationPassword } from '../ocpp/password-hash.ts';
import { toLocalInput } from './app/format.ts';
import type { RunningDemo } from './testing/demo-dashboard.ts';
import { buildDashboard, launchChromium, loginAsDemo, startDemoFusebox } from './testing/demo-dashboard.ts';

/** Values of every phase meter in the tree, in document order. */
async function meterValues(page: Page): Promise<string[]> {
  const meters = await page.getByTestId('circuit-tree').getByRole('meter').all();
  return Promise.all(meters.map(async (m) => (await m.getAttribute('aria-valuenow')) ?? ''));
}

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

describe('dashboard in Chromium on the demo site', () => {
  let demo: RunningDemo | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  let webRoot: string | undefined;

  beforeAll(async () => {
    webRoot = await buildDashboard();
    demo = await startDemoFusebox({ webRoot });
    chromium = await launchChromium();
    browser = chromium.browser;
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    // Fail a step after 15 s with its own message rather than at the test's timeout.
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await loginAsDemo(page, demo.url);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.stop();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('shows the demo account on the login page, refuses a wrong password and logs in as demo/demo', async () => {
    // Its own context: the other tests' context is logged in already (beforeAll).
    const fresh = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const p = await fresh.newPage();
      await p.goto(demo!.url);
      await expect.poll(() => p.getByTestId('demo-hint').textContent()).toMatch(/demo.*demo/);
      await p.getByLabel('Username').fill('demo');
      await p.getByLabel('Password').fill('wrong');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('alert').waitFor();
      expect(await p.getByRole('alert').textContent()).not.toBe('');
      expect(await p.getByTestId('circuit-tree').count()).toBe(0);
      await loginAsDemo(p, demo!.url);
      expect(await p.getByRole('status').first().textContent()).toMatch(/Live|Connecting/);
      // Logging out brings the login page back, and the API refuses the old cookie.
      await p.getByRole('button', { name: 'Log out' }).click();
      await p.getByLabel('Password').waitFor();
      expect((await p.request.get(`${demo!.url}/api/v1/circuits`)).status()).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  it('draws the circuit tree nested as in the site file, with live values that change without reloading', async () => {
    await page.goto(`${demo!.url}/#/`);
    const tree = page.getByTestId('circuit-tree');
    await tree.waitFor();
    // row-a sits in office, which sits in grid.
    expect(await tree.locator('[data-circuit=grid] [data-circuit=office] [data-circuit=row-a]').count()).toBe(
      1,
    );
    expect(await tree.locator('[data-circuit=grid] [data-circuit=carport] [data-circuit=bays]').count()).toBe(
      1,
    );
    await expect.poll(async () => (await meterValues(page)).length, { timeout: 10_000 }).toBeGreaterThan(10);
    // Power now: the grid meter's import, from the live payload.
    await expect
      .poll(() => page.getByTestId('flows').locator('.flow-grid dd').textContent(), { timeout: 10_000 })
      .toMatch(/^\d+(\.\d)? kW (import|export)$/);
    // No page load happens from here on: the values must change through the live stream.
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    let circuitGets = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/circuits')) circuitGets++;
    });
    const before = (await meterValues(page)).join(',');
    await expect
      .poll(async () => (await meterValues(page)).join(','), { timeout: 20_000, interval: 500 })
      .not.toBe(before);
    expect(navigations).toBe(0);
    // Live means pushed, not polled.
    expect(circuitGets).toBe(0);
    expect(await page.getByRole('meter', { name: 'L1 load' }).first().getAttribute('aria-valuetext')).toMatch(
      /L1: .* A of .* A.*headroom/,
    );
  });

  it('opens a charging port and shows its binding constraint as the API explains it', async () => {
    await page.goto(`${demo!.url}/#/ports`);
    const charging = page.locator('[data-testid=port-table] tbody tr', {
      has: page.locator('.state-charging'),
    });
    await charging.first().waitFor({ timeout: 20_000 });
    const portId = (await charging.first().getAttribute('data-port'))!;
    await charging.first().getByRole('link').first().click();
    const detail = page.getByTestId('port-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('port-id').textContent()).toBe(portId);
    expect(await detail.getByRole('heading', { name: 'Binding constraint' }).count()).toBe(1);
    // The reason shown is the API's reason for this port (both follow the same control run).
    await expect
      .poll(async () => {
        const api = (await (
          await page.request.get(`${demo!.url}/api/v1/ports/${encodeURIComponent(portId)}`)
        ).json()) as {
          reason: string;
        };
        return (await page.getByTestId('binding-reason').textContent()) === api.reason && api.reason !== '';
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
          const r = (await (await page.request.get(`${demo!.url}/api/v1/ports`)).json()) as { ports: Port[] };
          const p = r.ports.find((x) => x.session?.departureSource === 'car' && /leaves/.test(x.reason));
          portId = p?.id ?? '';
          return portId;
        },
        { timeout: 30_000, interval: 500 },
      )
      .not.toBe('');
    await page.goto(`${demo!.url}/#/ports`);
    const row = page.locator(`[data-testid=port-table] tr[data-port="${portId}"]`);
    await expect.poll(() => row.getByTestId('leaves').textContent()).toMatch(/\d\d:\d\d car$/);
    await page.goto(`${demo!.url}/#/ports/${encodeURIComponent(portId)}`);
    const detail = page.getByTestId('port-detail');
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

  it('lowers row-a with an override and the allocation follows within seconds', async () => {
    await page.goto(`${demo!.url}/#/ports`);
    await page.getByLabel('Show').selectOption('row-a');
    await expect.poll(() => allocatedSum(page), { timeout: 20_000 }).toBeGreaterThan(12);

    await page.goto(`${demo!.url}/#/limits/row-a`);
    const form = page.getByRole('form', { name: 'New override' });
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
    const overrides = page.getByTestId('overrides');
    await overrides.getByText('browser test').waitFor({ timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId('circuit-limit-source').textContent(), { timeout: 10_000 })
      .toMatch(/override/);

    await page.goto(`${demo!.url}/#/ports`);
    await page.getByLabel('Show').selectOption('row-a');
    // The override binds per phase, not on the sum of port limits: the demo's cars draw on one, two or three
    // phases (rotated wiring), so four single-phase cars at 6 A fit 12 A. Check the allocation's load on
    // each phase of row-a (what the ports are allowed to draw) against the 12 A.
    await expect
      .poll(() => rowAPhaseLoadMax(page, demo!.url), { timeout: 10_000, interval: 250 })
      .toBeLessThanOrEqual(12.001);
    expect(Date.now() - added).toBeLessThan(15_000);

    // An edit with a stale version is refused with a clear conflict next to the form.
    const list = (await (await page.request.get(`${demo!.url}/api/v1/overrides`)).json()) as {
      items: { id: number; version: number }[];
    };
    const o = list.items[0]!;
    const bumped = await page.request.put(`${demo!.url}/api/v1/overrides/${o.id}`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: {
        circuitId: 'row-a',
        limitA: 10,
        until: new Date(Date.now() + 3_600_000).toISOString(),
        version: o.version,
      },
    });
    expect(bumped.status()).toBe(200);
    await page.goto(`${demo!.url}/#/limits/row-a`);
    await overrides.getByRole('button', { name: `Edit override ${o.id}` }).click();
    // Someone else edits while this form is open.
    await page.request.put(`${demo!.url}/api/v1/overrides/${o.id}`, {
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
      .poll(() => page.getByTestId('circuit-limit-source').textContent(), { timeout: 10_000 })
      .toBe('static limit');
  });

  it('adds a weekly schedule by dragging over the grid and with the keyboard', async () => {
    await page.goto(`${demo!.url}/#/limits/row-b`);
    const editor = page.getByTestId('schedule-editor');
    await editor.waitFor();
    await editor.getByLabel('Paint limit (A)').fill('30');
    const from = editor.locator('[data-day="0"][data-hour="8"]');
    const to = editor.locator('[data-day="4"][data-hour="17"]');
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    expect(await editor.locator('td.cell.set').count()).toBe(5 * 10);
    // The keyboard does the same: Enter sets the focused hour, Shift+arrow sets as it moves.
    await editor.locator('[data-day="5"][data-hour="0"]').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+ArrowDown');
    expect(await editor.locator('td.cell.set').count()).toBe(5 * 10 + 2);
    expect(await editor.locator('[data-day="5"][data-hour="1"]').getAttribute('aria-label')).toBe(
      'sat 01:00 to 02:00: 30 A',
    );
    await editor.getByRole('button', { name: 'Create schedule' }).click();
    await editor.getByText(/Saved/).waitFor({ timeout: 10_000 });
    const saved = (await (await page.request.get(`${demo!.url}/api/v1/schedules`)).json()) as {
      items: { circuitId: string; weekly: { days: string[]; from: string; to: string; limitA?: number }[] }[];
    };
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

  it('exports the sessions as CSV with the filters applied', async () => {
    await page.goto(`${demo!.url}/#/sessions`);
    await page.getByTestId('sessions-table').waitFor();
    await page.getByLabel('Status').selectOption('true');
    const link = page.getByRole('link', { name: 'Export CSV' });
    expect(await link.getAttribute('href')).toContain('active=true');
    const activeTotal = async () =>
      (
        (await (await page.request.get(`${demo!.url}/api/v1/sessions?active=true&limit=1`)).json()) as {
          total: number;
        }
      ).total;
    const before = await activeTotal();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
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

  it('stops a session from the port panel and shows the station answer next to the button', async () => {
    await page.goto(`${demo!.url}/#/ports`);
    const charging = page.locator('[data-testid=port-table] tbody tr', {
      has: page.locator('.state-charging'),
    });
    await charging.first().waitFor({ timeout: 20_000 });
    const portId = (await charging.last().getAttribute('data-port'))!;
    await page.goto(`${demo!.url}/#/ports/${encodeURIComponent(portId)}`);
    const detail = page.getByTestId('port-detail');
    page.once('dialog', (d) => void d.accept());
    await detail.getByRole('button', { name: `Remote stop on ${portId}` }).click();
    await expect
      .poll(() => detail.getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(/Accepted/);
    // The session ends: the live state leaves "charging" without a reload.
    await expect
      .poll(() => detail.locator('.state').first().textContent(), { timeout: 30_000 })
      .not.toBe('Charging');
  });

  it('lists events and adds new ones at the top as they happen', async () => {
    await page.goto(`${demo!.url}/#/events`);
    const events = page.getByTestId('events');
    await events.locator('li').first().waitFor();
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const made = await page.request.post(`${demo!.url}/api/v1/overrides`, {
      headers: { 'x-fusebox-csrf': '1' },
      data: { circuitId: 'carport', limitA: 50, until: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(made.status()).toBe(201);
    await expect
      .poll(() => events.locator('li').first().textContent(), { timeout: 30_000 })
      .toMatch(/audit.*carport/);
    expect(navigations).toBe(0);
    await page.getByLabel('Kind').fill('audit');
    await expect
      .poll(async () => (await events.locator('li .kind').allTextContents()).every((k) => k === 'audit'))
      .toBe(true);
  });

  it('shows a viewer every view without the controls that change things, and the login page once the session is gone', async () => {
    await demo!.fusebox.store.api.accounts.add(
      'watcher',
      await hashStationPassword('watcher-pass'),
      'viewer',
    );
    const viewer = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const p = await viewer.newPage();
      await p.goto(demo!.url);
      await p.getByLabel('Username').fill('watcher');
      await p.getByLabel('Password').fill('watcher-pass');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByTestId('circuit-tree').waitFor();
      expect(await p.getByText('watcher (viewer)').count()).toBe(1);
      await p.goto(`${demo!.url}/#/limits/row-a`);
      await p.getByTestId('overrides').waitFor();
      expect(await p.getByRole('button', { name: 'Add override' }).count()).toBe(0);
      // The schedule editor loads its schedules on its own: wait for it rather than count at once.
      await expect.poll(() => p.getByText('Read-only: operators can change schedules.').count()).toBe(1);
      await p.goto(`${demo!.url}/#/stations`);
      await p.locator('[data-station]').first().waitFor();
      expect(await p.getByRole('button', { name: /Remote start|reset/ }).count()).toBe(0);
      // A write the API refuses anyway (403) for this role.
      const refused = await p.request.post(`${demo!.url}/api/v1/overrides`, {
        headers: { 'x-fusebox-csrf': '1' },
        data: { circuitId: 'row-a', limitA: 10, until: new Date(Date.now() + 3_600_000).toISOString() },
      });
      expect(refused.status()).toBe(403);
      // The session disappears (expired, or logged out elsewhere): the next view goes back to the login page.
      await viewer.clearCookies();
      await p.goto(`${demo!.url}/#/sessions`);
      await p.getByLabel('Password').waitFor();
    } finally {
      await viewer.close();
    }
  });

  it('fits a 390 px phone without sideways scrolling, and every control has an accessible name', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    try {
      const p = await phone.newPage();
      for (const view of ['', 'ports', 'sessions', 'events', 'limits/row-a', 'stations']) {
        await p.goto(`${demo!.url}/#/${view}`);
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
  // Last: it leaves a demo station refusing its profiles.
  it('marks the ports of a station that refuses its profiles as uncontrolled, and says why', async () => {
    const st = demo!.demo.stations[0]!;
    st.refuseProfiles = 'Rejected';
    await st.close();
    await st.connect(); // it boots again: its fail-safe defaults are sent, and refused
    await page.goto(`${demo!.url}/#/ports`);
    const row = page.locator(`[data-testid=port-table] tbody tr`, {
      has: page.getByTestId('uncontrolled'),
    });
    await row.first().waitFor({ timeout: 20_000 });
    const portId = (await row.first().getAttribute('data-port'))!;
    const api = (await (
      await page.request.get(`${demo!.url}/api/v1/ports/${encodeURIComponent(portId)}`)
    ).json()) as { stationId: string; uncontrolled: { reason: string } | null };
    expect(api.stationId).toBe(st.stationId);
    expect(api.uncontrolled?.reason).toBe('rejected');
    expect(await row.first().getByTestId('uncontrolled').getAttribute('title')).toMatch(
      /^station rejects its charging profiles \(station answered Rejected\)/,
    );
    await page.goto(`${demo!.url}/#/ports/${encodeURIComponent(portId)}`);
    await expect
      .poll(() => page.getByTestId('uncontrolled-detail').textContent(), { timeout: 10_000 })
      .toMatch(/^Uncontrolled: station rejects its charging profiles/);
  });
});
