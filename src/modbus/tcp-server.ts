/**
 * A small Modbus TCP server: MBAP framing, FC3/FC4 reads, FC6/FC16 writes, exception responses, an IP
 * allow-list. Used by the EMS interface and the simulated meters. (modbus-serial's ServerTCP cannot listen on
 * an ephemeral port, hides its socket server from an allow-list and does not bound request sizes.)
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { allowListOf, isAllowed } from './allow-list.ts';
import { EXCEPTION, ModbusException } from './modbus-exception.ts';
import type { RegisterFunction } from './register-types.ts';

export interface ServerReadRequest {
  readonly unitId: number;
  readonly function: RegisterFunction;
  readonly address: number;
  readonly count: number;
  readonly remote: string;
}

export interface ServerWriteRequest {
  readonly unitId: number;
  readonly address: number;
  readonly values: readonly number[];
  readonly remote: string;
}

/** What serves the registers; throw ModbusException to refuse. A promise that never settles = no answer. */
export interface ModbusRequestHandler {
  read(req: ServerReadRequest): readonly number[] | Promise<readonly number[]>;
  write(req: ServerWriteRequest): void | Promise<void>;
}

export interface ModbusTcpServerOptions {
  readonly host: string;
  /** 0 picks a free port; see `port` on the started server. */
  readonly port: number;
  readonly handler: ModbusRequestHandler;
  /** Client addresses (IPv4/IPv6, or CIDR like 10.0.0.0/24) allowed to connect; empty or absent: everyone. */
  readonly allow?: readonly string[] | undefined;
  readonly maxConnections?: number | undefined;
  readonly logger?: Logger | undefined;
}

export interface ModbusTcpServer {
  readonly host: string;
  readonly port: number;
  /** Currently open client connections. */
  connections(): number;
  close(): Promise<void>;
}

const MBAP_LENGTH = 7; // transaction id, protocol id, length, unit id
const MAX_PDU = 253; // Modbus Application Protocol §4.1
// Modbus Application Protocol §6.3, §6.4, §6.12: quantities per request.
const MAX_READ = 125;
const MAX_WRITE = 123;

function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code]);
}

function checkRange(address: number, count: number, max: number): void {
  if (count < 1 || count > max)
    throw new ModbusException(EXCEPTION.illegalDataValue, `quantity ${count} is not 1..${max}`);
  if (address + count > 0x10000) {
    throw new ModbusException(
      EXCEPTION.illegalDataAddress,
      `registers ${address}..${address + count - 1} pass 65535`,
    );
  }
}

/** Answers one request PDU; exceptions become exception PDUs. */
async function answer(
  pdu: Buffer,
  unitId: number,
  remote: string,
  handler: ModbusRequestHandler,
  logger: Logger | undefined,
): Promise<Buffer> {
  const fc = pdu[0]!;
  try {
    switch (fc) {
      case 3:
      case 4: {
        if (pdu.length !== 5)
          throw new ModbusException(EXCEPTION.illegalDataValue, `read request of ${pdu.length} bytes`);
        const address = pdu.readUInt16BE(1);
        const count = pdu.readUInt16BE(3);
        checkRange(address, count, MAX_READ);
        const fn = fc === 3 ? 'holding' : 'input';
        const values = await handler.read({ unitId, function: fn, address, count, remote });
        const out = Buffer.alloc(2 + count * 2);
        out[0] = fc;
        out[1] = count * 2;
        for (let i = 0; i < count; i++) out.writeUInt16BE((values[i] ?? 0) & 0xffff, 2 + i * 2);
        return out;
      }
      case 6: {
        if (pdu.length !== 5)
          throw new ModbusException(EXCEPTION.illegalDataValue, `write request of ${pdu.length} bytes`);
        const address = pdu.readUInt16BE(1);
        await handler.write({ unitId, address, values: [pdu.readUInt16BE(3)], remote });
        return Buffer.from(pdu);
      }
      case 16: {
        if (pdu.length < 6) throw new ModbusException(EXCEPTION.illegalDataValue, 'short write request');
        const address = pdu.readUInt16BE(1);
        const count = pdu.readUInt16BE(3);
        const bytes = pdu[5]!;
        checkRange(address, count, MAX_WRITE);
        if (bytes !== count * 2 || pdu.length !== 6 + bytes) {
          throw new ModbusException(
            EXCEPTION.illegalDataValue,
            `byte count ${bytes} does not match ${count} registers`,
          );
        }
        const values: number[] = [];
        for (let i = 0; i < count; i++) values.push(pdu.readUInt16BE(6 + i * 2));
        await handler.write({ unitId, address, values, remote });
        return pdu.subarray(0, 5);
      }
      default:
        throw new ModbusException(EXCEPTION.illegalFunction, `function code ${fc} is not supported`);
    }
  } catch (err) {
    if (err instanceof ModbusException) {
      logger?.debug({ remote, unitId, fc, code: err.code, detail: err.detail }, 'modbus exception response');
      return exceptionPdu(fc, err.code);
    }
    logger?.error({ err, remote, unitId, fc }, 'modbus request handler failed');
    return exceptionPdu(fc, EXCEPTION.serverDeviceFailure);
  }
}

/** Starts listening; resolves once the port is bound. */
export async function startModbusTcpServer(options: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
  const allow = allowListOf(options.allow);
  const { handler, logger } = options;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const remote = socket.remoteAddress ?? '';
    if (!isAllowed(allow, remote)) {
      logger?.warn({ remote }, 'modbus client refused: not on the allow-list');
      socket.destroy();
      return;
    }
    if (sockets.size >= (options.maxConnections ?? 32)) {
      logger?.warn({ remote }, 'modbus client refused: too many connections');
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    // Requests of one connection are answered in order, one after the other.
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= MBAP_LENGTH) {
        const protocol = pending.readUInt16BE(2);
        const length = pending.readUInt16BE(4);
        if (protocol !== 0 || length < 2 || length > MAX_PDU + 1) {
          logger?.warn({ remote, protocol, length }, 'modbus client sent a malformed frame; closing');
          socket.destroy();
          return;
        }
        if (pending.length < 6 + length) break;
        const frame = pending.subarray(0, 6 + length);
        pending = pending.subarray(6 + length);
        const tid = frame.readUInt16BE(0);
        const unitId = frame[6]!;
        const pdu = Buffer.from(frame.subarray(7));
        queue = queue.then(async () => {
          const reply = await answer(pdu, unitId, remote, handler, logger);
          if (socket.destroyed) return;
          const head = Buffer.alloc(MBAP_LENGTH);
          head.writeUInt16BE(tid, 0);
          head.writeUInt16BE(0, 2);
          head.writeUInt16BE(reply.length + 1, 4);
          head[6] = unitId;
          socket.write(Buffer.concat([head, reply]));
        });
      }
    });
    socket.on('error', (err) => logger?.debug({ err, remote }, 'modbus client socket error'));
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = (options.maxConnections ?? 32) + 8;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger?.error({ err }, 'modbus server error'));
  const bound = server.address() as net.AddressInfo;
  return {
    host: options.host,
    port: bound.port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
