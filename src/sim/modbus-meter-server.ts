/**
 * Simulated meters over real Modbus TCP: one server, one device per unit id, each serving a preset's register
 * map (or SunSpec models) filled from values the caller sets at runtime. For the demo, tests and benchmarks.
 */
import type { Logger } from 'pino';
import { EXCEPTION, ModbusException } from '../modbus/modbus-exception.ts';
import { PRESETS } from '../modbus/presets/index.ts';
import type { RegisterMap, RegisterMapInput } from '../modbus/register-map.ts';
import { registerMapSchema } from '../modbus/register-map.ts';
import type { RegisterFunction } from '../modbus/register-types.ts';
import type { ModbusTcpServer, ServerReadRequest } from '../modbus/tcp-server.ts';
import { startModbusTcpServer } from '../modbus/tcp-server.ts';
import type { RegisterTables, SunSpecImageOptions } from './modbus-meter-encoder.ts';
import { encodeMap, encodeSunSpec, spanOf } from './modbus-meter-encoder.ts';
import type { SimMeterValues } from './modbus-meter-values.ts';
import { idleValues } from './modbus-meter-values.ts';

/** What one simulated device serves: a preset by name, a register map, or SunSpec models. */
export type SimDeviceModel =
  | { readonly preset: string }
  | { readonly map: RegisterMapInput }
  | ({ readonly sunspec: readonly number[] } & SunSpecImageOptions);

export interface SimDeviceConfig {
  readonly unitId: number;
  readonly model: SimDeviceModel;
  readonly values?: SimMeterValues | undefined;
}

export interface SimulatedMetersOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly devices: readonly SimDeviceConfig[];
  readonly logger?: Logger | undefined;
}

class SimDevice {
  values: SimMeterValues;
  silent = false;
  delayMs = 0;
  private tables: RegisterTables;
  private readonly overrides = new Map<string, number>();
  private readonly map: RegisterMap | null;

  constructor(readonly config: SimDeviceConfig) {
    const m = config.model;
    if ('preset' in m) {
      const preset = PRESETS.get(m.preset);
      if (!preset) throw new Error(`unknown preset '${m.preset}'`);
      this.map = preset.kind === 'map' ? registerMapSchema.parse(preset.map) : null;
      if (!this.map) throw new Error(`preset '${m.preset}' is discovered, give { sunspec: [model ids] }`);
    } else if ('map' in m) this.map = registerMapSchema.parse(m.map);
    else this.map = null;
    this.values = config.values ?? idleValues();
    this.tables = this.encode();
  }

  set(values: Partial<SimMeterValues>): void {
    this.values = { ...this.values, ...values };
    this.tables = this.encode();
  }

  override(fn: RegisterFunction, address: number, word: number | null): void {
    if (word === null) this.overrides.delete(`${fn}:${address}`);
    else this.overrides.set(`${fn}:${address}`, word);
  }

  read(fn: RegisterFunction, address: number, count: number): number[] {
    const table = this.tables[fn];
    const span = spanOf(table);
    // Inside the device's register span a gap reads 0 (as on most meters); outside it is an illegal address.
    if (!span || address < span[0] || address + count - 1 > span[1]) {
      throw new ModbusException(
        EXCEPTION.illegalDataAddress,
        `${fn} ${address}+${count} is outside the device`,
      );
    }
    return Array.from(
      { length: count },
      (_, i) => this.overrides.get(`${fn}:${address + i}`) ?? table.get(address + i) ?? 0,
    );
  }

  private encode(): RegisterTables {
    const m = this.config.model;
    if (this.map) return encodeMap(this.map, this.values);
    if ('sunspec' in m) return encodeSunSpec(m.sunspec, this.values, m);
    throw new Error('unreachable: a device has a map or SunSpec models');
  }
}

/** A running simulated-meter server. */
export class SimulatedMeters {
  private constructor(
    private readonly server: ModbusTcpServer,
    private readonly devices: Map<number, SimDevice>,
  ) {}

  /** Starts the server (port 0: a free port, see `port`). */
  static async start(options: SimulatedMetersOptions): Promise<SimulatedMeters> {
    const devices = new Map<number, SimDevice>();
    for (const d of options.devices) {
      if (devices.has(d.unitId)) throw new Error(`unit id ${d.unitId} is used twice`);
      devices.set(d.unitId, new SimDevice(d));
    }
    const server = await startModbusTcpServer({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      logger: options.logger,
      maxConnections: 256,
      handler: {
        read: (req: ServerReadRequest) => {
          const device = devices.get(req.unitId);
          if (!device) throw new ModbusException(EXCEPTION.gatewayTargetFailed, `no unit ${req.unitId}`);
          if (device.silent) return new Promise<number[]>(() => undefined);
          const values = device.read(req.function, req.address, req.count);
          if (device.delayMs <= 0) return values;
          return new Promise<number[]>((resolve) => setTimeout(() => resolve(values), device.delayMs));
        },
        write: () => {
          throw new ModbusException(EXCEPTION.illegalFunction, 'simulated meters are read-only');
        },
      },
    });
    return new SimulatedMeters(server, devices);
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** Sets some values of a device (currents, voltages, powers, energies...). */
  set(unitId: number, values: Partial<SimMeterValues>): void {
    this.device(unitId).set(values);
  }

  values(unitId: number): SimMeterValues {
    return this.device(unitId).values;
  }

  /** A silent device accepts requests and never answers (a hung meter or a broken RS-485 line). */
  setSilent(unitId: number, silent: boolean): void {
    this.device(unitId).silent = silent;
  }

  /** Answers of this device arrive `ms` late. */
  setDelay(unitId: number, ms: number): void {
    this.device(unitId).delayMs = ms;
  }

  /** Forces one raw register word (e.g. a NaN half or a "not implemented" marker); null restores it. */
  overrideRegister(unitId: number, fn: RegisterFunction, address: number, word: number | null): void {
    this.device(unitId).override(fn, address, word);
  }

  connections(): number {
    return this.server.connections();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private device(unitId: number): SimDevice {
    const d = this.devices.get(unitId);
    if (!d) throw new Error(`no simulated device with unit id ${unitId}`);
    return d;
  }
}
