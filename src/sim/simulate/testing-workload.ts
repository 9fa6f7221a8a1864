/** Small random workloads for the simulator's tests (seeded, so a failure can be replayed). */
import { createRng } from '../world/profiles.ts';
import type { SimSession } from '../sessions/sim-session.ts';

/** Uniform in [0, 1) from a seed: the simulator's own PRNG (createRng, mulberry32), not a second copy. */
export function seededRandom(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
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
