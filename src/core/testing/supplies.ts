/** Supply systems the generated and benchmark sites are built from. */
import type { Phase, Wiring } from '../phases.ts';
import { WIRINGS } from '../phases.ts';
import type { SitePort, Supply } from '../site.ts';
import { testSitePort } from './site-port.ts';

const THREE: readonly Phase[] = ['L1', 'L2', 'L3'];

export const SUPPLIES = {
  /** 230/400 V three phase (Europe). */
  eu400: { lineToNeutralV: 230, lineToLineV: 400, phases: THREE },
  /** 277/480 V three phase (North American service), stepped down for chargers. */
  us480: { lineToNeutralV: 277, lineToLineV: 480, phases: THREE },
  /** 120/208 V three phase (208Y/120, North American panels). */
  us208: { lineToNeutralV: 120, lineToLineV: 208, phases: THREE },
  /** 120/240 V split phase (North American residential). */
  split240: { lineToNeutralV: 120, lineToLineV: 240, phases: ['L1', 'L2'] },
} as const satisfies Record<string, Supply>;

export type SupplyName = keyof typeof SUPPLIES;

/** Wirings a port can have on a supply: everything on three phase, L1, L2 and L1-L2 on split phase. */
export function wiringsFor(supply: Supply): readonly Wiring[] {
  return supply.phases.length === 3 ? WIRINGS : ['L1', 'L2', 'L1-L2'];
}

/** Three-phase wirings (with rotation). */
export const THREE_PHASE_WIRINGS: readonly Wiring[] = WIRINGS.filter((w) => w.length === 6);

/** A port as tests write it: 6-32 A AC in 0.1 A steps, priority 0, alone on its station unless `extra` says. */
export function testPort(
  id: string,
  circuitId: string,
  wiring: Wiring,
  extra: Partial<SitePort> = {},
): SitePort {
  return testSitePort({ id, stationId: id, circuitId, wiring, stepA: 0.1, ...extra });
}
