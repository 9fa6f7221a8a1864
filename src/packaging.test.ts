/**
 * The packaging files (Dockerfile, compose.yaml, packaging/systemd/fusebox.service), checked without Docker or
 * systemd as PID 1: parsed for what they must say, the unit verified by systemd-analyze, and the runtime stage's
 * layout run for real (its files laid out from the repository, Fusebox started as its ENTRYPOINT and CMD say,
 * its HEALTHCHECK script run against it). Building the image is not checked here (docs/operations.md).
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { httpSectionSchema, ocppSectionSchema, storeSectionSchema } from './config/server-sections.ts';
import { DEFAULT_EMS_PORT } from './modbus/ems-config-schema.ts';

const root = join(import.meta.dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly body: Instruction[];
}

/** Dockerfile instructions by stage: comments dropped, continued lines joined. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const [from, as, name] = args.split(' ');
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before FROM`);
      stages.at(-1)!.body.push({ op, args });
    }
  }
  return stages;
}

const all = (stage: Stage, op: string): string[] => stage.body.filter((i) => i.op === op).map((i) => i.args);
const last = (stage: Stage, op: string): string | undefined => all(stage, op).at(-1);
const execForm = (args: string): string[] => JSON.parse(args) as string[];

const stages = parseDockerfile(read('Dockerfile'));
const build = stages[0]!;
const runtime = stages.at(-1)!;
const defaultPorts = [
  ocppSectionSchema.parse({}).port,
  httpSectionSchema.parse({}).port,
  DEFAULT_EMS_PORT,
].sort((a, b) => a - b);

/** The runtime stage's `COPY --from=build SRC... DEST` as [path in the repository, path in the image]. */
function runtimeCopies(): [string, string][] {
  const buildDir = last(build, 'WORKDIR')!;
  let workdir = '/';
  const out: [string, string][] = [];
  for (const { op, args } of runtime.body) {
    if (op === 'WORKDIR') workdir = posix.resolve(workdir, args);
    if (op !== 'COPY') continue;
    const words = args.split(' ');
    expect(words[0], `runtime COPY takes from the build stage: ${args}`).toBe(`--from=${build.name}`);
    const destWord = words.at(-1)!;
    const dest = posix.resolve(workdir, destWord);
    // Docker: several sources, or a destination ending in /, copy into that directory.
    const intoDir = destWord.endsWith('/') || words.length > 3;
    for (const src of words.slice(1, -1)) {
      const rel = posix.relative(buildDir, src);
      out.push([rel, intoDir ? posix.join(dest, posix.basename(rel)) : dest]);
    }
  }
  return out;
}

describe('Dockerfile', () => {
  it('builds in a stage of its own on Node 24 and runs on a slim Node 24 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBe('build');
    expect(build.from).toMatch(/^node:24[-.\w]*$/);
    expect(runtime.from).toMatch(/^node:24[-.\w]*-slim$/);
    const runs = all(build, 'RUN').join('\n');
    expect(runs).toContain('npm ci');
    // npm ci builds dist/ (server and dashboard) through the prepare script, before the prune.
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe('npm run build');
    expect(scripts.build).toContain('build:web');
    expect(runs.indexOf('npm prune --omit=dev')).toBeGreaterThan(runs.indexOf('npm ci'));
    // The compiler stays in the build stage.
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/g\+\+|apt-get install/);
  });

  it('runs as a user other than root', () => {
    const user = last(runtime, 'USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('keeps the database on a volume: the working directory, where store.path is relative to', () => {
    const volumes = all(runtime, 'VOLUME').flatMap((v) => (v.startsWith('[') ? execForm(v) : v.split(' ')));
    const workdir = last(runtime, 'WORKDIR')!;
    const db = posix.resolve(workdir, storeSectionSchema.parse({}).path);
    expect(volumes.some((v) => db.startsWith(`${v}/`))).toBe(true);
    // The volume belongs to the user Fusebox runs as (a named volume takes the directory's owner).
    expect(all(runtime, 'RUN').join('\n')).toMatch(
      new RegExp(`chown ${last(runtime, 'USER')}\\S* ${workdir}`),
    );
  });

  it('exposes the default OCPP, HTTP and EMS ports', () => {
    const exposed = all(runtime, 'EXPOSE')
      .flatMap((e) => e.split(' '))
      .map((p) => Number(p.replace(/\/tcp$/, '')))
      .sort((a, b) => a - b);
    expect(exposed).toEqual(defaultPorts);
  });

  it('checks /healthz on the default HTTP port with a script the image holds', () => {
    const check = last(runtime, 'HEALTHCHECK')!;
    const cmd = execForm(check.slice(check.indexOf('CMD ') + 4));
    const script = cmd.at(-1)!;
    const copied = runtimeCopies().find(([, dest]) => dest === script);
    expect(copied, `${script} is copied into the image`).toBeDefined();
    expect(read(copied![0])).toContain(`http://127.0.0.1:${httpSectionSchema.parse({}).port}/healthz`);
  });

  it('copies only what exists or what the build stage makes, and leaves local state out of the context', () => {
    for (const [src] of runtimeCopies())
      if (!existsSync(join(root, src))) expect(src, 'made by npm run build:web (vite outDir)').toBe('dist');
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '*.db', 'site.yaml', 'secrets'])
      expect(ignored).toContain(entry);
  });
});

