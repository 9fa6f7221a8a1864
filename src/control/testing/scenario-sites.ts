/** The sites and loads the scenario tests (scenarios*.test.ts) share. */
import type { CompiledSite } from '../../core/compiled-site.ts';
import { buildingLoadProfile } from '../../sim/world/profiles.ts';
import type { LoadProfile } from '../../sim/world/profiles.ts';
import { siteFromYaml, TEST_DRIVER } from './sim-harness.ts';

export const TZ = 'Europe/Berlin';
export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0); // Monday 09:00 CET

/** A metered 100 A grid connection (DLM) over a car park of `ports` 32 A three-phase ports. */
export function dlmSite(ports: number, staleNonEvLoadA: number): CompiledSite {
  return siteFromYaml(`
site: { name: dlm, timeZone: ${TZ} }
circuits:
  - { id: grid, kind: grid, limitA: 100, marginA: 5, meter: gm, staleNonEvLoadA: ${staleNonEvLoadA} }
  - { id: carpark, parent: grid, limitA: 80 }
meters:
  - { id: gm, role: load, circuit: grid, timeoutMs: 5000, ${TEST_DRIVER} }
stations:
  - { id: s, circuit: carpark, ports: ${ports} }
`);
}

/** A building that hums around `baseA` per phase (±3 %), seeded. */
export const building = (seed: number, baseA: number): LoadProfile =>
  buildingLoadProfile({ seed, timeZone: TZ, baseA, noise: 0.03, phaseShare: [1, 1, 1] });
