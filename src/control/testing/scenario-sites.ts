/** The sites, loads and EMS commands the control loop's tests (scenarios*.test.ts and others) share. */
import type { EmsCommands } from '../../contracts/ems-commands.ts';
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

/**
 * SLM: one unmetered circuit `c` of `limitA` (default 40 A) with one single-port station per id (the
 * circuit shared among their fail-safe defaults); `station` is added to each station's line (`maxA: 32`).
 */
export function slmSite(
  stations: readonly string[] = ['a', 'b', 'x'],
  opts: { readonly name?: string; readonly limitA?: number; readonly station?: string } = {},
): CompiledSite {
  const extra = opts.station ? `, ${opts.station}` : '';
  return siteFromYaml(`
site: { name: ${opts.name ?? 'slm'}, timeZone: ${TZ} }
circuits:
  - { id: c, limitA: ${opts.limitA ?? 40} }
stations:
${stations.map((id) => `  - { id: ${id}, circuit: c${extra} }`).join('\n')}
`);
}

/** EMS commands: charging enabled, no limits, the watchdog fed; `o` on top. */
export const emsCommands = (o: Partial<EmsCommands>): EmsCommands => ({
  enabled: true,
  circuitLimitA: new Map(),
  watchdogExpired: false,
  ...o,
});
