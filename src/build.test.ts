/**
 * The build (`npm run build`: tsconfig.build.json and vite) gives a dist/ that runs on plain Node: no tsx, no
 * vite, no esbuild, no TypeScript, no .ts file loaded, in the main thread or the store's writer thread. Built
 * into a temporary copy of the repository's layout (bin/, dist/, examples/, package.json), so the
 * repository's own dist/ is left alone, and run as a user runs it: `node bin/fusebox.js …`.
 */
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './ocpp/testing/ocpp-harness.ts';
import { freePort } from './testing/free-port.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RECORDER = join(ROOT, 'src/testing/module-recorder.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** What the runtime must not load: the development tools. */
const DEV_ONLY = /\/node_modules\/(tsx|vite|esbuild|@esbuild|typescript|rolldown|@rolldown)\/|\.tsx?$/;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exec(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, timeout: 280_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

beforeAll(async () => {
  const dist = join(dir, 'dist');
  // What `npm run build` runs, into the temporary copy.
  await exec(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    dist,
  ]);
  await exec(process.execPath, [
    join(ROOT, 'node_modules/vite/bin/vite.js'),
    'build',
    '--logLevel',
    'warn',
    '--outDir',
    join(dist, 'web'),
    '--emptyOutDir',
  ]);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/fusebox.js'), join(dir, 'bin/fusebox.js'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
}, 300_000);

let runs = 0;

/** Starts `node bin/fusebox.js ...args` in the built copy, recording the modules it loads. */
function fusebox(args: string[]): {
  exited: Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }>;
  output: () => string;
  stop: () => void;
} {
  const modulesFile = join(dir, `modules-${++runs}.txt`);
  const env: NodeJS.ProcessEnv = { ...process.env, FUSEBOX_MODULES_FILE: modulesFile };
  delete env.FUSEBOX_FROM_SOURCE;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', RECORDER, join(dir, 'bin/fusebox.js'), ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        let modules: string[] = [];
        try {
          modules = readFileSync(modulesFile, 'utf8').split('\n').filter(Boolean);
        } catch {
          // No file: the recorder did not run; the assertions on modules say so.
        }
        resolve({ code, stdout, stderr, modules });
      });
    },
  );
  return { exited, output: () => stdout + stderr, stop: () => child.kill('SIGTERM') };
}

describe('dist/ on plain Node', () => {
  it('--version and help answer from dist/, without tsx', async () => {
    const version = await fusebox(['--version']).exited;
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    expect(version.modules).toContain(new URL('dist/cli.js', `file://${dir}/`).href);
    expect(version.modules.filter((m) => DEV_ONLY.test(m))).toEqual([]);
    const help = await fusebox(['help']).exited;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: fusebox <command>/);
  });

  it('check examples/demo.yaml runs from dist/, without tsx', async () => {
    const r = await fusebox(['check', 'examples/demo.yaml']).exited;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/examples\/demo.yaml: OK/);
    expect(r.modules).toContain(new URL('dist/config/check.js', `file://${dir}/`).href);
    expect(r.modules.filter((m) => DEV_ONLY.test(m))).toEqual([]);
  });

  it('start serves the prebuilt dashboard and writes its store from dist/, without tsx', async () => {
    const site = join(dir, 'site.yaml');
    const meterPort = await freePort();
    const emsPort = await freePort();
    writeFileSync(
      site,
      readFileSync(join(ROOT, 'examples/demo.yaml'), 'utf8')
        .replaceAll('port: 1502', `port: ${meterPort}`)
        .replace('port: 5020', `port: ${emsPort}`)
        .replace(/port: (9000|8080)/g, 'port: 0')
        .replace('path: data/demo.db', `path: ${join(dir, 'site.db')}`),
    );
    const run = fusebox(['start', '--config', site, '--host', '127.0.0.1', '--log-format', 'json']);
    try {
      const url = await eventually(
        () => /Dashboard and API\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output())?.[1],
        'the start banner',
        60_000,
      );
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<script type="module" [^>]*src="\/assets\/[^"]+\.js"/);
      expect(html).not.toMatch(/not built/);
      expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    } finally {
      run.stop();
    }
    const r = await run.exited;
    expect(r.code).toBe(0);
    // The store's writer thread ran the compiled worker, not an esbuild bundle of the TypeScript one.
    expect(r.modules).toContain(new URL('dist/store/store-worker.js', `file://${dir}/`).href);
    expect(r.modules.filter((m) => DEV_ONLY.test(m))).toEqual([]);
  }, 180_000);
});
