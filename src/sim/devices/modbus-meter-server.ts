/**
 * Simulated meters over real Modbus TCP: one server, one device per unit id, each serving a preset's register
 * map (or SunSpec models) filled from values the caller sets at runtime. For the demo, tests and benchmarks.
 */
import type { Logger } from 'pino';
import { EXCEPTION, ModbusException } from '../../modbus/modbus-exception.ts';
import { PRESETS } from '../../modbus/presets/index.ts';
import type { RegisterMap, RegisterMapInput } from '../../modbus/register-map.ts';
import { registerMapSchema } from '../../modbus/register-map.ts';
import type { RegisterFunction } from '../../modbus/register-types.ts';
import type { ModbusTcpServer, ServerReadRequest } from '../../modbus/tcp-server.ts';
import { startModbusTcpServer } from '../../modbus/tcp-server.ts';
import type { RegisterTables, SunSpecImageOptions } from './modbus-meter-encoder.ts';
import { encodeMap, encodeSunSpec, spanOf } from './modbus-meter-encoder.ts';
import type { SimMeterValues } from './modbus-meter-values.ts';
import { M124 } from '../../modbus/battery-commander.ts';
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
  /**
   * A battery behind SunSpec model 124 (in `model.sunspec`): its storage controls accept writes, and
   * stepBattery runs it at what they command, integrating its state of charge.
   */
  readonly battery?: { readonly maxKw: number; readonly capacityKwh: number } | undefined;
}

/** Model 124 registers a battery takes writes to (offsets from its ID register; modbus/battery-commander.ts). */
const M124_WRITABLE = new Set<number>([M124.StorCtl_Mod, M124.OutWRte, M124.InWRte, M124.InOutWRte_RvrtTms]);

export interface SimulatedMetersOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly devices: readonly SimDeviceConfig[];
  readonly logger?: Logger | undefined;
  /** The batteries' clock (writes, revert time), ms; default Date.now. */
  readonly clock?: (() => number) | undefined;
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
    if (config.battery) {
      const at = this.modelAddress(124);
      if (at === null) throw new Error('a simulated battery needs SunSpec model 124');
      this.m124 = at;
      // WChaMax in 10 W (WChaMax_SF 1), rates in 0.1 % (InOutWRte_SF −1), idle, revert after 60 s.
      this.override('holding', at + M124.WChaMax, Math.round(config.battery.maxKw * 100));
      this.override('holding', at + M124.WChaMax_SF, 1);
      this.override('holding', at + M124.InOutWRte_SF, 0xffff);
      for (const o of M124_WRITABLE) this.override('holding', at + o, 0);
      this.override('holding', at + M124.InOutWRte_RvrtTms, 60);
    }
  }

  /** Model 124's ID register, when the device serves it. */
  readonly m124: number | null = null;
  lastWriteMs = -Infinity;
  writes = 0;

  /** Address of a SunSpec model's ID register in the image, or null. */
  private modelAddress(id: number): number | null {
    const h = this.tables.holding;
    for (const base of [40000, 0, 50000]) {
      if (h.get(base) !== 0x5375) continue;
      let at = base + 2;
      while (h.has(at) && h.get(at) !== 0xffff) {
        if (h.get(at) === id) return at;
        at += 2 + h.get(at + 1)!;
      }
    }
    return null;
  }

  /** A write of holding registers: only the storage controls of a battery's model 124. */
  write(address: number, values: readonly number[], nowMs: number): void {
    const at = this.m124;
    values.forEach((_, i) => {
      if (at === null || !M124_WRITABLE.has(address + i - at))
        throw new ModbusException(EXCEPTION.illegalDataAddress, `register ${address + i} is read-only`);
    });
    values.forEach((w, i) => this.override('holding', address + i, w));
    this.lastWriteMs = nowMs;
    this.writes++;
  }

  /** What model 124 commands now, kW (charging positive); 0 once its revert time has passed. */
  commandKw(nowMs: number): number {
    const at = this.m124;
    if (at === null || !this.config.battery) return 0;
    const word = (o: number): number => this.overrides.get(`holding:${at + o}`) ?? 0;
    const s16 = (w: number): number => (w >= 0x8000 ? w - 0x10000 : w);
    if (word(M124.StorCtl_Mod) === 0) return 0;
    if (nowMs - this.lastWriteMs > word(M124.InOutWRte_RvrtTms) * 1000) return 0;
    const inPct = s16(word(M124.InWRte)) / 10;
    return (inPct / 100) * this.config.battery.maxKw;
  }

  /** Runs the battery for dtMs at its command: power (charging positive) and state of charge. */
  stepBattery(dtMs: number, nowMs: number): void {
    const b = this.config.battery;
    if (!b) return;
    let soc = this.values.socPct ?? 50;
    let kw = this.commandKw(nowMs);
    if ((kw < 0 && soc <= 0) || (kw > 0 && soc >= 100)) kw = 0;
    soc = Math.max(0, Math.min(100, soc + (kw * dtMs * 100) / 3_600_000 / b.capacityKwh));
    const perPhaseA = (kw * 1000) / 230 / 3;
    this.set({
      currentA: [perPhaseA, perPhaseA, perPhaseA],
      powerPhaseKw: [kw / 3, kw / 3, kw / 3],
      powerKw: kw,
      socPct: soc,
    });
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
        write: (req) => {
          const device = devices.get(req.unitId);
          if (!device) throw new ModbusException(EXCEPTION.gatewayTargetFailed, `no unit ${req.unitId}`);
          if (device.silent) return new Promise<void>(() => undefined);
          if (device.m124 === null)
            throw new ModbusException(EXCEPTION.illegalFunction, 'simulated meters are read-only');
          device.write(req.address, req.values, (options.clock ?? Date.now)());
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

  /** A battery: runs it for dtMs at what its model 124 commands (see SimDeviceConfig.battery). */
  stepBattery(unitId: number, dtMs: number, nowMs: number): void {
    this.device(unitId).stepBattery(dtMs, nowMs);
  }

  /** A battery: what its model 124 commands now, kW (charging positive), and how many writes it took. */
  battery(unitId: number, nowMs: number): { commandKw: number; writes: number } {
    const d = this.device(unitId);
    return { commandKw: d.commandKw(nowMs), writes: d.writes };
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
