/** Load and PV profiles that drive simulated meters over time: building load by hour, PV by sun. */
import type { Triple } from './modbus-meter-values.ts';

/** Per-phase current in A (import positive) at a time of day. */
export type LoadProfile = (atMs: number) => Triple;

/** Hours since local midnight of a time, for a fixed UTC offset in minutes (the demo does not need DST). */
function hourOfDay(atMs: number, utcOffsetMin: number): number {
  const minutes = Math.floor(atMs / 60_000) + utcOffsetMin;
  return (((minutes % 1440) + 1440) % 1440) / 60;
}

/** A small deterministic noise in [-1, 1] from a time bucket (no Math.random: reproducible runs). */
function noise(bucket: number, phase: number): number {
  const x = Math.sin(bucket * 12.9898 + phase * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

export interface BuildingLoadOptions {
  /** Night-time base load per phase in A. */
  readonly baseA: number;
  /** Extra load per phase at the daytime peak in A. */
  readonly peakA: number;
  /** Imbalance: phase multipliers. */
  readonly phaseShare?: Triple | undefined;
  readonly utcOffsetMin?: number | undefined;
  /** Relative noise amplitude (0.05 = ±5 %), changing every 10 s. */
  readonly noise?: number | undefined;
}

/** An office-like building: base load at night, a broad peak from 8:00 to 18:00. */
export function buildingLoad(o: BuildingLoadOptions): LoadProfile {
  const share = o.phaseShare ?? [1, 0.9, 1.1];
  return (atMs) => {
    const h = hourOfDay(atMs, o.utcOffsetMin ?? 0);
    const day = h > 7 && h < 19 ? Math.sin(((h - 7) / 12) * Math.PI) : 0;
    const bucket = Math.floor(atMs / 10_000);
    return share.map((s, i) => {
      const a = (o.baseA + o.peakA * day) * s;
      return Math.max(0, a * (1 + (o.noise ?? 0.05) * noise(bucket, i)));
    }) as Triple;
  };
}

/** PV production in kW: a half-sine from sunrise to sunset, peak at solar noon. */
export function pvProduction(
  peakKw: number,
  sunriseH = 6,
  sunsetH = 20,
  utcOffsetMin = 0,
): (atMs: number) => number {
  return (atMs) => {
    const h = hourOfDay(atMs, utcOffsetMin);
    if (h <= sunriseH || h >= sunsetH) return 0;
    return peakKw * Math.sin(((h - sunriseH) / (sunsetH - sunriseH)) * Math.PI);
  };
}
