/** ABB B-series (B21, B23, B24) and A-series meters: scaled integers in holding registers, big-endian. */
import type { MapPreset } from './meter-preset.ts';

// ABB marks a missing value by all bits set (unsigned) or 0x7FFF... (signed).
const U32_NA = 0xffffffff;
const S32_NA = 0x7fffffff;
const U64_NA = 2 ** 64 - 1;
const u32 = (address: number, scale: number) => ({
  address,
  type: 'u32' as const,
  scale,
  notAvailable: [U32_NA],
});
const s32 = (address: number, scale: number) => ({
  address,
  type: 's32' as const,
  scale,
  notAvailable: [S32_NA],
});
const u64 = (address: number, scale: number) => ({
  address,
  type: 'u64' as const,
  scale,
  notAvailable: [U64_NA],
});

export const abbB23: MapPreset = {
  kind: 'map',
  name: 'abb-b23',
  title: 'ABB B23/B24 (and A43/A44) electricity meters',
  source:
    'ABB "B-series / A-series electricity meters, user manual", Modbus mapping table: 0x5000 Active import kWh ' +
    '(u64, 0.01 kWh), 0x5004 Active export, 0x5B00 Voltage L1-N (u32, 0.1 V), 0x5B0C Current L1 (u32, 0.01 A), ' +
    '0x5B14 Active power total (s32, 0.01 W), 0x5B16..0x5B1A L1..L3; cross-checked with volkszaehler/mbmd ABB',
  confidence: 'high',
  notes:
    'Reached through a Modbus TCP gateway (the meters are RS-485); set the gateway address and the meter unit id.',
  map: {
    function: 'holding',
    maxGap: 8,
    points: {
      voltageV: [u32(0x5b00, 0.1), u32(0x5b02, 0.1), u32(0x5b04, 0.1)],
      currentA: [u32(0x5b0c, 0.01), u32(0x5b0e, 0.01), u32(0x5b10, 0.01)],
      powerKw: s32(0x5b14, 0.00001),
      powerPhaseKw: [s32(0x5b16, 0.00001), s32(0x5b18, 0.00001), s32(0x5b1a, 0.00001)],
      energyImportKwh: u64(0x5000, 0.01),
      energyExportKwh: u64(0x5004, 0.01),
    },
  },
};
