/**
 * The inverse of the meter driver, for the simulator: meter values → the registers a device with this map
 * (or these SunSpec models) would serve. Chooses SunSpec scale factors that fit the values.
 */
import { encodeRegisters } from '../../modbus/register-codec.ts';
import type { Quantity, RegisterMap, RegisterPoint } from '../../modbus/register-map.ts';
import { PHASE_QUANTITIES, SINGLE_QUANTITIES, registerMapSchema } from '../../modbus/register-map.ts';
import type { RegisterFunction } from '../../modbus/register-types.ts';
import type { SUNSPEC_BASES } from '../../modbus/presets/sunspec-models.ts';
import { SUNSPEC_COMMON, SUNSPEC_MARKER, SUNSPEC_MODELS } from '../../modbus/presets/sunspec-models.ts';
import type { SimMeterValues } from './modbus-meter-values.ts';

/** Registers by table and address. */
export interface RegisterTables {
  holding: Map<number, number>;
  input: Map<number, number>;
}

export function emptyTables(): RegisterTables {
  return { holding: new Map(), input: new Map() };
}

interface Entry {
  point: RegisterPoint;
  value: number;
  quantity: Quantity;
}

const TYPE_RANGE: Record<RegisterPoint['type'], [number, number]> = {
  u16: [0, 0xfffe], // 0xFFFF is a "not available" marker on SunSpec and ABB devices
  s16: [-0x7fff, 0x7fff],
  u32: [0, 0xfffffffe],
  s32: [-0x7fffffff, 0x7ffffffe],
  u64: [0, Number.MAX_SAFE_INTEGER],
  s64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  f32: [-Infinity, Infinity],
  f64: [-Infinity, Infinity],
};

function valueOf(values: SimMeterValues, q: Quantity, phase: number): number | undefined {
  if (q === 'currentA' || q === 'voltageV' || q === 'powerPhaseKw') return values[q][phase];
  return values[q];
}

function rawOf(e: Entry, map: RegisterMap, sf: number): number {
  const magnitude =
    map.currentSign === 'from-power' && e.quantity === 'currentA' ? Math.abs(e.value) : e.value;
  return magnitude / e.point.scale / 10 ** sf;
}

/** Writes the map's registers for these values into `tables`. */
export function encodeMap(
  map: RegisterMap,
  values: SimMeterValues,
  tables: RegisterTables = emptyTables(),
): RegisterTables {
  const entries: Entry[] = [];
  for (const q of PHASE_QUANTITIES) {
    (map.points[q] ?? []).forEach((p, i) => {
      const v = valueOf(values, q, i);
      if (p && v !== undefined) entries.push({ point: p, value: v, quantity: q });
    });
  }
  // powerKw after productionKw: where both read one register (SunSpec inverters) the power wins.
  for (const q of [...SINGLE_QUANTITIES].sort((a) => (a === 'powerKw' ? 1 : -1))) {
    const p = map.points[q];
    const v = valueOf(values, q, 0);
    if (p && v !== undefined) entries.push({ point: p, value: v, quantity: q });
  }
  // One scale factor per SF register: the finest that fits every value sharing it.
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    if (!e.point.scaleFactor) continue;
    const key = `${e.point.scaleFactor.function ?? e.point.function ?? map.function}:${e.point.scaleFactor.address}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const sfOf = new Map<string, number>();
  for (const [key, group] of groups) {
    const sf = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].find((s) =>
      group.every((e) => {
        const raw = Math.round(rawOf(e, map, s));
        const [min, max] = TYPE_RANGE[e.point.type];
        return raw >= min && raw <= max;
      }),
    );
    sfOf.set(key, sf ?? 6);
    const [fn, address] = key.split(':') as [RegisterFunction, string];
    tables[fn].set(
      Number(address),
      encodeRegisters(sf ?? 6, 's16', { wordOrder: 'big', byteOrder: 'big' })[0]!,
    );
  }
  for (const e of entries) {
    const fn = e.point.function ?? map.function;
    const key = e.point.scaleFactor
      ? `${e.point.scaleFactor.function ?? fn}:${e.point.scaleFactor.address}`
      : '';
    const raw = rawOf(e, map, sfOf.get(key) ?? 0);
    const [min, max] = TYPE_RANGE[e.point.type];
    const order = {
      wordOrder: e.point.wordOrder ?? map.wordOrder,
      byteOrder: e.point.byteOrder ?? map.byteOrder,
    };
    const words = encodeRegisters(Math.min(max, Math.max(min, raw)), e.point.type, order);
    words.forEach((w, i) => tables[fn].set(e.point.address + i, w));
  }
  return tables;
}

/** One SunSpec model a simulated device serves. */
export interface SimSunSpecModel {
  readonly id: number;
}

export interface SunSpecImageOptions {
  readonly base?: (typeof SUNSPEC_BASES)[number] | undefined;
  readonly manufacturer?: string | undefined;
  readonly model?: string | undefined;
  readonly serialNumber?: string | undefined;
}

function textRegisters(text: string, size: number): number[] {
  const buf = Buffer.alloc(size * 2);
  buf.write(text.slice(0, size * 2), 'latin1');
  return Array.from({ length: size }, (_, i) => buf.readUInt16BE(i * 2));
}

/** A SunSpec register image: marker, common model, the given models (all with these values), end marker. */
export function encodeSunSpec(
  modelIds: readonly number[],
  values: SimMeterValues,
  options: SunSpecImageOptions = {},
): RegisterTables {
  const tables = emptyTables();
  const h = tables.holding;
  const base = options.base ?? 40000;
  h.set(base, SUNSPEC_MARKER[0]);
  h.set(base + 1, SUNSPEC_MARKER[1]);
  let at = base + 2;
  h.set(at, SUNSPEC_COMMON.id);
  h.set(at + 1, SUNSPEC_COMMON.length);
  for (let i = 0; i < SUNSPEC_COMMON.length; i++) h.set(at + 2 + i, 0);
  const strings: Record<keyof typeof SUNSPEC_COMMON.strings, string> = {
    manufacturer: options.manufacturer ?? 'Fusebox',
    model: options.model ?? 'Simulated SunSpec device',
    options: '',
    version: '1.0',
    serialNumber: options.serialNumber ?? 'SIM-0001',
  };
  for (const [key, [offset, size]] of Object.entries(SUNSPEC_COMMON.strings)) {
    textRegisters(strings[key as keyof typeof strings], size).forEach((w, i) => h.set(at + offset + i, w));
  }
  at += 2 + SUNSPEC_COMMON.length;
  for (const id of modelIds) {
    const layout = SUNSPEC_MODELS.find((m) => m.id === id);
    if (!layout) throw new Error(`the simulator has no layout for SunSpec model ${id}`);
    h.set(at, id);
    h.set(at + 1, layout.length);
    for (let i = 0; i < layout.length; i++) h.set(at + 2 + i, 0xffff);
    const shifted = registerMapSchema.parse({
      function: 'holding',
      markers: 'sunspec',
      points: JSON.parse(JSON.stringify(layout.points), (k: string, v: unknown) =>
        k === 'address' && typeof v === 'number' ? v + at : v,
      ) as unknown,
    });
    encodeMap(shifted, values, tables);
    at += 2 + layout.length;
  }
  h.set(at, 0xffff);
  h.set(at + 1, 0);
  return tables;
}

/** Lowest and highest address of a table: the span a simulated device answers. */
export function spanOf(map: Map<number, number>): [number, number] | null {
  if (map.size === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of map.keys()) {
    lo = Math.min(lo, a);
    hi = Math.max(hi, a);
  }
  return [lo, hi];
}
