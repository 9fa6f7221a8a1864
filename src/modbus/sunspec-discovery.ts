/** SunSpec discovery: find the "SunS" marker, walk the model chain, build a register map from known models. */
import type { RegisterReader } from './modbus-client.ts';
import { ModbusDeviceError } from './modbus-client.ts';
import type { MeterPointsInput, RegisterMap, RegisterPointInput } from './register-map.ts';
import { registerMapSchema } from './register-map.ts';
import type { SunSpecModelLayout } from './presets/sunspec-models.ts';
import { SUNSPEC_BASES, SUNSPEC_COMMON, SUNSPEC_MARKER, SUNSPEC_MODELS } from './presets/sunspec-models.ts';

/** What a meter measures, as in the site config. */
export type MeterRole = 'load' | 'pv' | 'battery';

export interface SunSpecModelInstance {
  readonly id: number;
  /** Address of the model's ID register. */
  readonly address: number;
  readonly length: number;
  readonly layout?: SunSpecModelLayout | undefined;
}

export interface SunSpecIdentity {
  readonly manufacturer: string;
  readonly model: string;
  readonly version: string;
  readonly serialNumber: string;
}

export interface SunSpecDevice {
  readonly base: number;
  readonly models: readonly SunSpecModelInstance[];
  readonly identity: SunSpecIdentity | null;
}

/** The device is not SunSpec, or has no model Fusebox can read for this role. */
export class SunSpecDiscoveryError extends Error {
  constructor(
    message: string,
    readonly detail: unknown,
  ) {
    super(message);
    this.name = 'SunSpecDiscoveryError';
  }
}

const END_MODEL = 0xffff;
const MAX_MODELS = 64;
const LAYOUTS = new Map(SUNSPEC_MODELS.map((m) => [m.id, m]));

/** ASCII string from registers, NULs and trailing blanks removed. */
export function registersToText(words: readonly number[]): string {
  const buf = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => buf.writeUInt16BE(w, i * 2));
  return buf.toString('latin1').replace(/\0.*$/s, '').trim();
}

async function findBase(reader: RegisterReader): Promise<number> {
  const tried: string[] = [];
  for (const base of SUNSPEC_BASES) {
    try {
      const [a, b] = await reader.read('holding', base, 2);
      if (a === SUNSPEC_MARKER[0] && b === SUNSPEC_MARKER[1]) return base;
      tried.push(`${base}: no marker`);
    } catch (err) {
      // An exception (no such register) means "not here"; a lost connection ends the discovery.
      if (err instanceof ModbusDeviceError && err.kind === 'exception')
        tried.push(`${base}: exception ${err.exceptionCode}`);
      else throw err;
    }
  }
  throw new SunSpecDiscoveryError(`no SunSpec marker "SunS" at ${SUNSPEC_BASES.join(', ')}`, tried);
}

/** Reads the marker and the model chain. */
export async function discoverSunSpec(reader: RegisterReader): Promise<SunSpecDevice> {
  const base = await findBase(reader);
  const models: SunSpecModelInstance[] = [];
  let identity: SunSpecIdentity | null = null;
  let address = base + 2;
  for (let i = 0; i < MAX_MODELS && address < 0xfffe; i++) {
    const [id, length] = await reader.read('holding', address, 2);
    if (id === undefined || length === undefined || id === END_MODEL || id === 0) break;
    models.push({ id, address, length, layout: LAYOUTS.get(id) });
    if (id === SUNSPEC_COMMON.id && length >= 64) {
      const words = await reader.read('holding', address + 2, Math.min(length, 66));
      const text = (key: keyof typeof SUNSPEC_COMMON.strings): string => {
        const [offset, size] = SUNSPEC_COMMON.strings[key];
        return registersToText(words.slice(offset - 2, offset - 2 + size));
      };
      identity = {
        manufacturer: text('manufacturer'),
        model: text('model'),
        version: text('version'),
        serialNumber: text('serialNumber'),
      };
    }
    address += 2 + length;
  }
  return { base, models, identity };
}

function shift(p: RegisterPointInput | null | undefined, by: number): RegisterPointInput | null {
  if (!p) return null;
  return {
    ...p,
    address: p.address + by,
    ...(p.scaleFactor ? { scaleFactor: { ...p.scaleFactor, address: p.scaleFactor.address + by } } : {}),
  };
}

function placed(model: SunSpecModelInstance): MeterPointsInput {
  const by = model.address;
  const pts = model.layout?.points ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pts)) {
    out[key] = Array.isArray(value)
      ? (value as (RegisterPointInput | null)[]).map((p) => shift(p, by))
      : shift(value, by);
  }
  return out;
}

/** The register map for a role: load → a meter model, pv → an inverter, battery → model 802 (else 124). */
export function sunspecRegisterMap(device: SunSpecDevice, role: MeterRole): RegisterMap {
  const first = (kind: SunSpecModelLayout['kind']): SunSpecModelInstance | undefined =>
    device.models.find((m) => m.layout?.kind === kind && m.length >= m.layout.length);
  let points: MeterPointsInput | undefined;
  const meter = first('meter');
  const inverter = first('inverter');
  if (role === 'load') points = meter ? placed(meter) : inverter ? placed(inverter) : undefined;
  else if (role === 'pv') {
    if (inverter) points = placed(inverter);
    else if (meter) {
      const p = placed(meter);
      // A production meter: what it measures as export is the PV production.
      points = p.powerKw ? { ...p, productionKw: { ...p.powerKw, scale: -(p.powerKw.scale ?? 1) } } : p;
    }
  } else {
    const battery = first('battery');
    const storage = first('storage');
    if (battery) points = placed(battery);
    else if (storage) points = placed(storage);
  }
  if (!points) {
    const found = device.models.map((m) => m.id).join(', ') || 'none';
    throw new SunSpecDiscoveryError(
      `no SunSpec model for a ${role} meter (models found: ${found})`,
      device.models,
    );
  }
  return registerMapSchema.parse({ function: 'holding', markers: 'sunspec', maxGap: 64, points });
}
