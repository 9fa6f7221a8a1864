/** Schneider Electric iEM3000 series (iEM3150/3155/3250/3255/3350/3355/3455/3555...): Float32 and Int64. */
import type { MapPreset } from './meter-preset.ts';

// Schneider tables list 1-based register numbers: register 3000 is address 2999 on the wire.
const f32 = (register: number) => ({ address: register - 1, type: 'f32' as const });
const wh = (register: number) => ({ address: register - 1, type: 's64' as const, scale: 0.001 });

export const iem3000: MapPreset = {
  kind: 'map',
  name: 'iem3000',
  title: 'Schneider Electric iEM3000 series (Modbus models)',
  source:
    'Schneider Electric DOCA0005EN "iEM3100/iEM3200/iEM3300 series user manual", Modbus register list: ' +
    '3000 Current I1, 3028 Voltage L1-N, 3054 Active Power Phase 1 (kW), 3060 Total Active Power (kW), ' +
    '3204 Total Active Energy Import (Int64, Wh), 3208 Total Active Energy Export (Int64, Wh)',
  confidence: 'medium',
  notes:
    'Addresses are register − 1 (the manual numbers registers from 1). Export energy exists only on the models ' +
    'that measure it (xx55, xx65, xx75); on others it reads NaN or the driver drops it as missing. Missing phases read NaN and are rejected.',
  map: {
    function: 'holding',
    maxGap: 32,
    points: {
      currentA: [f32(3000), f32(3002), f32(3004)],
      voltageV: [f32(3028), f32(3030), f32(3032)],
      powerPhaseKw: [f32(3054), f32(3056), f32(3058)],
      powerKw: f32(3060),
      energyImportKwh: wh(3204),
      energyExportKwh: wh(3208),
    },
  },
};
