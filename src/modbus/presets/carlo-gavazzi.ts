/** Carlo Gavazzi EM24 and EM330/EM340/ET340: INT32 values, least significant word first, fixed weights. */
import type { MapPreset } from './meter-preset.ts';

// INT32 with LSW first; `scale` turns the weight (V×10, A×1000, W×10, kWh×10) into V, A, kW, kWh.
const s32 = (address: number, scale: number) => ({ address, type: 's32' as const, scale });
const V = 0.1;
const A = 0.001;
const KW = 0.0001;
const KWH = 0.1;

/**
 * The register map the EM24 and EM330/EM340 share (same addresses and weights up to 0x0028); only the
 * addresses of the energy totals differ between the two.
 */
function gavazziMap(energyImport: number, energyExport: number): MapPreset['map'] {
  return {
    function: 'input',
    wordOrder: 'little',
    maxGap: 24,
    maxRead: 50,
    points: {
      voltageV: [s32(0x00, V), s32(0x02, V), s32(0x04, V)],
      currentA: [s32(0x0c, A), s32(0x0e, A), s32(0x10, A)],
      powerPhaseKw: [s32(0x12, KW), s32(0x14, KW), s32(0x16, KW)],
      powerKw: s32(0x28, KW),
      energyImportKwh: s32(energyImport, KWH),
      energyExportKwh: s32(energyExport, KWH),
    },
  };
}

export const em24: MapPreset = {
  kind: 'map',
  name: 'em24',
  title: 'Carlo Gavazzi EM24 DIN (EM24DINAV93/AV53, Ethernet or RS-485 via gateway)',
  source:
    'Carlo Gavazzi "EM24 DIN communication protocol" (variables 0x0000 V L1-N ... 0x0028 W sys, 0x0042 kWh(+) TOT, ' +
    '0x005C kWh(-) TOT); cross-checked with volkszaehler/mbmd CGEM24',
  confidence: 'medium',
  notes:
    'Energy addresses 0x0042/0x005C follow the protocol table as used by mbmd; older EM24 firmware may lack kWh(-). ' +
    'Reads are kept to 50 registers or fewer.',
  map: gavazziMap(0x42, 0x5c),
};

export const em340: MapPreset = {
  kind: 'map',
  name: 'em340',
  title: 'Carlo Gavazzi EM330/EM340, ET330/ET340 (also sold as Victron ET340)',
  source:
    'Carlo Gavazzi "EM330 EM340 ET330 ET340 communication protocol" (0x0000 V L1-N, 0x000C A L1, 0x0012 W L1, ' +
    '0x0028 W sys, 0x0034 kWh(+) TOT, 0x004E kWh(-) TOT); cross-checked with volkszaehler/mbmd CGEX3X0',
  confidence: 'high',
  notes: 'Same layout and weights as the EM24 up to 0x0028; the energy totals sit at 0x0034 and 0x004E.',
  map: gavazziMap(0x34, 0x4e),
};
