/** Every preset by the name the config uses. */
import { abbB23 } from './abb-b23.ts';
import { em24, em340 } from './carlo-gavazzi.ts';
import type { MeterPreset } from './meter-preset.ts';
import { iem3000 } from './schneider-iem3000.ts';
import { sdm630 } from './sdm630.ts';
import { sunspec } from './sunspec.ts';

export const PRESETS: ReadonlyMap<string, MeterPreset> = new Map(
  [sdm630, em24, em340, iem3000, abbB23, sunspec].map((p) => [p.name, p]),
);

export const PRESET_NAMES: readonly string[] = [...PRESETS.keys()];
