/** The site the cloud profile tests share. */
import { siteFromYaml } from '../../control/testing/sim-harness.ts';
import type { Site } from '../../core/site.ts';

/**
 * A 100 A circuit `c` with station s (two three-phase 32 A ports at 230/400 V) and, with `singlePhase`,
 * station t (one port on L1).
 */
export function cloudSite(singlePhase: boolean): Site {
  return siteFromYaml(`
site: { name: cloud, timeZone: Europe/Berlin }
circuits:
  - { id: c, limitA: 100 }
stations:
  - { id: s, circuit: c, ports: 2 }${singlePhase ? '\n  - { id: t, circuit: c, phases: L1 }' : ''}
`).site;
}
