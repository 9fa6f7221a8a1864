/** Turns the registers of one poll into a MeterReading: decode, scale, reject invalid values, normalise signs. */
import type { MeterReading, PhaseValues, RejectedValue } from '../contracts/meter-reading.ts';
import { decodeRegisters } from './register-codec.ts';
import type { RegisterImage } from './register-image.ts';
import type { PhaseQuantity, Quantity, RegisterMap, RegisterPoint, SingleQuantity } from './register-map.ts';
import { PLAUSIBLE_RANGE } from './register-map.ts';
import { wordCount } from './register-types.ts';

/** Options a site applies on top of the map. */
export interface DecodeOptions {
  /** The meter is mounted the other way round: flip currents and powers, swap import and export energy. */
  readonly invert?: boolean | undefined;
}

// SunSpec Information Model Specification §7 (unimplemented values): int16 0x8000, uint16 0xFFFF,
// int32 0x80000000, uint32 0xFFFFFFFF, float32 NaN; a sunssf of 0x8000 is "not implemented" too.
const SUNSPEC_NOT_IMPLEMENTED: Partial<Record<RegisterPoint['type'], number>> = {
  u16: 0xffff,
  s16: -0x8000,
  u32: 0xffffffff,
  s32: -0x80000000,
};
// sunssf is -10..10 in the SunSpec specification.
const SCALE_FACTOR_RANGE = 10;

type Decoded = { value: number } | { rejected: RejectedValue } | null;

/** 12 significant digits: removes binary noise such as 23.000000000000004 from 230 × 0.1. */
function tidy(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

function decodePoint(
  map: RegisterMap,
  image: RegisterImage,
  p: RegisterPoint,
  quantity: Quantity,
  label: string,
): Decoded {
  const fn = p.function ?? map.function;
  const words: number[] = [];
  for (let i = 0; i < wordCount(p.type); i++) {
    const w = image.get(fn, p.address + i);
    if (w === undefined)
      return { rejected: { quantity: label, reason: `register ${p.address + i} was not read` } };
    words.push(w);
  }
  const order = { wordOrder: p.wordOrder ?? map.wordOrder, byteOrder: p.byteOrder ?? map.byteOrder };
  const decoded = decodeRegisters(words, p.type, order);
  // A float32 carries about 7 significant digits: 231.1 arrives as 231.100006; keep what the device meant.
  const raw =
    p.type === 'f32' && Number.isFinite(decoded) && decoded !== 0 ? Number(decoded.toPrecision(7)) : decoded;
  if (!Number.isFinite(raw)) return { rejected: { quantity: label, reason: 'NaN or infinite value', raw } };
  if (p.notAvailable?.includes(raw))
    return { rejected: { quantity: label, reason: 'device marks it not available', raw } };
  if (map.markers === 'sunspec' && SUNSPEC_NOT_IMPLEMENTED[p.type] === raw) {
    return { rejected: { quantity: label, reason: 'SunSpec "not implemented"', raw } };
  }
  let exponent = 0;
  if (p.scaleFactor) {
    const sfWord = image.get(p.scaleFactor.function ?? fn, p.scaleFactor.address);
    if (sfWord === undefined) {
      return {
        rejected: { quantity: label, reason: `scale factor register ${p.scaleFactor.address} was not read` },
      };
    }
    exponent = decodeRegisters([sfWord], 's16', { wordOrder: 'big', byteOrder: 'big' });
    if (Math.abs(exponent) > SCALE_FACTOR_RANGE) {
      return { rejected: { quantity: label, reason: `invalid scale factor ${exponent}`, raw } };
    }
  }
  const scaled = exponent < 0 ? (raw * p.scale) / 10 ** -exponent : raw * p.scale * 10 ** exponent;
  const value = tidy(scaled);
  const [min, max] = [p.min ?? PLAUSIBLE_RANGE[quantity][0], p.max ?? PLAUSIBLE_RANGE[quantity][1]];
  if (value < min || value > max) {
    return { rejected: { quantity: label, reason: `${value} is outside ${min}..${max}`, raw } };
  }
  return { value };
}

/** Decodes one reading. Pure: the same map, registers and time give the same reading. */
export function decodeReading(
  map: RegisterMap,
  image: RegisterImage,
  meterId: string,
  atMs: number,
  options: DecodeOptions = {},
): MeterReading {
  const rejected: RejectedValue[] = [];
  const take = (d: Decoded): number | null => {
    if (d === null) return null;
    if ('rejected' in d) {
      rejected.push(d.rejected);
      return null;
    }
    return d.value;
  };
  const single = (q: SingleQuantity): number | null => {
    const p = map.points[q];
    return p ? take(decodePoint(map, image, p, q, q)) : null;
  };
  const phases = (q: PhaseQuantity): [number | null, number | null, number | null] => {
    const ps = map.points[q];
    const one = (i: number): number | null => {
      const p = ps?.[i];
      return p ? take(decodePoint(map, image, p, q, `${q}[${i}]`)) : null;
    };
    return [one(0), one(1), one(2)];
  };

  const powerPhaseKw = phases('powerPhaseKw');
  let powerKw = single('powerKw');
  if (powerKw === null && !map.points.powerKw && map.points.powerPhaseKw) {
    // Derive the total only from a complete set: a rejected phase is never replaced by a guess.
    const mapped = map.points.powerPhaseKw.map((p, i) => (p ? powerPhaseKw[i] : 0));
    if (mapped.every((v) => v !== null)) powerKw = tidy(mapped.reduce<number>((s, v) => s + (v ?? 0), 0));
  }
  const currentA = phases('currentA');
  if (map.currentSign === 'from-power') {
    currentA.forEach((a, i) => {
      const reference = powerPhaseKw[i] ?? powerKw;
      if (a !== null && reference !== null && reference < 0) currentA[i] = -Math.abs(a);
      else if (a !== null) currentA[i] = Math.abs(a);
    });
  }
  let energyImportKwh = single('energyImportKwh');
  let energyExportKwh = single('energyExportKwh');
  const flip = (v: number | null): number | null => (v === null || v === 0 ? v : -v);
  const flip3 = (v: PhaseValues): PhaseValues => [flip(v[0]), flip(v[1]), flip(v[2])];
  if (options.invert) [energyImportKwh, energyExportKwh] = [energyExportKwh, energyImportKwh];

  const reading: MeterReading = {
    meterId,
    atMs,
    currentA: options.invert ? flip3(currentA) : currentA,
    voltageV: phases('voltageV'),
    powerKw: options.invert ? flip(powerKw) : powerKw,
    powerPhaseKw: options.invert ? flip3(powerPhaseKw) : powerPhaseKw,
    energyImportKwh,
    energyExportKwh,
    ...(map.points.productionKw ? { productionKw: single('productionKw') } : {}),
    ...(map.points.socPct ? { socPct: single('socPct') } : {}),
    rejected,
  };
  return reading;
}
