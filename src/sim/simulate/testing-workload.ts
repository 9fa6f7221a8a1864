/** Small random workloads for the simulator's tests (seeded, so a failure can be replayed). */
import type { SimSession } from '../sessions/sim-session.ts';

/** Mulberry32: a tiny seeded PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sessions on the given stations within `hours` from 2019-03-04T08:00Z, 5-min aligned. */
export function randomWorkload(
  seed: number,
  stationIds: readonly string[],
  count: number,
  hours = 8,
): SimSession[] {
  const rnd = seededRandom(seed);
  const t0 = Date.UTC(2019, 2, 4, 8);
  const slot = 5 * 60_000;
  return Array.from({ length: count }, (_, i) => {
    const arrival = t0 + Math.floor(rnd() * hours * 12) * slot;
    const stay = (1 + Math.floor(rnd() * 48)) * slot;
    return {
      id: `s${seed}-${i}`,
      stationId: stationIds[Math.floor(rnd() * stationIds.length)]!,
      arrivalMs: arrival,
      departureMs: arrival + stay,
      energyKwh: Math.round(rnd() * 200) / 10,
      maxPowerKw: rnd() < 0.5 ? 6.6 : 3.3 + rnd() * 8,
    };
  });
}