// That the runtime (dist/, run by bin/fusebox.js) imports only runtime dependencies, so that `npm prune
// --omit=dev` in the build stage keeps what runs, is checked by src/dependencies.test.ts and src/build.test.ts.

describe('the runtime stage, laid out from the repository and started as the image starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-image-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** An image path inside the temporary directory. */
  const inDir = (imagePath: string): string => join(dir, imagePath);

  it('serves /healthz to the HEALTHCHECK, keeps its database in the volume, and stops on SIGTERM', async () => {
    for (const [src, dest] of runtimeCopies()) {
      // dist/: the compiled server and the dashboard, built by `npm install` / `npm ci` (the prepare script).
      expect(existsSync(join(root, src)), `${src} (npm run build makes dist/)`).toBe(true);
      mkdirSync(dirname(inDir(dest)), { recursive: true });
      // Copies, so that Fusebox runs from the layout and not from the repository; node_modules is linked.
      if (src === 'node_modules') symlinkSync(join(root, src), inDir(dest));
      else cpSync(join(root, src), inDir(dest), { recursive: true });
    }
    const workdir = inDir(last(runtime, 'WORKDIR')!);
    mkdirSync(workdir, { recursive: true });
    const [cmd, ...entry] = execForm(last(runtime, 'ENTRYPOINT')!);
    const args = execForm(last(runtime, 'CMD')!);
    expect(cmd).toBe('node');
    const configAt = args[args.indexOf('--config') + 1]!;
    mkdirSync(dirname(inDir(configAt)), { recursive: true });
    writeFileSync(
      inDir(configAt),
      `site: { timeZone: Europe/Paris }
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0 }
circuits:
  - { id: main, limitA: 40 }
`,
    );
    const argv = [...entry.map(inDir), ...args.map((a) => (a === configAt ? inDir(a) : a))];
    const proc = spawn(process.execPath, argv, { cwd: workdir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

    const started = (): string | undefined => {
      if (proc.exitCode !== null) throw new Error(`fusebox exited with ${proc.exitCode}:\n${out}`);
      return /Dashboard and API\s+(http:\/\/\S+?)\//.exec(out)?.[1];
    };
    const url = await pollUntil(started, 60_000, () => out);
    const check = execForm(last(runtime, 'HEALTHCHECK')!.replace(/^.*CMD /, ''));
    const script = inDir(check.at(-1)!);
    const env = { ...process.env, FUSEBOX_HEALTH_URL: `${url}/healthz` };
    await pollUntil(
      async () => ((await runNode(script, env)).code === 0 ? true : undefined),
      60_000,
      () => out,
    );
    expect(existsSync(join(workdir, storeSectionSchema.parse({}).path))).toBe(true);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
    const down = await runNode(script, env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`${url}/healthz`);
  });

  it('the HEALTHCHECK script fails on a 503', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('{"status":"stalled"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const script = join(root, 'packaging/docker/healthcheck.js');
    const r = await runNode(script, {
      ...process.env,
      FUSEBOX_HEALTH_URL: `http://127.0.0.1:${port}/healthz`,
    });
    await new Promise((resolve) => server.close(resolve));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HTTP 503 {"status":"stalled"}');
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const fusebox = compose.services.fusebox!;

  it('builds this Dockerfile and starts Fusebox with no profile', () => {
    expect(fusebox.build).toBe('.');
    expect(fusebox.profiles).toBeUndefined();
    expect(fusebox.init).toBe(true);
    expect(fusebox.restart).toBe('unless-stopped');
  });

  it('publishes the ports the image exposes and mounts the volume and the site file where the image wants them', () => {
    const published = (fusebox.ports as string[])
      .map((p) => Number(p.split(':').at(-1)))
      .sort((a, b) => a - b);
    expect(published).toEqual(defaultPorts);
    const volumes = fusebox.volumes as string[];
    const volume = all(runtime, 'VOLUME').flatMap((v) => execForm(v))[0]!;
    const named = volumes.find((v) => v.split(':')[1] === volume);
    expect(named, `a named volume on ${volume}`).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(named!.split(':')[0]);
    const args = execForm(last(runtime, 'CMD')!);
    const config = args[args.indexOf('--config') + 1]!;
    expect(volumes.some((v) => v.endsWith(`:${config}:ro`))).toBe(true);
  });

  it('has Mosquitto only in the mqtt profile, with its configuration from the repository', () => {
    const mosquitto = compose.services.mosquitto!;
    expect(mosquitto.profiles).toEqual(['mqtt']);
    expect(mosquitto.image).toMatch(/^eclipse-mosquitto:2/);
    const conf = (mosquitto.volumes as string[]).find((v) =>
      v.endsWith(':/mosquitto/config/mosquitto.conf:ro'),
    );
    expect(conf).toBeDefined();
    const text = read(conf!.split(':')[0]!);
    expect(text).toMatch(/^allow_anonymous false$/m);
    expect(text).toMatch(/^listener 1883$/m);
  });
});

describe('packaging/systemd/fusebox.service', () => {
  const path = join(root, 'packaging/systemd/fusebox.service');
  const unit = parseUnit(readFileSync(path, 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string): string | undefined => service.get(key)?.at(-1);

  it('runs as a user of its own, with a state directory as working directory (where the database goes)', () => {
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true);
    const state = one('StateDirectory');
    expect(state).toBe('fusebox');
    expect(one('WorkingDirectory')).toBe(`/var/lib/${state}`);
  });

  it('has the hardening options', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
  });

  it('restarts on failure but not on a bad site file, and reloads with SIGHUP', () => {
    expect(one('Restart')).toMatch(/^(always|on-failure)$/);
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('ExecStart')).toMatch(
      / \/opt\/fusebox\/bin\/fusebox\.js start --config \/etc\/fusebox\/site\.yaml /,
    );
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('passes systemd-analyze verify without a warning', () => {
    const analyze = '/usr/bin/systemd-analyze';
    expect(existsSync(analyze), 'Debian package systemd (installed by .ci/run)').toBe(true);
    // Verified from a copy: the unit's name must end in .service, and nothing else in the directory.
    const copyDir = mkdtempSync(join(tmpdir(), 'fusebox-unit-'));
    const copy = join(copyDir, 'fusebox.service');
    writeFileSync(copy, readFileSync(path));
    const r = spawnSync(analyze, ['verify', copy], { encoding: 'utf8' });
    rmSync(copyDir, { recursive: true, force: true });
    expect(r.stderr.split('\n').filter((l) => l.includes('fusebox.service'))).toEqual([]);
    expect(r.status).toBe(0);
  });
});

/** A unit file as section → key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = new Map();
      out.set(head[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { env, timeout: 30_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

async function pollUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  deadlineMs: number,
  context: () => string,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms; output:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
