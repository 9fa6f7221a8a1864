/**
 * Fuzzing the EMS Modbus TCP server over a real socket: random PDUs (function codes, addresses, quantities,
 * unit ids, writes of random values to every register) and broken MBAP framing. Properties: each request
 * gets a well-formed answer or the exception docs/modbus-ems.md names; a refused write changes nothing; the
 * commands in force never exceed the configured limits; a malformed header closes only that connection.
 * Short in `npm test`; `npm run fuzz` runs many more (docs/operations.md "Fuzzing").
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeoutMs } from '../testing/fuzz-runs.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { EmsServer } from './ems-server.ts';
import { NO_LIMIT } from './ems-map-spec.ts';
import { emsOptions, layout } from './testing/ems-fixture.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';

/** A raw Modbus TCP connection: frames out, answers matched by transaction id. */
class RawConnection {
  private buf = Buffer.alloc(0);
  private readonly waiting = new Map<number, (frame: Buffer) => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 6 && this.buf.length >= 6 + this.buf.readUInt16BE(4)) {
        const frame = this.buf.subarray(0, 6 + this.buf.readUInt16BE(4));
        this.buf = this.buf.subarray(frame.length);
        const w = this.waiting.get(frame.readUInt16BE(0));
        this.waiting.delete(frame.readUInt16BE(0));
        w?.(frame);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** Send a PDU; resolve with the answer frame (MBAP + PDU), reject after a generous deadline. */
  request(tid: number, unitId: number, pdu: Buffer, timeoutMs = 10_000): Promise<Buffer> {
    const head = Buffer.alloc(7);
    head.writeUInt16BE(tid, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(pdu.length + 1, 4);
    head[6] = unitId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${pdu.toString('hex')} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(tid, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.socket.write(Buffer.concat([head, pdu]));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const UNIT = 1;
const addresses = [...layout.addresses.keys()];
const writable = addresses.filter((a) => layout.addresses.get(a)!.register.access === 'rw');

/** The limits no EMS command may exceed (docs/modbus-ems.md: commands only lower limits). */
function expectWithinLimits(c: EmsCommands, what: string): void {
  if (c.siteLimitA !== undefined) expect(c.siteLimitA, what).toBeLessThanOrEqual(layout.input.siteLimitA);
  if (c.siteLimitKw !== undefined)
    expect(c.siteLimitKw, what).toBeLessThanOrEqual(layout.input.siteLimitKw ?? 6553.4);
  for (const [id, a] of c.circuitLimitA) {
    const circuit = layout.input.circuits.find((x) => x.id === id);
    expect(circuit, what).toBeDefined();
    expect(a, what).toBeLessThanOrEqual(circuit!.limitA);
    expect(Number.isFinite(a) && a >= 0, what).toBe(true);
  }
  expect(typeof c.enabled, what).toBe('boolean');
}

const serialise = (c: EmsCommands): string => JSON.stringify({ ...c, circuitLimitA: [...c.circuitLimitA] });

describe('EMS Modbus server fuzzing', () => {
  const clock = new VirtualClock(0);
  let ems: EmsServer;
  let conn: RawConnection;
  let tid = 0;
  const emitted: EmsCommands[] = [];

  beforeAll(async () => {
    ems = await EmsServer.start({ ...emsOptions({ watchdogMs: 60_000 }), clock });
    ems.on('commands', (c) => emitted.push(c));
    conn = await RawConnection.open(ems.port);
  });
  afterAll(async () => {
    conn?.close();
    await ems?.close();
  });

  const address = fc.oneof(
    fc.constantFrom(...addresses),
    fc.constantFrom(...writable),
    fc.integer({ min: 0, max: 0xffff }),
    fc.constantFrom(0xffff, 0xfffe, 0),
  );
  const value = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }),
    fc.constantFrom(0, 1, 2, NO_LIMIT, 0xfffe, 799, 800, 801, 2500, 2501, 1600, 1601),
  );
  const unitId = fc.oneof(fc.constant(UNIT), fc.constant(UNIT), fc.integer({ min: 0, max: 255 }));
  const read = fc
    .tuple(
      fc.constantFrom(3, 4),
      address,
      fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 0xffff })),
    )
    .map(([f, a, n]) => ({ kind: 'read' as const, fc: f, address: a, count: n, pdu: pdu(f, [a, n]) }));
  const write6 = fc
    .tuple(address, value)
    .map(([a, v]) => ({ kind: 'write' as const, fc: 6, address: a, values: [v], pdu: pdu(6, [a, v]) }));
  const write16 = fc.tuple(address, fc.array(value, { minLength: 1, maxLength: 8 })).map(([a, vs]) => {
    const body = Buffer.alloc(5 + vs.length * 2);
    body.writeUInt16BE(a, 0);
    body.writeUInt16BE(vs.length, 2);
    body[4] = vs.length * 2;
    vs.forEach((v, i) => body.writeUInt16BE(v, 5 + i * 2));
    return {
      kind: 'write' as const,
      fc: 16,
      address: a,
      values: vs,
      pdu: Buffer.concat([Buffer.from([16]), body]),
    };
  });
  const garbage = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }))
    .map(([f, rest]) => ({ kind: 'raw' as const, fc: f, pdu: Buffer.concat([Buffer.from([f]), rest]) }));
  const request = fc.tuple(fc.oneof(read, write6, write16, garbage), unitId);

  function pdu(f: number, words: number[]): Buffer {
    const b = Buffer.alloc(1 + words.length * 2);
    b[0] = f;
    words.forEach((w, i) => b.writeUInt16BE(w & 0xffff, 1 + i * 2));
    return b;
  }

  it(
    'answers every PDU with a valid answer or the documented exception, and never raises a limit',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (reqs) => {
          for (const [req, unit] of reqs) {
            const before = serialise(ems.commands());
            const t = ++tid & 0xffff;
            const frame = await conn.request(t, unit, req.pdu);
            const what = `unit ${unit} pdu ${req.pdu.toString('hex')} -> ${frame.toString('hex')}`;
            // MBAP echoes the transaction and unit ids, protocol 0, and the right length.
            expect(frame.readUInt16BE(0), what).toBe(t);
            expect(frame.readUInt16BE(2), what).toBe(0);
            expect(frame.readUInt16BE(4), what).toBe(frame.length - 6);
            expect(frame[6], what).toBe(unit);
            const answer = frame.subarray(7);
            const exception =
              answer[0] === ((req.fc | 0x80) & 0xff) && answer.length === 2 ? answer[1] : undefined;
            if (exception === undefined) {
              expect(answer[0], what).toBe(req.fc);
              expect([3, 4, 6, 16], what).toContain(req.fc);
              expect(unit, what).toBe(UNIT);
            } else expect([1, 2, 3, 0x0b], what).toContain(exception);
            if (![3, 4, 6, 16].includes(req.fc)) expect(exception, what).toBe(1);
            // Another unit id: 0B, or a quantity/range error (03/02) the framing layer finds before the unit.
            else if (unit !== UNIT) expect([2, 3, 0x0b], what).toContain(exception);
            if (req.kind === 'read' && unit === UNIT) {
              const inMap = Array.from({ length: req.count }, (_, i) =>
                layout.addresses.has(req.address + i),
              );
              if (req.count < 1 || req.count > 125) expect(exception, what).toBe(3);
              else if (inMap.every(Boolean)) {
                expect(exception, what).toBeUndefined();
                expect(answer[1], what).toBe(req.count * 2);
                expect(answer.length, what).toBe(2 + req.count * 2);
              } else expect(exception, what).toBe(2);
            }
            if (req.kind === 'write' && unit === UNIT) {
              const regs = req.values.map((_, i) => layout.addresses.get(req.address + i));
              // Registers are checked in order: an address problem (02) or a value before it (03).
              if (regs.some((r) => r === undefined || r.register.access !== 'rw'))
                expect([2, 3], what).toContain(exception);
              if (exception === undefined) {
                // The read-back of each written command register is what was written (or its clearing).
                const back = await conn.request(
                  ++tid & 0xffff,
                  UNIT,
                  pdu(3, [req.address, req.values.length]),
                );
                req.values.forEach((v, i) => {
                  const name = regs[i]!.register.name;
                  if (name === 'keepalive') return;
                  expect(back.readUInt16BE(9 + i * 2), `${what}: read-back of ${name}`).toBe(v);
                });
              }
            }
            if (exception !== undefined)
              expect(serialise(ems.commands()), `${what} changed commands`).toBe(before);
            expectWithinLimits(ems.commands(), what);
          }
          for (const c of emitted.splice(0)) expectWithinLimits(c, 'an emitted command');
        }),
        fuzzParams(300),
      );
    },
    fuzzTimeoutMs(300, 100),
  );

  it(
    'closes a connection whose MBAP header is malformed, answers split frames, and keeps serving',
    async () => {
      const header = fc.record({
        protocol: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })),
        length: fc.oneof(
          fc.integer({ min: 0, max: 1 }),
          fc.integer({ min: 2, max: 254 }),
          fc.integer({ min: 255, max: 0xffff }),
        ),
        body: fc.uint8Array({ maxLength: 300 }),
        splitAt: fc.nat(),
      });
      await fc.assert(
        fc.asyncProperty(header, async ({ protocol, length, body, splitAt }) => {
          const c = await RawConnection.open(ems.port);
          try {
            const head = Buffer.alloc(7);
            head.writeUInt16BE(7, 0);
            head.writeUInt16BE(protocol, 2);
            head.writeUInt16BE(length, 4);
            head[6] = UNIT;
            const malformed = protocol !== 0 || length < 2 || length > 254;
            const bytes = Buffer.concat([head, Buffer.from(body)]);
            if (malformed) {
              c.socket.write(bytes);
              await c.closed; // the server drops the connection (vitest's timeout catches a hang)
            } else {
              // A well-formed frame whose PDU is random, sent in two pieces, then a read: the read is
              // answered (the random PDU is answered first, or still waits for its missing bytes).
              const full = Buffer.concat([
                head.subarray(0, 6),
                Buffer.from([UNIT]),
                Buffer.alloc(length - 1, 0),
              ]);
              Buffer.from(body).copy(full, 7, 0, Math.min(body.length, length - 1));
              const cut = splitAt % full.length;
              c.socket.write(full.subarray(0, cut));
              c.socket.write(full.subarray(cut));
              const magic = await c.request(8, UNIT, pdu(3, [0, 1]));
              expect(magic.readUInt16BE(9)).toBe(0x4642);
            }
          } finally {
            c.close();
          }
          // Other connections are unaffected.
          const ok = await conn.request(++tid & 0xffff, UNIT, pdu(3, [0, 1]));
          expect(ok.readUInt16BE(9)).toBe(0x4642);
        }),
        fuzzParams(100),
      );
    },
    fuzzTimeoutMs(100, 200),
  );
});
