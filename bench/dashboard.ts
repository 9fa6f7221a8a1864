/**
 * Dashboard weight and speed: bundle size (raw and gzip) of the built JS and CSS, split into what the first
 * render needs and what loads later (the chart), and time to first render in Chromium: from navigation
 * start to the circuit tree's first phase bar on screen, logged in, cold HTTP cache, against the demo site.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  buildDashboard,
  launchChromium,
  loginAsDemo,
  startDemoFusebox,
} from '../src/web/testing/demo-dashboard.ts';
import type { BenchOptions } from './run.ts';

const RUNS = 11;

export interface BundleFile {
  readonly file: string;
  readonly rawKb: number;
  readonly gzipKb: number;
  /** Loaded by index.html before the first render (the rest is loaded on demand). */
  readonly initial: boolean;
}

const kb = (n: number): number => Math.round((n / 1024) * 10) / 10;

/** Sizes of the built assets; initial = referenced by index.html. */
export function bundleSizes(dir: string): BundleFile[] {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  return readdirSync(join(dir, 'assets'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .sort()
    .map((f) => {
      const buf = readFileSync(join(dir, 'assets', f));
      return {
        file: f,
        rawKb: kb(buf.length),
        gzipKb: kb(gzipSync(buf, { level: 9 }).length),
        initial: html.includes(f),
      };
    });
}

/** Milliseconds from navigation start to the first phase bar of the tree, RUNS times with a cold cache. */
async function firstRenderMs(webRoot: string): Promise<number[]> {
  const demo = await startDemoFusebox({ webRoot });
  const chromium = await launchChromium();
  try {
    const login = await chromium.browser.newContext({ viewport: { width: 1366, height: 900 } });
    await loginAsDemo(await login.newPage(), demo.url);
    const storageState = await login.storageState();
    await login.close();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A new context each time: the session cookie, but no HTTP cache.
      const ctx = await chromium.browser.newContext({ viewport: { width: 1366, height: 900 }, storageState });
      const page = await ctx.newPage();
      await page.goto(demo.url, { waitUntil: 'commit' });
      const found = await page.waitForFunction(
        "document.querySelector('[data-testid=circuit-tree] [role=meter]') ? performance.now() : null",
        null,
        { polling: 'raf', timeout: 20_000 },
      );
      times.push(Math.round((await found.jsonValue()) as number));
      await ctx.close();
    }
    return times;
  } finally {
    await chromium.close();
    await demo.stop();
  }
}

/** Builds, measures sizes, then first render; prints a line each. */
export async function run(_opts: BenchOptions): Promise<unknown[]> {
  const t0 = performance.now();
  const webRoot = await buildDashboard();
  const buildMs = Math.round(performance.now() - t0);
  const files = bundleSizes(webRoot);
  const sum = (fs: BundleFile[], k: 'rawKb' | 'gzipKb') =>
    Math.round(fs.reduce((s, f) => s + f[k], 0) * 10) / 10;
  const initial = files.filter((f) => f.initial);
  for (const f of files)
    console.log(
      `dashboard ${f.initial ? 'initial' : 'lazy   '} ${f.file.padEnd(32)} ${String(f.rawKb).padStart(7)} KB raw ${String(f.gzipKb).padStart(6)} KB gzip`,
    );
  console.log(
    `dashboard bundle: initial ${sum(initial, 'rawKb')} KB raw / ${sum(initial, 'gzipKb')} KB gzip; ` +
      `all ${sum(files, 'rawKb')} KB raw / ${sum(files, 'gzipKb')} KB gzip; vite build ${buildMs} ms`,
  );
  let times: number[];
  try {
    times = await firstRenderMs(webRoot);
  } finally {
    rmSync(webRoot, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `dashboard first render (navigation start to the tree's first phase bar, cold cache, ${RUNS} runs): ` +
      `median ${median} ms, min ${sorted[0]} ms, max ${sorted[sorted.length - 1]} ms`,
  );
  return [
    {
      metric: 'bundle',
      initialRawKb: sum(initial, 'rawKb'),
      initialGzipKb: sum(initial, 'gzipKb'),
      totalRawKb: sum(files, 'rawKb'),
      totalGzipKb: sum(files, 'gzipKb'),
      buildMs,
      files,
    },
    {
      metric: 'firstRender',
      medianMs: median,
      minMs: sorted[0],
      maxMs: sorted[sorted.length - 1],
      runsMs: times,
    },
  ];
}
