/**
 * The Modbus TCP server's protection against clients that hold connections: the per-address cap, the idle
 * timeout (a partial frame is not activity), the cap on pending requests, and the rate-limited refusal log.
 * Real TCP sockets on 127.0.0.0/8 (Linux routes all of it to lo: 127.0.0.2 is a second client address).
 */
import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmsServer } from './ems-server.ts';
import { ModbusTcpClient } from './modbus-client.ts';
import type { ModbusTcpServer } from './tcp-server.ts';
import { startModbusTcpServer } from './tcp-server.ts';
import { emsOptions } from './testing/ems-fixture.ts';

const frame = (tid: number, pdu: number[]): Buffer => {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid, 0);
  b.writeUInt16BE(pdu.length + 1, 4);
  b[6] = 1;
  Buffer.from(pdu).copy(b, 7);
  return b;
};
const READ = (tid: number): Buffer => frame(tid, [3, 0, 0, 0, 1]);
const UNTIL = { timeout: 20_000, interval: 50 };

interface Probe {
  readonly socket: net.Socket;
  openedAt: number;
  closedAt: number | null;
  received: Buffer;
}

/** Connects from `localAddress`, sends `data` once connected, and records what comes back and when it closes. */
function probe(port: number, data: Buffer, localAddress = '127.0.0.1'): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const p: Probe = { socket, openedAt: 0, closedAt: null, received: Buffer.alloc(0) };
    socket.on('data', (d) => (p.received = Buffer.concat([p.received, d])));
    socket.on('close', () => (p.closedAt = Date.now()));
    socket.on('error', () => undefined); // a refused socket is reset: its close is what we look at
    socket.once('connect', () => {
      p.openedAt = Date.now();
      if (data.length > 0) socket.write(data);
      resolve(p);
    });
    socket.once('error', reject);
  });
}

function logLines(): {
  lines: { msg: string; count?: number; reasons?: Record<string, number> }[];
  logger: pino.Logger;
} {
  const lines: { msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) },
  );
  return { lines, logger };
}

