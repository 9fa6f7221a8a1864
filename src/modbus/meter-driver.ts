/** The one generic driver: reads a device's register map (preset, config or SunSpec) into a MeterReading. */
import type { ModbusDriverConfig } from './device-schema.ts';
import type { MeterReading, RejectedValue } from '../contracts/meter-reading.ts';
import type { RegisterReader } from './modbus-client.ts';
import { ModbusDeviceError } from './modbus-client.ts';
import { PRESETS } from './presets/index.ts';
import type { ReadRequest } from './read-plan.ts';
import { planReads } from './read-plan.ts';
import type { DecodeOptions } from './reading-decoder.ts';
import { decodeReading } from './reading-decoder.ts';
import type { RegisterBlock } from './register-image.ts';
import { imageOf } from './register-image.ts';
import type { RegisterMap, RegisterPoint } from './register-map.ts';
import { PHASE_QUANTITIES, SINGLE_QUANTITIES, registerMapSchema } from './register-map.ts';
import type { RegisterFunction } from './register-types.ts';
import { wordCount } from './register-types.ts';
import type { MeterRole, SunSpecDevice } from './sunspec-discovery.ts';
import { discoverSunSpec, sunspecRegisterMap } from './sunspec-discovery.ts';

/** Where the register map comes from: fixed (preset or config) or discovered on a SunSpec device. */
export type MapSource =
  | { readonly kind: 'map'; readonly map: RegisterMap }
  | { readonly kind: 'sunspec'; readonly role: MeterRole };

/** A preset name the driver does not know. */
export class UnknownPresetError extends Error {
  constructor(readonly preset: string) {
    super(`unknown meter preset '${preset}': use one of ${[...PRESETS.keys()].join(', ')}`);
    this.name = 'UnknownPresetError';
  }
}

/** The map source of a preset by name. */
export function presetSource(name: string, role: MeterRole): MapSource {
  const preset = PRESETS.get(name);
  if (!preset) throw new UnknownPresetError(name);
  return preset.kind === 'sunspec'
    ? { kind: 'sunspec', role }
    : { kind: 'map', map: registerMapSchema.parse(preset.map) };
}

/** The map source a validated driver block describes. */
export function mapSourceOf(driver: ModbusDriverConfig, role: MeterRole): MapSource {
  if (driver.registers) return { kind: 'map', map: driver.registers };
  return presetSource(driver.preset ?? '', role);
}

export class MeterDriver {
  private map: RegisterMap | null;
  private plan: ReadRequest[];
  private sunspec: SunSpecDevice | null = null;
  /** Points the device refused (exception 02): dropped from the map, reported with every reading. */
  private missing: RejectedValue[] = [];

  constructor(
    readonly meterId: string,
    private readonly source: MapSource,
    private readonly options: DecodeOptions = {},
  ) {
    this.map = source.kind === 'map' ? source.map : null;
    this.plan = this.map ? planReads(this.map) : [];
  }

  /** The SunSpec models found, once discovered. */
  get sunspecDevice(): SunSpecDevice | null {
    return this.sunspec;
  }

  /** The register map in use (after discovery for SunSpec). */
  get registerMap(): RegisterMap | null {
    return this.map;
  }

  /** Requests one poll makes. */
  get readPlan(): readonly ReadRequest[] {
    return this.plan;
  }

  /** Forget a discovered map, so the next read discovers again (after a device restart or exception). */
  forgetDiscovery(): void {
    if (this.source.kind === 'sunspec') {
      this.map = null;
      this.sunspec = null;
      this.plan = [];
      this.missing = [];
    }
  }

  /** Reads every block of the map and decodes one reading; `nowMs` stamps it when the last block arrived. */
  async read(reader: RegisterReader, nowMs: () => number): Promise<MeterReading> {
    if (!this.map && this.source.kind === 'sunspec') {
      this.sunspec = await discoverSunSpec(reader);
      this.map = sunspecRegisterMap(this.sunspec, this.source.role);
      this.plan = planReads(this.map);
    }
    const blocks: RegisterBlock[] = [];
    for (const r of this.plan) {
      try {
        blocks.push({
          function: r.function,
          address: r.address,
          values: await reader.read(r.function, r.address, r.count),
        });
      } catch (err) {
        // A device without some register of the map answers "illegal data address" for the whole block:
        // find what it lacks, drop it, and read the rest (once; the map then stays reduced).
        if (!(err instanceof ModbusDeviceError && err.exceptionCode === 2) || !(await this.adapt(reader, r)))
          throw err;
        return this.read(reader, nowMs);
      }
    }
    const reading = decodeReading(this.map!, imageOf(blocks), this.meterId, nowMs(), this.options);
    return this.missing.length === 0
      ? reading
      : { ...reading, rejected: [...this.missing, ...reading.rejected] };
  }

  /** Probes the points of a refused request one by one; true when the map changed. */
  private async adapt(reader: RegisterReader, request: ReadRequest): Promise<boolean> {
    const map = this.map!;
    const inRequest = (fn: string, address: number, count: number): boolean =>
      fn === request.function &&
      address < request.address + request.count &&
      address + count > request.address;
    const exists = async (fn: RegisterFunction, address: number, count: number): Promise<boolean> => {
      try {
        await reader.read(fn, address, count);
        return true;
      } catch (err) {
        if (err instanceof ModbusDeviceError && err.exceptionCode === 2) return false;
        throw err;
      }
    };
    const keep = async (p: RegisterPoint, label: string): Promise<boolean> => {
      const fn = p.function ?? map.function;
      const sfFn = p.scaleFactor?.function ?? fn;
      const touches =
        inRequest(fn, p.address, wordCount(p.type)) ||
        (p.scaleFactor !== undefined && inRequest(sfFn, p.scaleFactor.address, 1));
      if (!touches) return true;
      const ok =
        (await exists(fn, p.address, wordCount(p.type))) &&
        (!p.scaleFactor || (await exists(sfFn, p.scaleFactor.address, 1)));
      if (!ok) this.missing.push({ quantity: label, reason: `the device has no register ${p.address}` });
      return ok;
    };
    const points: Record<string, unknown> = { ...map.points };
    let dropped = 0;
    for (const q of PHASE_QUANTITIES) {
      const triple = map.points[q];
      if (!triple) continue;
      const next: (RegisterPoint | null)[] = [];
      for (const [i, p] of triple.entries()) {
        const stays = p === null || (await keep(p, `${q}[${i}]`));
        if (!stays) dropped++;
        next.push(stays ? p : null);
      }
      points[q] = next;
    }
    for (const q of SINGLE_QUANTITIES) {
      const p = map.points[q];
      if (p && !(await keep(p, q))) {
        dropped++;
        delete points[q];
      }
    }
    if (dropped === 0 && map.maxGap === 0) return false;
    // Nothing missing: the request spanned a gap the device refuses; read adjacent registers only.
    this.map = { ...map, maxGap: dropped === 0 ? 0 : map.maxGap, points: points };
    this.plan = planReads(this.map);
    return true;
  }
}
