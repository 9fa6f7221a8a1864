/**
 * A site's limits as the planner's rows (plan-types.ts PlanConstraint): every constraint of the network
 * (site-network.ts networkFromSite: the circuit tree's per-phase and kW limits with the core's load factors)
 * as the offline LP's rows (lp-rows.ts). Used by `fusebox simulate` and the live loop alike.
 */
import { lpRows } from './lp-rows.ts';
import type { Network } from './network.ts';
import type { PlanConstraint } from './plan-types.ts';

/** The network's limits as the planner's rows (the offline LP's: lp-rows.ts). */
export function planConstraints(network: Network): PlanConstraint[] {
  const out: PlanConstraint[] = [];
  for (const c of network.constraints)
    for (const row of lpRows(network, c))
      out.push({
        ports: Int32Array.from(c.terms, (t) => t.evse),
        coef: row.coef,
        limitA: row.limit,
        externalPerKw: c.externalPerKw,
      });
  return out;
}