describe('modbus tcp server limits', () => {
  let server: ModbusTcpServer | undefined;
  let ems: EmsServer | undefined;
  const probes: Probe[] = [];
  afterEach(async () => {
    for (const p of probes.splice(0)) p.socket.destroy();
    await server?.close();
    await ems?.close();
    server = ems = undefined;
  });

  it('32 idle connections with truncated headers from one address no longer lock the EMS out', async () => {
    // The EMS server with the site file's defaults, allowing the whole loopback block.
    ems = await EmsServer.start(emsOptions({ allow: ['127.0.0.0/8'] }));
    const port = ems.port;
    const truncated = Buffer.from([0, 1, 0, 0, 0]); // 5 bytes of a 7-byte MBAP header, then silence
    for (let i = 0; i < 32; i++) probes.push(await probe(port, truncated, '127.0.0.2'));
    const client = new ModbusTcpClient({ host: '127.0.0.1', port, unitId: 1 }, 10_000);
    try {
      await client.connect();
      expect(await client.read('holding', 0, 1)).toEqual([0x4642]);
    } finally {
      client.close();
    }
    // It kept 8 of them (maxConnectionsPerAddress) and closed the rest.
    await vi.waitFor(() => expect(probes.filter((p) => p.closedAt !== null)).toHaveLength(24), UNTIL);
    expect(probes.filter((p) => p.closedAt === null)).toHaveLength(8);
  });

  it('closes a connection idle for idleTimeoutMs, also one that sent only part of a frame, and keeps an active one', async () => {
    // Long enough that a loaded machine does not stall the active client's 100 ms polls past it.
    const idleTimeoutMs = 1500;
    server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      idleTimeoutMs,
      handler: { read: (r) => Array.from({ length: r.count }, () => 7), write: () => undefined },
    });
    const silent = await probe(server.port, Buffer.alloc(0));
    // A header announcing a 253-byte PDU, then one byte every 500 ms until closed: bytes keep coming, but
    // never a complete frame.
    const dribbling = await probe(server.port, Buffer.from([0, 1, 0, 0, 0, 254, 1]));
    const active = await probe(server.port, Buffer.alloc(0));
    probes.push(silent, dribbling, active);
    let tid = 1;
    const ticker = setInterval(() => {
      if (dribbling.closedAt === null && tid % 5 === 0) dribbling.socket.write(Buffer.from([3]));
      if (active.closedAt === null) active.socket.write(READ(tid));
      tid++;
    }, 100);
    try {
      await vi.waitFor(() => {
        expect(silent.closedAt).not.toBeNull();
        expect(dribbling.closedAt).not.toBeNull();
      }, UNTIL);
      // Not before the timeout (less timer rounding); the dribbling one counted from its connect, not its bytes.
      expect(silent.closedAt! - silent.openedAt).toBeGreaterThanOrEqual(idleTimeoutMs - 50);
      expect(dribbling.closedAt! - dribbling.openedAt).toBeGreaterThanOrEqual(idleTimeoutMs - 50);
      // The active connection, asking every 100 ms, is still open past 2 timeouts after its connect.
      await vi.waitFor(() => expect(Date.now() - active.openedAt).toBeGreaterThan(2 * idleTimeoutMs), UNTIL);
      expect(active.closedAt).toBeNull();
      expect(active.received.length).toBeGreaterThanOrEqual(11);
    } finally {
      clearInterval(ticker);
    }
  });

  it('answers maxPendingRequests pipelined requests and closes a connection that sends one more unanswered', async () => {
    const waiting: (() => void)[] = [];
    let hold = true;
    server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      maxPendingRequests: 4,
      handler: {
        // While `hold`, a read waits for the test to release it: requests pile up unanswered.
        read: () => (hold ? new Promise<number[]>((resolve) => waiting.push(() => resolve([1]))) : [1]),
        write: () => undefined,
      },
    });
    const four = await probe(server.port, Buffer.concat([1, 2, 3, 4].map(READ)));
    probes.push(four);
    await vi.waitFor(() => expect(waiting).toHaveLength(1), UNTIL); // the first is with the handler
    hold = false;
    waiting.shift()!();
    await vi.waitFor(() => expect(four.received.length).toBe(4 * 11), UNTIL);
    expect(four.closedAt).toBeNull();

    hold = true;
    const five = await probe(server.port, Buffer.concat([1, 2, 3, 4, 5].map(READ)));
    probes.push(five);
    await vi.waitFor(() => expect(five.closedAt).not.toBeNull(), UNTIL);
    expect(five.received.length).toBe(0);
  });

  it('logs the first refusal at once and the rest as one summary line with a count', async () => {
    const { lines, logger } = logLines();
    server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      allow: ['192.168.0.0/16'],
      refusalLogIntervalMs: 3000,
      logger,
      handler: { read: () => [1], write: () => undefined },
    });
    const refused: Probe[] = [];
    for (let i = 0; i < 200; i++) refused.push(await probe(server.port, Buffer.alloc(0)));
    probes.push(...refused);
    await vi.waitFor(() => expect(refused.every((p) => p.closedAt !== null)).toBe(true), UNTIL);
    // Every refusal is accounted for: the first line, then summaries with counts.
    const counted = (): number => 1 + lines.slice(1).reduce((n, l) => n + (l.count ?? 0), 0);
    await vi.waitFor(() => expect(counted()).toBe(200), UNTIL);
    expect(lines[0]!.msg).toBe('modbus client refused: not on the allow-list');
    // One summary when the refusals came within 3 s; a loaded machine may spread them over two or three.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    for (const l of lines.slice(1))
      expect(l.msg).toMatch(/^modbus clients refused or closed: \d+ more in the last \d+ s$/);
    expect(lines[1]!.reasons).toEqual({ 'refused: not on the allow-list': lines[1]!.count });
  });
});
