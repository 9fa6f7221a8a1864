/**
 * A real Mosquitto broker for tests (the Debian `mosquitto` package), bound to 127.0.0.1 on a free port, and
 * the independent Mosquitto clients (`mosquitto_sub`, `mosquitto_pub`, package `mosquitto-clients`) as peers.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../testing/free-port.ts';

const run = promisify(execFile);

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** With TLS: the CA file the clients trust. */
  readonly caFile?: string | undefined;
  stop(): Promise<void>;
}

/** Mosquitto is installed in /usr/sbin on Debian, not always on a user's PATH. */
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'];

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function binary(): Promise<string> {
  for (const path of MOSQUITTO) {
    try {
      await run(path, ['-h']).catch((err: { stdout?: string }) => {
        // `mosquitto -h` exits 3 after printing its usage: it exists.
        if (!err.stdout?.includes('mosquitto version')) throw err;
      });
      return path;
    } catch {
      // next candidate
    }
  }
  throw new Error('mosquitto is not installed (Debian: apt-get install mosquitto mosquitto-clients)');
}

/**
 * Starts Mosquitto on a free port of 127.0.0.1 with anonymous access. The OS picks the port (bind 0) and
 * Mosquitto binds it next; if another process took it in between, it is tried again with another.
 */
export async function startMosquitto(
  options: { port?: number; tls?: { certFile: string; keyFile: string; caFile: string } } = {},
): Promise<Mosquitto> {
  const exe = await binary();
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-mosquitto-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    // A given port: a broker restarted where clients expect it (the port its predecessor had).
    const port = options.port ?? (await freePort());
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        ...(options.tls ? [`certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`] : []),
        'allow_anonymous true',
        'persistence false',
        'log_dest stderr',
        // Run as root (a CI container), Mosquitto would switch to the user "mosquitto", who cannot read the
        // test's files: it stays the user who started it.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
    const child = spawn(exe, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    let exited = false;
    child.on('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await accepts(port)))
      await new Promise((r) => setTimeout(r, 50));
    if (!exited && (await accepts(port))) {
      return {
        port,
        url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
        caFile: options.tls?.caFile,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    if (attempt === 4) throw new Error(`mosquitto did not start: ${log}`);
  }
  throw new Error('unreachable');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** One message as mosquitto_sub printed it. */
export interface SubMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retained: boolean;
  /** When the test received it (Date.now()). */
  readonly atMs: number;
}

/** `mosquitto_sub` on a topic filter, collecting every message it prints (an independent client). */
export interface Subscriber {
  readonly messages: SubMessage[];
  /** The latest message on a topic, if any. */
  last(topic: string): SubMessage | undefined;
  stop(): Promise<void>;
}

export async function subscribe(broker: Mosquitto, filter: string): Promise<Subscriber> {
  const messages: SubMessage[] = [];
  // The client also subscribes to a probe topic: it is subscribed once a probe published later comes back.
  const probe = `fusebox-test/probe/${process.pid}/${Date.now()}`;
  // One message per line: retained flag, topic and payload separated by tabs (payloads are one-line JSON).
  const child = spawn(
    'mosquitto_sub',
    // MQTT 5 with retain-as-published: the retain flag shows how each message was published, not only on
    // messages the broker stored before this client subscribed.
    [
      ...['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '--retain-as-published', '-q', '1'],
      ...(broker.caFile ? ['--cafile', broker.caFile] : []),
      ...['-t', filter, '-t', probe, '-F', '%r\t%t\t%p'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const [retained, topic, ...rest] = line.split('\t');
      messages.push({
        retained: retained === '1',
        topic: topic ?? '',
        payload: rest.join('\t'),
        atMs: Date.now(),
      });
    }
  });
  const deadline = Date.now() + 10_000;
  while (!messages.some((m) => m.topic === probe)) {
    if (Date.now() > deadline) throw new Error(`mosquitto_sub did not subscribe to ${filter}`);
    await publish(broker, probe, 'x');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    messages,
    last: (topic) => messages.findLast((m) => m.topic === topic),
    stop: () => stopChild(child),
  };
}

/** `mosquitto_pub`: publishes one message (QoS 1) and returns when the broker has it. */
export async function publish(
  broker: Mosquitto,
  topic: string,
  payload: string,
  options: { retain?: boolean } = {},
): Promise<void> {
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', topic, '-m', payload];
  if (broker.caFile) args.push('--cafile', broker.caFile);
  if (options.retain) args.push('-r');
  await run('mosquitto_pub', args);
}
