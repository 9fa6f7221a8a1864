/** Small sites for multi-cycle tests: n ports under one circuit that fits only some of them at minimum. */
import type { AllocationInput, PortDemand } from '../allocation.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { compileSite } from '../compiled-site.ts';
import type { Wiring } from '../phases.ts';
import type { SiteCircuit, SitePort } from '../site.ts';
import { SUPPLIES } from './supplies.ts';
import { testSitePort } from './site-port.ts';

export interface SharedCircuitSpec {
  /** Minimum current per port in A; the number of ports is its length. */
  readonly minCurrentA: readonly number[];
  /** Per-phase limit of the shared circuit in A (no margin). */
  readonly limitA: number;
  readonly wiring: Wiring;
  /** Put each port on its own unlimited sub-circuit below the shared one. */
  readonly nested: boolean;
  /** Arrival of port j at j × this, in ms. */
  readonly arrivalSpacingMs: number;
}

/** A site and the (constant) input where every port wants energy. */
export function sharedCircuitSite(spec: SharedCircuitSpec): { cs: CompiledSite; input: AllocationInput } {
  const circuits: SiteCircuit[] = [
    { id: 'main', parentId: null, limitA: spec.limitA, marginA: 0, supply: SUPPLIES.eu400 },
  ];
  const ports: SitePort[] = spec.minCurrentA.map((min, j) => {
    const circuitId = spec.nested ? `sub${j}` : 'main';
    if (spec.nested)
      circuits.push({ id: circuitId, parentId: 'main', limitA: 63, marginA: 0, supply: SUPPLIES.eu400 });
    return testSitePort({
      id: `p${String(j).padStart(2, '0')}`,
      stationId: `s${j}`,
      circuitId,
      wiring: spec.wiring,
      minCurrentA: min,
    });
  });
  const demands: PortDemand[] = ports.map((p, j) => ({
    portId: p.id,
    arrivedAtMs: j * spec.arrivalSpacingMs,
  }));
  return {
    cs: compileSite({ timeZone: 'UTC', circuits, ports, meters: [] }),
    input: { capacities: new Map(), demands },
  };
}
