/**
 * A small Modbus TCP server: MBAP framing, FC3/FC4 reads, FC6/FC16 writes, exception responses, an IP
 * allow-list, connection caps (overall and per address), an idle timeout and a cap on pending requests per
 * connection, with rate-limited logging of the clients it refuses or closes. Used by the EMS interface and the
 * simulated meters. (modbus-serial's ServerTCP cannot listen on an ephemeral port, hides its socket server
 * from an allow-list and does not bound request sizes.)
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { allowListOf, isAllowed } from './allow-list.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { RefusalLog } from './refusal-log.ts';
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
  /** Open connections at most (default 32); more are refused. */
  readonly maxConnections?: number | undefined;
  /** Open connections from one client address at most (default: maxConnections); more from it are refused. */
  readonly maxConnectionsPerAddress?: number | undefined;
  /**
   * A connection with no complete request and no answer for this long is closed (default 60 s). Bytes of an
   * unfinished frame do not count: a client that sends a partial header and stops is closed all the same.
   */
  readonly idleTimeoutMs?: number | undefined;
  /** Requests received and not yet answered on one connection at most (default 16); one more closes it. */
  readonly maxPendingRequests?: number | undefined;
  /** Refused and closed clients are logged once, then as one summary line per this interval (default 60 s). */
  readonly refusalLogIntervalMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Timers of the idle timeout and the log summary (default: the system clock). */
  readonly clock?: Clock | undefined;
}

export const TCP_SERVER_DEFAULTS = {
  maxConnections: 32,
  idleTimeoutMs: 60_000,
  maxPendingRequests: 16,
  refusalLogIntervalMs: 60_000,
} as const;

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

/** The address a client is counted under: IPv4-mapped IPv6 addresses as IPv4. */
function addressKey(remote: string): string {
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}

/** What serving one connection needs from its server. */
interface ConnectionScope {
  readonly handler: ModbusRequestHandler;
  readonly logger: Logger | undefined;
  readonly clock: Clock;
  readonly idleTimeoutMs: number;
  readonly maxPending: number;
  readonly refusals: RefusalLog;
}

/** An answer PDU in its MBAP frame: the request's transaction and unit id. */
function mbapFrame(tid: number, unitId: number, reply: Buffer): Buffer {
  const head = Buffer.alloc(MBAP_LENGTH);
  head.writeUInt16BE(tid, 0);
  head.writeUInt16BE(0, 2);
  head.writeUInt16BE(reply.length + 1, 4);
  head[6] = unitId;
  return Buffer.concat([head, reply]);
}

/**
 * Serves one admitted connection: splits its bytes into MBAP frames, answers them in order, and closes it on
 * a malformed frame, too many pending requests, or idleness.
 */
function serveConnection(socket: net.Socket, remote: string, scope: ConnectionScope): void {
  const { handler, logger, clock, idleTimeoutMs, maxPending, refusals } = scope;
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  // Requests of one connection are answered in order, one after the other.
  let queue: Promise<void> = Promise.resolve();
  let inFlight = 0;
  // Idle: no complete request and no answer for idleTimeoutMs (a request being answered is not idleness).
  let idleTimer: unknown = null;
  const onIdle = (): void => {
    if (inFlight > 0) return armIdle();
    refusals.note('closed: idle', remote, { idleTimeoutMs, partialFrameBytes: pending.length });
    socket.destroy();
  };
  const armIdle = (): void => {
    clock.clearTimeout(idleTimer);
    idleTimer = clock.setTimeout(onIdle, idleTimeoutMs);
  };
  armIdle();
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= MBAP_LENGTH) {
      const protocol = pending.readUInt16BE(2);
      const length = pending.readUInt16BE(4);
      if (protocol !== 0 || length < 2 || length > MAX_PDU + 1) {
        refusals.note('closed: malformed frame', remote, { protocol, length });
        socket.destroy();
        return;
      }
      if (pending.length < 6 + length) break;
      if (inFlight >= maxPending) {
        refusals.note('closed: too many pending requests', remote, { maxPendingRequests: maxPending });
        socket.destroy();
        return;
      }
      const frame = pending.subarray(0, 6 + length);
      pending = pending.subarray(6 + length);
      const tid = frame.readUInt16BE(0);
      const unitId = frame[6]!;
      const pdu = Buffer.from(frame.subarray(7));
      inFlight++;
      armIdle();
      queue = queue.then(async () => {
        const reply = await answer(pdu, unitId, remote, handler, logger);
        inFlight--;
        if (socket.destroyed) return;
        armIdle();
        socket.write(mbapFrame(tid, unitId, reply));
      });
    }
  });
  socket.on('close', () => clock.clearTimeout(idleTimer));
}

/** Starts listening; resolves once the port is bound. */
export async function startModbusTcpServer(options: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
  const allow = allowListOf(options.allow);
  const { handler, logger } = options;
  const clock = options.clock ?? systemClock;
  const maxConnections = options.maxConnections ?? TCP_SERVER_DEFAULTS.maxConnections;
  const maxPerAddress = options.maxConnectionsPerAddress ?? maxConnections;
  const idleTimeoutMs = options.idleTimeoutMs ?? TCP_SERVER_DEFAULTS.idleTimeoutMs;
  const maxPending = options.maxPendingRequests ?? TCP_SERVER_DEFAULTS.maxPendingRequests;
  const refusals = new RefusalLog(
    logger,
    clock,
    options.refusalLogIntervalMs ?? TCP_SERVER_DEFAULTS.refusalLogIntervalMs,
  );
  const sockets = new Set<net.Socket>();
  const perAddress = new Map<string, number>();
  const server = net.createServer((socket) => {
    const remote = socket.remoteAddress ?? '';
    const key = addressKey(remote);
    if (!isAllowed(allow, remote)) {
      refusals.note('refused: not on the allow-list', remote);
      socket.destroy();
      return;
    }
    if (sockets.size >= maxConnections) {
      refusals.note('refused: too many connections', remote, { maxConnections });
      socket.destroy();
      return;
    }
    if ((perAddress.get(key) ?? 0) >= maxPerAddress) {
      refusals.note('refused: too many connections from its address', remote, {
        maxConnectionsPerAddress: maxPerAddress,
      });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    perAddress.set(key, (perAddress.get(key) ?? 0) + 1);
    serveConnection(socket, remote, { handler, logger, clock, idleTimeoutMs, maxPending, refusals });
    socket.on('error', (err) => logger?.debug({ err, remote }, 'modbus client socket error'));
    socket.on('close', () => {
      sockets.delete(socket);
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
  });
  // The kernel-level backstop; refusals above it are counted by our own cap first.
  server.maxConnections = maxConnections + 8;
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
        refusals.close();
        server.close(() => resolve());
      }),
  };
}
