/** Every preset passes the shared meter contract against a simulated device serving its map. */
import { meterContract } from './testing/meter-contract.ts';
import { presetSource } from './meter-driver.ts';
import { PRESETS } from './presets/index.ts';
import { describe, expect, it } from 'vitest';

for (const preset of PRESETS.values()) {
  if (preset.kind !== 'map') continue;
  meterContract({
    name: preset.name,
    model: { preset: preset.name },
    source: presetSource(preset.name, 'load'),
    kind: 'load',
  });
}

// SunSpec: every model family, discovered on the device.
for (const id of [203, 213, 201, 211]) {
  meterContract({
    name: `sunspec meter model ${id}`,
    model: { sunspec: [id] },
    source: { kind: 'sunspec', role: 'load' },
    kind: id === 201 || id === 211 ? 'single-phase' : 'load',
  });
}
for (const id of [103, 113]) {
  meterContract({
    name: `sunspec inverter model ${id}`,
    model: { sunspec: [id] },
    source: { kind: 'sunspec', role: 'pv' },
    kind: 'pv',
  });
}
meterContract({
  name: 'sunspec battery model 802',
  model: { sunspec: [103, 802] },
  source: { kind: 'sunspec', role: 'battery' },
  kind: 'battery',
});
meterContract({
  name: 'sunspec storage model 124',
  model: { sunspec: [103, 124] },
  source: { kind: 'sunspec', role: 'battery' },
  kind: 'battery',
  lacks: ['powerKw'],
});

describe('presets', () => {
  it('every preset names its source and confidence', () => {
    for (const p of PRESETS.values()) {
      expect(p.source.length, p.name).toBeGreaterThan(20);
      expect(['high', 'medium', 'low']).toContain(p.confidence);
    }
  });
});
