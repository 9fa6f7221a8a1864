/** The aggregate model: every station on one circuit whose only limit is the capacity (ACN's `simple_acn`). */
import type { Network, NetworkEvse } from '../../core/planner/network.ts';

/**
 * One EVSE per station id, all on one circuit limited to `capacityKw` (as a current at `voltageV`). A
 * station that holds several cars at once in the data (`evsesPerStation`: a station with two connectors)
 * gets that many EVSEs: its own id, then `id#2`, `id#3`, …; one constraint covers them all anyway.
 */
export function aggregateNetwork(
  stationIds: readonly string[],
  capacityKw: number,
  voltageV: number,
  evse: { readonly maxA?: number | undefined; readonly minA?: number | undefined } = {},
  evsesPerStation?: ReadonlyMap<string, number>,
): Network {
  const stations = [...new Set(stationIds)].sort();
  const taken = new Set(stations);
  const make = (id: string, stationId: string): NetworkEvse => ({
    id,
    stationId,
    voltageV,
    phaseAngleDeg: 0,
    maxA: evse.maxA ?? 32,
    minA: evse.minA ?? 0,
  });
  const evses: NetworkEvse[] = [];
  for (const s of stations) {
    evses.push(make(s, s));
    for (let k = 2; k <= (evsesPerStation?.get(s) ?? 1); k++) {
      let id = `${s}#${k}`;
      while (taken.has(id)) id += "'"; // a data station already named so: keep EVSE ids unique
      taken.add(id);
      evses.push(make(id, s));
    }
  }
  return {
    evses,
    constraints: [
      {
        id: 'aggregate',
        circuitId: 'site',
        phase: 'L1', // a single-phase circuit: the Fusebox policy reads it as the circuit's L1
        limitA: (capacityKw * 1000) / voltageV,
        terms: evses.map((_, i) => ({ evse: i, re: 1, im: 0 })),
        externalPerKw: 1000 / voltageV,
      },
    ],
    exact: false,
  };
}
