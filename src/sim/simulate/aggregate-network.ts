/** The aggregate model: every station on one circuit whose only limit is the capacity (ACN's `simple_acn`). */
import type { Network } from './network.ts';

/** One EVSE per station id, all on one circuit limited to `capacityKw` (as a current at `voltageV`). */
export function aggregateNetwork(
  stationIds: readonly string[],
  capacityKw: number,
  voltageV: number,
  evse: { readonly maxA?: number; readonly minA?: number } = {},
): Network {
  const ids = [...new Set(stationIds)].sort();
  return {
    evses: ids.map((id) => ({ id, voltageV, phaseAngleDeg: 0, maxA: evse.maxA ?? 32, minA: evse.minA ?? 0 })),
    constraints: [
      {
        id: 'aggregate',
        circuitId: 'site',
        phase: 'L1', // a single-phase circuit: the Fusebox policy reads it as the circuit's L1
        limitA: (capacityKw * 1000) / voltageV,
        terms: ids.map((_, i) => ({ evse: i, re: 1, im: 0 })),
        externalPerKw: 1000 / voltageV,
      },
    ],
    exact: false,
  };
}
