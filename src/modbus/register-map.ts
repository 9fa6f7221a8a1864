/**
 * A meter's register map as data: where each measured quantity lives, its type, order and scale. Presets
 * (presets/*.ts) and generic devices declared in the site config share this one schema and one driver.
 */
import { z } from 'zod';
import { REGISTER_TYPES } from './register-types.ts';

const address = z
  .number({ error: 'expected a register address 0..65535 (0-based, as sent on the wire)' })
  .int('a register address is a whole number')
  .min(0, 'a register address is 0..65535')
  .max(65535, 'a register address is 0..65535');
const registerFunction = z.enum(['holding', 'input'], {
  error: (iss) => `'${String(iss.input)}' is not a register table: holding (FC3) or input (FC4)`,
});
const wordOrder = z.enum(['big', 'little'], {
  error: 'expected big (most significant word first) or little',
});
const byteOrder = z.enum(['big', 'little'], { error: 'expected big (high byte first) or little' });

/** One value: a typed register (or run of registers) and how to turn its raw value into the quantity's unit. */
export const registerPointSchema = z.strictObject({
  address,
  /** Defaults to the map's `function`. */
  function: registerFunction.optional(),
  type: z.enum(REGISTER_TYPES, {
    error: (iss) => `'${String(iss.input)}' is not a register type: ${REGISTER_TYPES.join(', ')}`,
  }),
  wordOrder: wordOrder.optional(),
  byteOrder: byteOrder.optional(),
  /** Multiplies the raw value: unit conversion (W → kW: 0.001) and sign (-1 flips it). */
  scale: z.number({ error: 'expected a number' }).refine(Number.isFinite, 'must be finite').default(1),
  /** SunSpec-style scale factor: value × 10^sf, sf an s16 read from this register (same table). */
  scaleFactor: z.strictObject({ address, function: registerFunction.optional() }).optional(),
  /** Raw values that mean "no value" on this device (e.g. 65535, or 2147483647 on ABB meters). */
  notAvailable: z.array(z.number()).optional(),
  /** Valid range after scaling, in the quantity's unit; values outside are rejected, not used. */
  min: z.number().optional(),
  max: z.number().optional(),
});

const phasePoints = z.tuple(
  [registerPointSchema.nullable(), registerPointSchema.nullable(), registerPointSchema.nullable()],
  {
    error: 'expected three entries [L1, L2, L3] (null where the device has none)',
  },
);

/** The quantities a map can locate; all optional. Units are those of the reading (A, V, kW, kWh, %). */
export const meterPointsSchema = z.strictObject({
  currentA: phasePoints.optional(),
  voltageV: phasePoints.optional(),
  powerPhaseKw: phasePoints.optional(),
  powerKw: registerPointSchema.optional(),
  energyImportKwh: registerPointSchema.optional(),
  energyExportKwh: registerPointSchema.optional(),
  /** Inverters: AC production, positive while producing. */
  productionKw: registerPointSchema.optional(),
  /** Batteries: state of charge. */
  socPct: registerPointSchema.optional(),
});

/** A whole register map. */
export const registerMapSchema = z.strictObject({
  function: registerFunction.default('holding'),
  wordOrder: wordOrder.default('big'),
  byteOrder: byteOrder.default('big'),
  /** Unused registers one read may span to merge neighbours (0: only adjacent points are merged). */
  maxGap: z.number().int().min(0).max(120).default(0),
  /** Most registers one request may ask for (the protocol allows 125; some devices fewer). */
  maxRead: z.number().int().min(1).max(125).default(125),
  /** Reject SunSpec "not implemented" markers (0xFFFF, 0x8000, 0x80000000, NaN; scale factor 0x8000). */
  markers: z.enum(['none', 'sunspec']).default('none'),
  /**
   * `from-power`: the device gives current magnitudes; the sign is taken from the phase's active power
   * (else the total). `signed`: the device's currents already carry the sign (after `scale`).
   */
  currentSign: z.enum(['from-power', 'signed']).default('from-power'),
  points: meterPointsSchema,
});

export type RegisterPointInput = z.input<typeof registerPointSchema>;
export type RegisterPoint = z.output<typeof registerPointSchema>;
export type RegisterMapInput = z.input<typeof registerMapSchema>;
export type RegisterMap = z.output<typeof registerMapSchema>;
export type MeterPoints = RegisterMap['points'];
export type MeterPointsInput = RegisterMapInput['points'];
export type PhaseQuantity = 'currentA' | 'voltageV' | 'powerPhaseKw';
export type SingleQuantity = 'powerKw' | 'energyImportKwh' | 'energyExportKwh' | 'productionKw' | 'socPct';
export type Quantity = PhaseQuantity | SingleQuantity;

export const PHASE_QUANTITIES: readonly PhaseQuantity[] = ['currentA', 'voltageV', 'powerPhaseKw'];
export const SINGLE_QUANTITIES: readonly SingleQuantity[] = [
  'powerKw',
  'energyImportKwh',
  'energyExportKwh',
  'productionKw',
  'socPct',
];

/** Plausible range of each quantity when a point gives none: a reading outside it is a decoding fault. */
export const PLAUSIBLE_RANGE: Readonly<Record<Quantity, readonly [number, number]>> = {
  currentA: [-20_000, 20_000],
  voltageV: [0, 2_000],
  powerPhaseKw: [-100_000, 100_000],
  powerKw: [-300_000, 300_000],
  energyImportKwh: [0, 1e12],
  energyExportKwh: [0, 1e12],
  productionKw: [-1_000, 300_000],
  socPct: [0, 100],
};
