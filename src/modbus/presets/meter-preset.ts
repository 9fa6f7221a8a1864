/** The shape of a preset: a named register map (or SunSpec discovery) with the source it was taken from. */
import type { RegisterMapInput } from '../register-map.ts';

/** How sure we are of the map: high = checked against the maker's table; medium/low say what is unsure. */
export type PresetConfidence = 'high' | 'medium' | 'low';

interface PresetInfo {
  /** The name the config uses: `preset: sdm630`. */
  readonly name: string;
  readonly title: string;
  /** The maker's register table this map was taken from. */
  readonly source: string;
  readonly confidence: PresetConfidence;
  /** What is unsure or device-specific. */
  readonly notes?: string | undefined;
}

/** A fixed register map, read by the generic driver. */
export interface MapPreset extends PresetInfo {
  readonly kind: 'map';
  readonly map: RegisterMapInput;
}

/** SunSpec: the map is found on the device (marker, model chain) and built from presets/sunspec-models.ts. */
export interface SunSpecPreset extends PresetInfo {
  readonly kind: 'sunspec';
}

export type MeterPreset = MapPreset | SunSpecPreset;
