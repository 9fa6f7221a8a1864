/**
 * `npm run screenshots`: the main dashboard views at desktop (1366x900) and phone (390x844) width, against
 * the demo site, into docs/images/dashboard-VIEW-WIDTH.png. An override and a schedule are added first so the
 * limits view and the tree show them.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  REPO_ROOT,
  buildDashboard,
  launchChromium,
  loginAsDemo,
  startDemoFusebox,
} from './demo-dashboard.ts';

const OUT = join(REPO_ROOT, 'docs', 'images');
const VIEWS: { name: string; hash: string; ready: string }[] = [
  { name: 'overview', hash: '', ready: '[data-testid=circuit-tree] [role=meter]' },
  { name: 'ports', hash: 'ports', ready: '[data-port]' },
  { name: 'port-detail', hash: 'ports/office-a1%2F1', ready: '[data-testid=binding-reason]' },
  { name: 'sessions', hash: 'sessions', ready: '[data-testid=sessions-table]' },
  { name: 'events', hash: 'events', ready: '[data-testid=events]' },
  { name: 'limits', hash: 'limits/row-b', ready: '[data-testid=schedule-editor]' },
  { name: 'stations', hash: 'stations', ready: '[data-station]' },
];
const SIZES = [
  { name: 'desktop', width: 1366, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
];

async function seedLimits(page: Page, url: string): Promise<void> {
  const headers = { 'x-fusebox-csrf': '1' };
  const until = new Date(Date.now() + 2 * 3_600_000).toISOString();
  await page.request.post(`${url}/api/v1/overrides`, {
    headers,
    data: { circuitId: 'vans', limitA: 40, until, reason: 'transformer maintenance' },
  });
  await page.request.post(`${url}/api/v1/schedules`, {
    headers,
    data: {
      circuitId: 'row-b',
      name: 'Office hours',
      enabled: true,
      exceptions: [],
      weekly: [
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '18:00', limitA: 32 },
        { days: ['sat', 'sun'], from: '00:00', to: '24:00', limitA: 40 },
      ],
    },
  });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const webRoot = await buildDashboard();
  const demo = await startDemoFusebox({ webRoot });
  const chromium = await launchChromium();
  try {
    const login = await chromium.browser.newContext({ viewport: { width: 1366, height: 900 } });
    const first = await login.newPage();
    await first.goto(demo.url);
    await first.getByTestId('demo-hint').waitFor();
    await first.screenshot({ path: join(OUT, 'dashboard-login-desktop.png') });
    await loginAsDemo(first, demo.url);
    await seedLimits(first, demo.url);
    // Let cars connect and values settle, and the power history record its first minute (for the chart and
    // the "power now" tiles, which come from it).
    await first.waitForTimeout(15_000);
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const h = (await (await first.request.get(`${demo.url}/api/v1/history`)).json()) as {
        series: Record<string, (number | null)[]>;
      };
      if (Object.values(h.series).some((xs) => xs.some((x) => x !== null))) break;
      await first.waitForTimeout(2000);
    }
    // The port detail shows a car that stated its departure and energy (a 2.0.1 one; the demo is in deadline
    // mode), so the picture has them and the urgency in the reason; office-a1/1 if none has yet.
    const detail = VIEWS.find((v) => v.name === 'port-detail')!;
    const ports = (await (await first.request.get(`${demo.url}/api/v1/ports`)).json()) as {
      ports: { id: string; reason: string; session: { departureSource?: string | null } | null }[];
    };
    const stated = ports.ports.find((p) => p.session?.departureSource === 'car' && /leaves/.test(p.reason));
    if (stated) detail.hash = `ports/${encodeURIComponent(stated.id)}`;
    const storageState = await login.storageState();
    for (const size of SIZES) {
      const ctx = await chromium.browser.newContext({
        viewport: { width: size.width, height: size.height },
        isMobile: size.mobile,
        hasTouch: size.mobile,
        deviceScaleFactor: 1,
        storageState,
      });
      const page = await ctx.newPage();
      for (const v of VIEWS) {
        await page.goto(`${demo.url}/#/${v.hash}`);
        await page.locator(v.ready).first().waitFor({ timeout: 20_000 });
        await page.waitForTimeout(v.name === 'overview' ? 1500 : 500);
        const path = join(OUT, `dashboard-${v.name}-${size.name}.png`);
        await page.screenshot({ path });
        console.log(`wrote ${path}`);
      }
      await ctx.close();
    }
  } finally {
    await chromium.close();
    await demo.stop();
    rmSync(webRoot, { recursive: true, force: true });
  }
}

await main();
