/**
 * The constraints a simulated site imposes (docs/simulate.md, "Network models"): per constraint |Σ coef_i·I_i| ≤ limit, with
 * complex (phasor) coefficients in the exact model and Σ (|re|+|im|)·I_i ≤ limit in the linear one.
 */

/** One EVSE: where a car plugs in. Voltage is what converts its current to power. */
export interface NetworkEvse {
  readonly id: string;
  /** The station the EVSE belongs to, where it is not the EVSE's own id (a site's ports, the aggregate's extra EVSEs). */
  readonly stationId?: string | undefined;
  readonly voltageV: number;
  readonly phaseAngleDeg: number;
  readonly maxA: number;
  readonly minA: number;
}

/** One term of a constraint: the EVSE and its coefficient (a phasor in the exact model). */
export interface ConstraintTerm {
  readonly evse: number;
  readonly re: number;
  readonly im: number;
}

/** One limit: a circuit's current on one phase (or its kW), or a line current of a transformer. */
export interface NetworkConstraint {
  readonly id: string;
  readonly circuitId: string;
  /** L1 | L2 | L3 | kW | total */
  readonly phase: string;
  readonly limitA: number;
  readonly terms: readonly ConstraintTerm[];
  /** Where building load less PV also flows through this constraint: its units per kW of that net load. */
  readonly externalPerKw?: number | undefined;
}

export interface Network {
  readonly evses: readonly NetworkEvse[];
  readonly constraints: readonly NetworkConstraint[];
  /** false: Σ (|re|+|im|)·I ≤ limit (conservative linear); true: magnitude of the complex sum. */
  readonly exact: boolean;
}

/** The same network with every limit lowered by the external (building less PV) load of this step. */
export function withExternalLoad(network: Network, netKw: number): Network {
  if (netKw === 0) return network;
  return {
    ...network,
    constraints: network.constraints.map((c) =>
      c.externalPerKw === undefined ? c : { ...c, limitA: c.limitA - netKw * c.externalPerKw },
    ),
  };
}

/** Value of every constraint for the given current per EVSE (magnitude in the exact model). */
export function constraintValues(network: Network, evseA: Float64Array): Float64Array {
  const out = new Float64Array(network.constraints.length);
  network.constraints.forEach((c, k) => {
    let re = 0;
    let im = 0;
    for (const t of c.terms) {
      const a = evseA[t.evse]!;
      if (network.exact) {
        re += t.re * a;
        im += t.im * a;
      } else re += (Math.abs(t.re) + Math.abs(t.im)) * a;
    }
    out[k] = network.exact ? Math.hypot(re, im) : Math.abs(re);
  });
  return out;
}
