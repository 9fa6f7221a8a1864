/**
 * Seeded randomness and the non-EV side of a simulated site: building load per phase and PV production
 * with passing clouds. Every profile is a pure function of (seed, time), so a value does not depend on
 * when or how often it is asked for: a simulation is the same whatever its step.
 */
import { DAY_MS, wallAtMs } from '../../core/local-time.ts';

/** Current per site phase in A (L1, L2, L3), import positive. */
export type PhaseCurrents = readonly [number, number, number];

/** Non-EV load of a circuit over time. */
export type LoadProfile = (atMs: number) => PhaseCurrents;

/** PV production in kW over time (≥ 0). */
export type PvProfile = (atMs: number) => number;

/** A seeded pseudo-random number generator (mulberry32): the same seed gives the same sequence. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** A PRNG from a seed (any number; only its low 32 bits count). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** A hash of (seed, n, salt) to [0, 1): random access noise, independent of call order. */
export function hash01(seed: number, n: number, salt = 0): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (n | 0) ^ Math.imul(Math.floor(n / 4294967296), 0x27d4eb2f), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ Math.imul(salt, 0x165667b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Smooth noise in [0, 1] over time: cosine interpolation between hashed knots `stepMs` apart. */
function smoothNoise(seed: number, atMs: number, stepMs: number, salt: number): number {
  const x = atMs / stepMs;
  const i = Math.floor(x);
  const f = x - i;
  const w = (1 - Math.cos(f * Math.PI)) / 2;
  return hash01(seed, i, salt) * (1 - w) + hash01(seed, i + 1, salt) * w;
}

/** Local hour of day (0 ≤ h < 24) in the site's time zone, DST-correct. */
export function localHour(timeZone: string, atMs: number): number {
  const wall = wallAtMs(timeZone, atMs);
  return (((wall % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
}

export interface BuildingLoadOptions {
  readonly seed: number;
  readonly timeZone: string;
  /** Base load per phase in A (night, weekends). */
  readonly baseA: number;
  /** Extra load per phase at the daytime peak in A. */
  readonly peakA?: number | undefined;
  /** Daytime window in local hours; the extra load is a half sine over it. */
  readonly dayFromH?: number | undefined;
  readonly dayToH?: number | undefined;
  /** Phase multipliers (imbalance). */
  readonly phaseShare?: PhaseCurrents | undefined;
  /** Relative noise amplitude (0.05 = ±5 %), a new value every noiseStepMs. */
  readonly noise?: number | undefined;
  readonly noiseStepMs?: number | undefined;
}

/** An office-like building: base load, a daytime hump, seeded noise per phase. */
export function buildingLoadProfile(o: BuildingLoadOptions): LoadProfile {
  const share = o.phaseShare ?? [1, 0.9, 1.1];
  const from = o.dayFromH ?? 7;
  const to = o.dayToH ?? 19;
  const peakA = o.peakA ?? 0;
  const noise = o.noise ?? 0.05;
  const stepMs = o.noiseStepMs ?? 10_000;
  return (atMs) => {
    const h = localHour(o.timeZone, atMs);
    const day = h > from && h < to ? Math.sin(((h - from) / (to - from)) * Math.PI) : 0;
    const bucket = Math.floor(atMs / stepMs);
    return share.map((s, p) => {
      const a = (o.baseA + peakA * day) * s;
      return Math.max(0, a * (1 + noise * (2 * hash01(o.seed, bucket, p + 1) - 1)));
    }) as unknown as PhaseCurrents;
  };
}

/** The same current on every phase, all the time. */
export function constantLoad(a: number | PhaseCurrents): LoadProfile {
  const v: PhaseCurrents = typeof a === 'number' ? [a, a, a] : a;
  return () => v;
}

/** A step change of a load: from `atMs` on, `addA` (per phase or the same on all) is added. */
export interface LoadStep {
  readonly atMs: number;
  readonly addA: number | PhaseCurrents;
}

/** `base` plus steps that switch on at their time (a negative step switches load off). */
export function withSteps(base: LoadProfile, steps: readonly LoadStep[]): LoadProfile {
  const sorted = [...steps].sort((a, b) => a.atMs - b.atMs);
  return (atMs) => {
    const v = [...base(atMs)];
    for (const s of sorted) {
      if (s.atMs > atMs) break;
      for (let p = 0; p < 3; p++) v[p] = v[p]! + (typeof s.addA === 'number' ? s.addA : s.addA[p]!);
    }
    return [Math.max(0, v[0]!), Math.max(0, v[1]!), Math.max(0, v[2]!)];
  };
}

/** A load that follows `profile` but never goes above `maxA` per phase (a breaker-limited building). */
export function cappedLoad(profile: LoadProfile, maxA: number): LoadProfile {
  return (atMs) => {
    const v = profile(atMs);
    return [Math.min(maxA, v[0]), Math.min(maxA, v[1]), Math.min(maxA, v[2])];
  };
}

export interface PvOptions {
  readonly seed: number;
  readonly timeZone: string;
  /** Clear-sky production at solar noon in kW. */
  readonly peakKw: number;
  readonly sunriseH?: number | undefined;
  readonly sunsetH?: number | undefined;
  /** 0: clear sky; 1: overcast most of the time. Share of time under a cloud, roughly. */
  readonly cloudiness?: number | undefined;
  /** Production left under a thick cloud (0.2 = 20 %). */
  readonly cloudFloor?: number | undefined;
  /** Time scale of passing clouds in ms (a cloud lasts a few of these). */
  readonly cloudStepMs?: number | undefined;
}

/** PV production: a half sine from sunrise to sunset, dimmed by seeded passing clouds. */
export function pvProfile(o: PvOptions): PvProfile {
  const sunrise = o.sunriseH ?? 6;
  const sunset = o.sunsetH ?? 20;
  const cloudiness = o.cloudiness ?? 0;
  const floor = o.cloudFloor ?? 0.2;
  const stepMs = o.cloudStepMs ?? 120_000;
  return (atMs) => {
    const h = localHour(o.timeZone, atMs);
    if (h <= sunrise || h >= sunset) return 0;
    const clear = o.peakKw * Math.sin(((h - sunrise) / (sunset - sunrise)) * Math.PI);
    if (cloudiness <= 0) return clear;
    // Two octaves of smooth noise; above the threshold a cloud covers the sun, with a soft edge.
    const n = 0.65 * smoothNoise(o.seed, atMs, stepMs, 11) + 0.35 * smoothNoise(o.seed, atMs, stepMs / 3, 12);
    const threshold = 1 - cloudiness;
    const cover = Math.min(1, Math.max(0, (n - threshold) / 0.08 + 0.5));
    return clear * (1 - (1 - floor) * cover);
  };
}

/** Per-phase current in A of a balanced three-phase production or load of `kw`. */
export function balancedCurrentsA(kw: number, lineToNeutralV: number): PhaseCurrents {
  const a = (kw * 1000) / (3 * lineToNeutralV);
  return [a, a, a];
}
