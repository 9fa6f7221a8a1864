/** One Modbus TCP connection to one device (modbus-serial underneath), with per-request timeouts and typed errors. */
import modbusSerial from 'modbus-serial';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { RegisterFunction } from './register-types.ts';

// modbus-serial is CommonJS: under NodeNext its default export arrives as the module object.
type ModbusRTUClass = typeof modbusSerial.default;
const ModbusRTU = ((modbusSerial as unknown as { default?: ModbusRTUClass }).default ??
  modbusSerial) as ModbusRTUClass;
type ModbusRTUInstance = InstanceType<ModbusRTUClass>;

/** Where a device answers: `modbus://host:port/unit`. */
export interface ModbusEndpoint {
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
}

/** Human form of an endpoint, as in logs and the probe command. */
export function endpointText(e: ModbusEndpoint): string {
  return `modbus://${e.host}:${e.port}/${e.unitId}`;
}

export type ModbusErrorKind = 'connect' | 'timeout' | 'exception' | 'closed' | 'protocol';

/** A failed request or connection; `exceptionCode` is set when the device answered with a Modbus exception. */
export class ModbusDeviceError extends Error {
  constructor(
    readonly kind: ModbusErrorKind,
    readonly endpoint: string,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(`${endpoint}: ${message}`);
    this.name = 'ModbusDeviceError';
  }
}

/** Reads registers; the driver needs nothing more. */
export interface RegisterReader {
  read(fn: RegisterFunction, address: number, count: number): Promise<number[]>;
}

/** A connection to one device. `connect` again after any error of kind connect, timeout or closed. */
export class ModbusTcpClient implements RegisterReader {
  private client: ModbusRTUInstance | null = null;
  // Requests in flight: close() fails them at once instead of leaving them to their timeout.
  private readonly pending = new Set<(err: Error) => void>();
  readonly name: string;

  constructor(
    readonly endpoint: ModbusEndpoint,
    private readonly timeoutMs: number,
    /** Fusebox's clock, for the request deadlines (the system clock when absent). */
    private readonly clock: Clock = systemClock,
  ) {
    this.name = endpointText(endpoint);
  }

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  /** Opens the TCP connection, or fails after the timeout. */
  async connect(): Promise<void> {
    this.close();
    const client = new ModbusRTU();
    this.client = client;
    client.on('error', () => undefined); // errors surface on the pending request
    try {
      await this.withTimeout(client.connectTCP(this.endpoint.host, { port: this.endpoint.port }), 'connect');
    } catch (err) {
      this.close();
      if (err instanceof ModbusDeviceError) throw err;
      throw new ModbusDeviceError('connect', this.name, `cannot connect: ${messageOf(err)}`);
    }
    client.setID(this.endpoint.unitId);
    client.setTimeout(this.timeoutMs);
  }

  /** Reads `count` registers from `address`; rejects with a ModbusDeviceError. */
  async read(fn: RegisterFunction, address: number, count: number): Promise<number[]> {
    const client = this.client;
    if (!client?.isOpen) throw new ModbusDeviceError('closed', this.name, 'not connected');
    try {
      const request =
        fn === 'holding'
          ? client.readHoldingRegisters(address, count)
          : client.readInputRegisters(address, count);
      const result = await this.withTimeout(request, `read ${fn} ${address}+${count}`);
      if (result.data.length !== count) {
        throw new ModbusDeviceError(
          'protocol',
          this.name,
          `asked ${count} registers at ${address}, got ${result.data.length}`,
        );
      }
      return result.data;
    } catch (err) {
      throw this.toError(err, `read ${fn} ${address}+${count}`);
    }
  }

  /** Writes holding registers from `address` (FC16); rejects with a ModbusDeviceError. */
  async write(address: number, values: readonly number[]): Promise<void> {
    const client = this.client;
    if (!client?.isOpen) throw new ModbusDeviceError('closed', this.name, 'not connected');
    try {
      await this.withTimeout(
        client.writeRegisters(address, [...values]),
        `write ${address}+${values.length}`,
      );
    } catch (err) {
      throw this.toError(err, `write ${address}+${values.length}`);
    }
  }

  /** Closes the connection (idempotent). */
  close(): void {
    const client = this.client;
    this.client = null;
    for (const fail of [...this.pending])
      fail(new ModbusDeviceError('closed', this.name, 'connection closed'));
    if (client) {
      // destroy() cancels modbus-serial's pending transaction timers and drops the socket.
      client.destroy(() => undefined);
    }
  }

  private toError(err: unknown, what: string): ModbusDeviceError {
    if (err instanceof ModbusDeviceError) return err;
    const e = err as { modbusCode?: number; errno?: string; message?: string };
    if (typeof e.modbusCode === 'number') {
      return new ModbusDeviceError(
        'exception',
        this.name,
        `${what}: ${e.message ?? 'exception'}`,
        e.modbusCode,
      );
    }
    if (e.errno === 'ETIMEDOUT') return new ModbusDeviceError('timeout', this.name, `${what}: no answer`);
    if (!this.isOpen) return new ModbusDeviceError('closed', this.name, `${what}: connection lost`);
    return new ModbusDeviceError('protocol', this.name, `${what}: ${messageOf(err)}`);
  }

  // Our own deadline on top of modbus-serial's: its timer does not cover a connect that never completes.
  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.clock.clearTimeout(timer);
        this.pending.delete(fail);
        reject(err);
      };
      this.pending.add(fail);
      const timer = this.clock.setTimeout(() => {
        fail(new ModbusDeviceError('timeout', this.name, `${what}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      p.then(
        (v) => {
          this.clock.clearTimeout(timer);
          this.pending.delete(fail);
          resolve(v);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          this.pending.delete(fail);
          // modbus-serial's errors are plain objects: keep their errno/modbusCode for toError().
          reject(err instanceof Error ? err : Object.assign(new Error(messageOf(err)), err as object));
        },
      );
    });
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String(err.message);
  return String(err);
}
