/** The Modbus TCP server at the byte level: framing, pipelining, exceptions, malformed frames, allow-list. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EXCEPTION, ModbusException } from './modbus-exception.ts';
import type { ModbusTcpServer } from './tcp-server.ts';
import { AllowListError, allowListOf, isAllowed } from './allow-list.ts';
import { startModbusTcpServer } from './tcp-server.ts';

const frame = (tid: number, unit: number, pdu: number[]): Buffer => {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(pdu.length + 1, 4);
  b[6] = unit;
  Buffer.from(pdu).copy(b, 7);
  return b;
};

/** Sends bytes and collects `expected` bytes of answer (or what came before the socket closed). */
function exchange(port: number, data: Buffer, expected: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(data));
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= expected) s.end();
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
  });
}

describe('modbus tcp server', () => {
  let server: ModbusTcpServer | undefined;
  afterEach(async () => server?.close());

  const start = async () => {
    server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      handler: {
        read: (r) => {
          if (r.address >= 100) throw new ModbusException(EXCEPTION.illegalDataAddress, 'nope');
          return Array.from(
            { length: r.count },
            (_, i) => r.address + i + (r.function === 'input' ? 1000 : 0),
          );
        },
        write: (w) => {
          if (w.values[0] === 0xdead) throw new Error('handler bug');
        },
      },
    });
    return server.port;
  };

  it('answers pipelined requests in order, keeping transaction and unit ids', async () => {
    const port = await start();
    const out = await exchange(
      port,
      Buffer.concat([frame(7, 3, [3, 0, 10, 0, 2]), frame(8, 4, [4, 0, 1, 0, 1])]),
      13 + 11,
    );
    expect(out.subarray(0, 13)).toEqual(frame(7, 3, [3, 4, 0, 10, 0, 11]));
    expect(out.subarray(13)).toEqual(frame(8, 4, [4, 2, 0x03, 0xe9]));
  });

  it('answers exceptions: unknown function 01, bad quantity 03, handler refusal, handler failure 04', async () => {
    const port = await start();
    const out = await exchange(
      port,
      Buffer.concat([
        frame(1, 1, [5, 0, 1, 0xff, 0]),
        frame(2, 1, [3, 0, 0, 0, 126]),
        frame(3, 1, [3, 0, 200, 0, 1]),
        frame(4, 1, [16, 0, 1, 0, 1, 2, 0xde, 0xad]),
        frame(5, 1, [16, 0, 1, 0, 2, 2, 0, 1]),
        frame(6, 1, [6, 0, 1, 0, 5]),
      ]),
      9 * 5 + 12,
    );
    const pdus = [0, 9, 18, 27, 36].map((o) => [...out.subarray(o + 7, o + 9)]);
    expect(pdus).toEqual([
      [0x85, 1],
      [0x83, 3],
      [0x83, 2],
      [0x90, 4],
      [0x90, 3],
    ]);
    expect(out.subarray(45)).toEqual(frame(6, 1, [6, 0, 1, 0, 5]));
  });

  it('closes the connection on a frame that is not Modbus TCP', async () => {
    const port = await start();
    const out = await exchange(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'), 1);
    expect(out.length).toBe(0);
  });

  it('refuses clients outside the allow-list', async () => {
    server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      allow: ['192.168.0.0/16'],
      handler: { read: () => [1], write: () => undefined },
    });
    const out = await exchange(server.port, frame(1, 1, [3, 0, 0, 0, 1]), 11);
    expect(out.length).toBe(0);
  });

  it('parses allow-lists and matches IPv4-mapped addresses', () => {
    const list = allowListOf(['10.0.0.0/8', '192.168.1.5', '::1']);
    expect(isAllowed(list, '::ffff:10.1.2.3')).toBe(true);
    expect(isAllowed(list, '192.168.1.6')).toBe(false);
    expect(isAllowed(list, '::1')).toBe(true);
    expect(isAllowed(allowListOf([]), '1.2.3.4')).toBe(true);
    expect(() => allowListOf(['10.0.0.0/33'])).toThrow(AllowListError);
    expect(() => allowListOf(['ems.local'])).toThrow(/'ems.local' is not an IP address/);
  });
});
