/**
 * Independent Modbus peers for tests: Debian's python3-pymodbus (server and client) and mbpoll. Missing tools
 * fail the test with the install command (CI installs them in .ci/run); they are never skipped.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The python3 first on PATH may be another interpreter that does not see Debian's modules: use /usr/bin/python3.
export const PYTHON = '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));
const INSTALL = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pymodbus mbpoll';

function run(
  cmd: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Throws with the install command when pymodbus or mbpoll is missing. */
export async function requirePeers(): Promise<void> {
  const py = existsSync(PYTHON) ? await run(PYTHON, ['-c', 'import pymodbus.server, pymodbus.client']) : null;
  if (!py || py.code !== 0) {
    throw new Error(`python3-pymodbus is not installed for ${PYTHON}; run: ${INSTALL}\n${py?.stderr ?? ''}`);
  }
  if (!existsSync('/usr/bin/mbpoll')) throw new Error(`mbpoll is not installed; run: ${INSTALL}`);
}

export interface PyPoint {
  readonly address: number;
  readonly type?: string;
  readonly wordOrder?: 'big' | 'little';
  readonly byteOrder?: 'big' | 'little';
  readonly value?: number;
  readonly words?: readonly number[];
}

export interface PyServerSpec {
  readonly port?: number;
  readonly units: Record<string, { holding?: readonly PyPoint[]; input?: readonly PyPoint[] }>;
}

/** A running pymodbus server. */
export interface PyServer {
  readonly port: number;
  readonly process: ChildProcess;
  /** SIGSTOP: the socket stays open and nothing answers (a hung device). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Starts a pymodbus server from a spec; resolves once it listens. */
export async function startPyServer(spec: PyServerSpec): Promise<PyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-pymodbus-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(PYTHON, [join(HERE, 'pymodbus_server.py'), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pymodbus server did not start in 20 s: ${stderr}`)),
      20_000,
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited (${code}): ${stderr}`));
    });
  });
  return {
    port,
    process: child,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }),
  };
}

export type PyOp =
  | { op: 'read'; table?: 'holding' | 'input'; address: number; count: number }
  | { op: 'write'; address: number; values: readonly number[]; multiple?: boolean };
export type PyResult = { registers: number[] } | { ok: true } | { exception: number } | { error: string };

/** Runs requests with pymodbus's client against 127.0.0.1:port. */
export async function pyClient(port: number, unitId: number, ops: readonly PyOp[]): Promise<PyResult[]> {
  const r = await run(PYTHON, [
    join(HERE, 'pymodbus_client.py'),
    String(port),
    String(unitId),
    JSON.stringify(ops),
  ]);
  if (r.code !== 0) throw new Error(`pymodbus client failed (${r.code}): ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult[];
}

/** Runs mbpoll (1-based register numbers) and returns its exit code and output. */
export function mbpoll(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('/usr/bin/mbpoll', args);
}
