/**
 * What the proxy's kill -9 tests share (proxy.crash.test.ts, offline-cap.crash.test.ts): a work folder with
 * the database file, a test cloud, Fusebox as a child process (testing/crash-proxy.ts) that can be killed
 * with SIGKILL, and simulated stations; everything is closed, killed and removed after each test.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { SimulatedStation } from '../../sim/devices/ocpp-station.ts';
import { spawnUrlChild } from '../../testing/url-child.ts';
import { TestCloud } from './test-cloud.ts';

const SCRIPT = fileURLToPath(new URL('./crash-proxy.ts', import.meta.url));

export interface CrashFixture {
  /** A new work folder for the test; the path of the database file in it. */
  dbPath(prefix: string): string;
  /** The test's cloud (closed after the test). */
  cloud(options?: Parameters<typeof TestCloud.start>[0]): Promise<TestCloud>;
  /** Fusebox (crash-proxy.ts with `args`) in a child process, once it listens: its OCPP url. */
  startFusebox(args: readonly string[]): Promise<{ child: ChildProcess; url: string }>;
  /** SIGKILL; resolves once the child is gone. */
  kill(child: ChildProcess): Promise<void>;
  /** The stations of the test (closed after it). */
  readonly stations: SimulatedStation[];
}

/** Registers the clean-up (afterEach) in the calling test file. */
export function useCrashFixture(): CrashFixture {
  let dir = '';
  let cloud: TestCloud | undefined;
  const children: ChildProcess[] = [];
  const outputs: (() => string)[] = [];
  const stations: SimulatedStation[] = [];
  afterEach(async (ctx) => {
    // A failed test shows what its Fusebox processes logged (info and up).
    if (ctx.task.result?.state === 'fail')
      outputs.forEach((out, i) =>
        process.stderr.write(`--- Fusebox child ${i + 1} of the failed test:\n${out()}\n`),
      );
    outputs.length = 0;
    await Promise.allSettled(stations.splice(0).map((s) => s.close()));
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cloud?.close();
    cloud = undefined;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  return {
    dbPath(prefix) {
      dir = mkdtempSync(join(tmpdir(), prefix));
      return join(dir, 'fusebox.db');
    },
    async cloud(options) {
      cloud = await TestCloud.start(options);
      return cloud;
    },
    async startFusebox(args) {
      const env = { ...process.env, FUSEBOX_TEST_LOG: process.env.FUSEBOX_TEST_LOG ?? 'info' };
      const { child, url, output } = spawnUrlChild(SCRIPT, [...args], 'Fusebox', env);
      children.push(child);
      outputs.push(output);
      return { child, url: await url };
    },
    kill(child) {
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
    stations,
  };
}
