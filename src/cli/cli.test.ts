/**
 * The `fusebox` command as a user runs it: `node bin/fusebox.js …` in a child process (from the sources, as
 * in development), its exit code, its standard output and error, and which modules it loaded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECORDER = join(ROOT, 'src/testing/module-recorder.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['start', 'check', 'probe', 'simulate', 'hash-password', 'user'] as const;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The files of this repository the process loaded (paths relative to it). */
  readonly ownModules: string[];
  /** Every module URL it loaded. */
  readonly modules: string[];
}

let runs = 0;

/** Runs `node bin/fusebox.js ...args` from the sources, with no standard input. */
function fusebox(...args: string[]): Promise<Run> {
  const modulesFile = join(dir, `modules-${++runs}.txt`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', RECORDER, join(ROOT, 'bin/fusebox.js'), ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, FUSEBOX_FROM_SOURCE: '1', FUSEBOX_MODULES_FILE: modulesFile },
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`fusebox ${args.join(' ')}: ${err.message}`));
          return;
        }
        const modules = readFileSync(modulesFile, 'utf8').split('\n').filter(Boolean);
        const rootUrl = new URL('../..', import.meta.url).href;
        const ownModules = modules
          .filter((u) => u.startsWith(rootUrl) && !u.includes('/node_modules/'))
          .map((u) => u.slice(rootUrl.length));
        resolve({ code: child.exitCode, stdout, stderr, ownModules, modules });
      },
    );
    child.stdin?.end();
  });
}

describe('fusebox --version and help', () => {
  it('--version prints the package version and exits 0, loading no command', async () => {
    const args = ['--version', '-v', 'version'];
    const results = await Promise.all(args.map((a) => fusebox(a)));
    for (const [i, arg] of args.entries()) {
      const r = results[i]!;
      expect(r.code, arg).toBe(0);
      expect(r.stdout.trim(), arg).toBe(VERSION);
      expect(r.ownModules.filter((m) => m.startsWith('src/')).sort()).toEqual(
        ['src/cli.ts', 'src/cli/commands.ts', 'src/cli/usage.ts'].sort(),
      );
    }
  });

  it('help lists every command, exits 0, and loads no command module', async () => {
    const r = await fusebox('help');
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.stdout).toMatch(/fusebox <command> --help/);
    expect(r.stderr).toBe('');
    // Only the dispatcher and the help texts: no command, no fastify, no SQLite.
    expect(r.ownModules.filter((m) => m.startsWith('src/')).sort()).toEqual(
      ['src/cli.ts', 'src/cli/commands.ts', 'src/cli/usage.ts'].sort(),
    );
    expect(r.modules.filter((m) => /node_modules\/(fastify|better-sqlite3|ocpp-rpc|zod)\//.test(m))).toEqual(
      [],
    );
  });

  it('without a command prints the usage and exits 2', async () => {
    const r = await fusebox();
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/Usage: fusebox <command>/);
  });
});

describe('fusebox <command> --help', () => {
  it.each(COMMANDS)(
    '%s: --help, -h and `help <command>` print its usage and an example, exit 0',
    async (c) => {
      const argsList = [
        [c, '--help'],
        [c, '-h'],
        ['help', c],
      ];
      const results = await Promise.all(argsList.map((args) => fusebox(...args)));
      for (const [i, args] of argsList.entries()) {
        const r = results[i]!;
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stdout, args.join(' ')).toMatch(new RegExp(`Usage:\\s+fusebox ${c}\\b`));
        expect(r.stdout, args.join(' ')).toMatch(/--help/);
        expect(r.stdout, args.join(' ')).toMatch(/Examples?:\n {2}(read .* \| )?npx fusebox /);
        expect(r.stderr, args.join(' ')).toBe('');
      }
    },
  );

  it('start --help loads neither the app nor the store', async () => {
    const r = await fusebox('start', '--help');
    expect(r.code).toBe(0);
    expect(r.ownModules.filter((m) => m.startsWith('src/')).sort()).toEqual(
      ['src/cli.ts', 'src/cli/commands.ts', 'src/cli/usage.ts'].sort(),
    );
  });

  it('probe --help names the meter presets', async () => {
    const r = await fusebox('probe', '--help');
    expect(r.stdout).toMatch(/--preset NAME\s+sdm630, .*sunspec/);
  });
});

describe('bad commands and options', () => {
  it('an unknown command is named on stderr, exit 2', async () => {
    const r = await fusebox('strat');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fusebox: unknown command 'strat'/);
    expect(r.stderr).toMatch(/fusebox help/);
    const h = await fusebox('help', 'strat');
    expect(h.code).toBe(2);
    expect(h.stderr).toMatch(/unknown command 'strat'/);
  });

  it.each([
    ['start', '--bogus'],
    ['check', '--bogus', 'examples/demo.yaml'],
    ['probe', 'modbus://127.0.0.1:1/1', '--preset', 'sdm630', '--bogus'],
    ['simulate', '--bogus'],
    ['user', 'list', '--bogus'],
    ['hash-password', '--bogus'],
  ])('%s %s: the unknown option and the command are named on stderr, exit 2', async (...args) => {
    const r = await fusebox(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^fusebox ${args[0]}: unknown option '--bogus'`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`fusebox ${args[0]} --help`));
  });

  it('start refuses a log level pino does not know, naming it, exit 2', async () => {
    const r = await fusebox('start', '--log-level', 'verbose');
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/--log-level .*'verbose'/);
  });

  it('a command still runs: check examples/demo.yaml exits 0', async () => {
    const r = await fusebox('check', 'examples/demo.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/examples\/demo.yaml: OK/);
  });
});
