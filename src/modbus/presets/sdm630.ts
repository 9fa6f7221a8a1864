/** Eastron SDM630 (Modbus V2 and later): IEEE 754 floats in input registers, high word first. */
import type { MapPreset } from './meter-preset.ts';

const f32 = (address: number, scale = 1) => ({ address, type: 'f32' as const, scale });

export const sdm630: MapPreset = {
  kind: 'map',
  name: 'sdm630',
  title: 'Eastron SDM630 Modbus V2 (also SDM630MCT, SDM72D-M V2 for these registers)',
  source:
    'Eastron "SDM630 Modbus Protocol" (input registers 30001+, e.g. 30001 L1 voltage = address 0x0000, ' +
    '30053 total system power = 0x0034, 30073 import kWh = 0x0048, 30075 export kWh = 0x004A)',
  confidence: 'high',
  notes: 'Phase currents are magnitudes: their sign is taken from the phase power. Import power is positive.',
  map: {
    function: 'input',
    // One 76-register read covers every point; the SDM630 allows up to 80 registers (40 values) per request.
    maxGap: 64,
    points: {
      voltageV: [f32(0x00), f32(0x02), f32(0x04)],
      currentA: [f32(0x06), f32(0x08), f32(0x0a)],
      powerPhaseKw: [f32(0x0c, 0.001), f32(0x0e, 0.001), f32(0x10, 0.001)],
      powerKw: f32(0x34, 0.001),
      energyImportKwh: f32(0x48),
      energyExportKwh: f32(0x4a),
    },
  },
};
