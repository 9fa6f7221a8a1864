/**
 * SunSpec information models Fusebox reads, as data: each point's offset from the model's ID register, its
 * type and its scale-factor offset. Source: the SunSpec Alliance model definitions (github.com/sunspec/models,
 * json/model_<id>.json). Offsets count from the ID register (ID = 0, L = 1, first point = 2).
 */
import type { MeterPointsInput, RegisterPointInput } from '../register-map.ts';

export type SunSpecModelKind = 'meter' | 'inverter' | 'storage' | 'battery';

export interface SunSpecModelLayout {
  readonly id: number;
  readonly kind: SunSpecModelKind;
  readonly title: string;
  /** Model length L the layout was written for (registers after the header). */
  readonly length: number;
  /** Addresses are offsets from the model's ID register. */
  readonly points: MeterPointsInput;
}

type Point = RegisterPointInput;
type Triple = [Point | null, Point | null, Point | null];

const int = (offset: number, type: 'u16' | 's16' | 'u32', sf: number, scale = 1): Point => ({
  address: offset,
  type,
  scale,
  scaleFactor: { address: sf },
});
const float = (offset: number, scale = 1): Point => ({ address: offset, type: 'f32', scale });
const phases = (pts: Triple, count: 1 | 2 | 3): Triple => [
  pts[0],
  count >= 2 ? pts[1] : null,
  count === 3 ? pts[2] : null,
];

// SunSpec meter models 201-204 (integer + scale factor): A 2, AphA..C 3-5, A_SF 6, PhVphA..C 8-10, V_SF 15,
// W 18, WphA..C 19-21, W_SF 22, TotWhExp 38 (acc32), TotWhImp 46 (acc32), TotWh_SF 54. Meter W is import positive.
function intMeter(id: number, title: string, count: 1 | 2 | 3): SunSpecModelLayout {
  return {
    id,
    kind: 'meter',
    title,
    length: 105,
    points: {
      currentA: phases([int(3, 's16', 6), int(4, 's16', 6), int(5, 's16', 6)], count),
      voltageV: phases([int(8, 's16', 15), int(9, 's16', 15), int(10, 's16', 15)], count),
      powerKw: int(18, 's16', 22, 0.001),
      powerPhaseKw: phases(
        [int(19, 's16', 22, 0.001), int(20, 's16', 22, 0.001), int(21, 's16', 22, 0.001)],
        count,
      ),
      energyExportKwh: int(38, 'u32', 54, 0.001),
      energyImportKwh: int(46, 'u32', 54, 0.001),
    },
  };
}

// SunSpec meter models 211-214 (float32): A 2, AphA..C 4/6/8, PhVphA..C 12/14/16, W 28, WphA..C 30/32/34,
// TotWhExp 60, TotWhImp 68.
function floatMeter(id: number, title: string, count: 1 | 2 | 3): SunSpecModelLayout {
  return {
    id,
    kind: 'meter',
    title,
    length: 124,
    points: {
      currentA: phases([float(4), float(6), float(8)], count),
      voltageV: phases([float(12), float(14), float(16)], count),
      powerKw: float(28, 0.001),
      powerPhaseKw: phases([float(30, 0.001), float(32, 0.001), float(34, 0.001)], count),
      energyExportKwh: float(60, 0.001),
      energyImportKwh: float(68, 0.001),
    },
  };
}

// SunSpec inverter models 101-103 (integer + scale factor): AphA..C 3-5 (A_SF 6), PhVphA..C 10-12 (V_SF 13),
// W 14 (W_SF 15), WH 24 (acc32, WH_SF 26). Inverter W is production positive: the reading's powerKw is −W.
function intInverter(id: number, title: string, count: 1 | 2 | 3): SunSpecModelLayout {
  return {
    id,
    kind: 'inverter',
    title,
    length: 50,
    points: {
      currentA: phases([int(3, 'u16', 6), int(4, 'u16', 6), int(5, 'u16', 6)], count),
      voltageV: phases([int(10, 'u16', 13), int(11, 'u16', 13), int(12, 'u16', 13)], count),
      powerKw: int(14, 's16', 15, -0.001),
      productionKw: int(14, 's16', 15, 0.001),
      energyExportKwh: int(24, 'u32', 26, 0.001),
    },
  };
}

// SunSpec inverter models 111-113 (float32): AphA..C 4/6/8, PhVphA..C 16/18/20, W 22, WH 32.
function floatInverter(id: number, title: string, count: 1 | 2 | 3): SunSpecModelLayout {
  return {
    id,
    kind: 'inverter',
    title,
    length: 60,
    points: {
      currentA: phases([float(4), float(6), float(8)], count),
      voltageV: phases([float(16), float(18), float(20)], count),
      powerKw: float(22, -0.001),
      productionKw: float(22, 0.001),
      energyExportKwh: float(32, 0.001),
    },
  };
}

export const SUNSPEC_MODELS: readonly SunSpecModelLayout[] = [
  intInverter(101, 'inverter, single phase (int+SF)', 1),
  intInverter(102, 'inverter, split phase (int+SF)', 2),
  intInverter(103, 'inverter, three phase (int+SF)', 3),
  floatInverter(111, 'inverter, single phase (float)', 1),
  floatInverter(112, 'inverter, split phase (float)', 2),
  floatInverter(113, 'inverter, three phase (float)', 3),
  intMeter(201, 'meter, single phase (int+SF)', 1),
  intMeter(202, 'meter, split phase (int+SF)', 2),
  intMeter(203, 'meter, three phase wye (int+SF)', 3),
  intMeter(204, 'meter, three phase delta (int+SF)', 3),
  floatMeter(211, 'meter, single phase (float)', 1),
  floatMeter(212, 'meter, split phase (float)', 2),
  floatMeter(213, 'meter, three phase wye (float)', 3),
  floatMeter(214, 'meter, three phase delta (float)', 3),
  // Model 124 basic storage controls: ChaState 8 (% of capacity), ChaState_SF 22.
  {
    id: 124,
    kind: 'storage',
    title: 'basic storage controls',
    length: 24,
    points: { socPct: int(8, 'u16', 22) },
  },
  // Model 802 battery base: SoC 11 (SoC_SF 56), W 47 (W_SF 63). Sign of W is assumed discharge positive.
  {
    id: 802,
    kind: 'battery',
    title: 'battery base model',
    length: 62,
    points: { socPct: int(11, 'u16', 56), powerKw: int(47, 's16', 63, -0.001) },
  },
];

/** Model 1 (common): manufacturer, model, options, version, serial number as ASCII strings. */
export const SUNSPEC_COMMON = {
  id: 1,
  length: 66,
  strings: {
    manufacturer: [2, 16],
    model: [18, 16],
    options: [34, 8],
    version: [42, 8],
    serialNumber: [50, 16],
  },
} as const;

/** 'SunS' in two registers; SunSpec bases where devices put it (SunSpec Modbus spec §6.1.1). */
export const SUNSPEC_MARKER = [0x5375, 0x6e53] as const;
export const SUNSPEC_BASES = [40000, 0, 50000] as const;
