/** SunSpec devices (inverters, meters, storage): the register map is discovered on the device. */
import type { SunSpecPreset } from './meter-preset.ts';

export const sunspec: SunSpecPreset = {
  kind: 'sunspec',
  name: 'sunspec',
  title: 'SunSpec inverters, meters and storage (Fronius, SMA, SolarEdge, Kostal, ... )',
  source:
    'SunSpec Alliance: "SunSpec Modbus" specification (marker "SunS" at 40000, 0 or 50000; model chain) and ' +
    'model definitions github.com/sunspec/models json/model_1, 101-103, 111-113, 201-204, 211-214, 124, 802',
  confidence: 'medium',
  notes:
    'Meter models read import positive (SolarEdge meters are reported to use export positive: set invert: true). ' +
    'Model 802 battery power is taken as discharge positive (unsure: the model text does not say). ' +
    'acc32 energy 0 is taken as a real 0, not "not implemented".',
};
