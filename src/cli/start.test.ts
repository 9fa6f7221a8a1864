/**
 * `fusebox start` without --config (the demo): it listens on 127.0.0.1 only unless `--host` asks otherwise,
 * and the URLs it prints are where it answers. Runs the real demo (a copy of examples/demo.yaml on free ports)
 * over real sockets; "another machine" is another loopback address (127.0.0.2), which a 127.0.0.1 listener
 * does not answer.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG_PATH } from '../app.ts';
import { main } from './commands.ts';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { runStart } from './start.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

let dir: string | undefined;
let stop: (() => void) | undefined;
let finished: Promise<number> | undefined;
afterEach(async () => {
  stop?.();
  await finished;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The demo on free ports; resolves with what it printed once it runs. */
async function startDemo(host: string | undefined): Promise<string[]> {
  dir = mkdtempSync(join(tmpdir(), 'fusebox-start-'));
  const meterPort = await freePort();
  const emsPort = await freePort();
  const demoConfigPath = join(dir, 'demo.yaml');
  writeFileSync(
    demoConfigPath,
    readFileSync(DEMO_CONFIG_PATH, 'utf8')
      .replaceAll('port: 1502', `port: ${meterPort}`)
      .replace('port: 5020', `port: ${emsPort}`)
      .replace(/port: (9000|8080)/g, 'port: 0')
      .replace('path: data/demo.db', `path: ${join(dir, 'demo.db')}`),
  );
  const lines: string[] = [];
  finished = runStart({
    demoConfigPath,
    host,
    out: (l) => lines.push(l),
    logFormat: 'json',
    logLevel: 'silent',
    until: new Promise<void>((resolve) => (stop = resolve)),
  });
  await eventually(
    () => lines.some((l) => l.includes('Stop with Ctrl+C') || l.startsWith('fusebox:')),
    'started',
    30_000,
  );
  expect(lines.filter((l) => l.startsWith('fusebox:'))).toEqual([]);
  return lines;
}

const printed = (lines: string[], label: string): URL => {
  const line = lines.find((l) => l.includes(label));
  expect(line, `${label} printed`).toBeDefined();
  return new URL(/(\w+:\/\/\S+)/.exec(line!)![1]!.replace('{stationId}', 'x'));
};

describe('the demo (start without --config)', () => {
  it('listens on 127.0.0.1 only, and prints URLs that answer', async () => {
    const lines = await startDemo(undefined);
    const web = printed(lines, 'Dashboard and API');
    const ocpp = printed(lines, 'OCPP for stations');
    expect(web.hostname).toBe('127.0.0.1');
    expect(ocpp.hostname).toBe('127.0.0.1');
    const config = await fetch(new URL('/api/v1/auth/config', web));
    // On the machine itself the login page shows the demo account.
    expect(await config.json()).toEqual({ demo: true, demoUser: 'demo', demoPassword: 'demo' });
    expect(await reachable('127.0.0.1', Number(ocpp.port))).toBe(true);
    // Not on any other address.
    expect(await reachable('127.0.0.2', Number(web.port))).toBe(false);
    expect(await reachable('127.0.0.2', Number(ocpp.port))).toBe(false);
    const ems = /EMS \(Modbus TCP\)\s+\S+:(\d+)/.exec(lines.join('\n'));
    expect(ems).not.toBeNull();
    expect(await reachable('127.0.0.1', Number(ems![1]))).toBe(true);
    expect(await reachable('127.0.0.2', Number(ems![1]))).toBe(false);
    expect(lines.join('\n')).not.toMatch(/reachable from other machines/);
  }, 60_000);

  it('listens on every interface with --host 0.0.0.0, and says the demo login is then exposed', async () => {
    const lines = await startDemo('0.0.0.0');
    const web = printed(lines, 'Dashboard and API');
    expect(await reachable('127.0.0.2', Number(web.port))).toBe(true);
    expect(lines.join('\n')).toMatch(/reachable from other machines/);
  }, 60_000);
});

describe('the demo battery', () => {
  it('is read and commanded over Modbus TCP: its state, command and reason are in the API', async () => {
    const lines = await startDemo(undefined);
    const web = printed(lines, 'Dashboard and API');
    const login = await fetch(new URL('/api/v1/auth/login', web), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'demo' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('fusebox_session='))!
      .split(';')[0]!;
    let battery: {
      socPct: number | null;
      commandKw: number | null;
      sentKw: number | null;
      reason: string;
    } | null = null;
    await eventually(
      async () => {
        const r = await fetch(new URL('/api/v1/batteries', web), { headers: { cookie } });
        const list = (await r.json()) as (typeof battery)[];
        battery = list[0] ?? null;
        // Read (SoC from model 802/124) and commanded: the command written is the one decided.
        return (
          battery !== null &&
          battery.socPct !== null &&
          battery.sentKw !== null &&
          battery.sentKw === battery.commandKw
        );
      },
      'the battery read and commanded',
      60_000,
    );
    expect(battery!.socPct).toBeGreaterThan(0);
    expect(battery!.reason).not.toContain('fail');
  }, 120_000);
});

describe('fusebox start --host', () => {
  it('refuses an empty address', async () => {
    const out: string[] = [];
    expect(await main(['start', '--host', ''], (l) => out.push(l))).toBe(2);
    expect(out.join('\n')).toMatch(/--host/);
  });
});
