/**
 * The Caltech ACN as ACN-Sim models it (datasets/published.md §1.2, acnportal `caltech_acn.py`): 54 EVSEs wired line
 * to line at 208 V (+30° AB, −90° BC, 150° CA), two 80 A pods, three secondary and three primary line
 * currents of a delta–wye transformer whose limits scale with its capacity C (C·1000/360 and C·1000/831 A).
 */
import type { ConstraintTerm, Network, NetworkConstraint, NetworkEvse } from '../../core/planner/network.ts';

export const CALTECH_VOLTAGE_V = 208;
const n = (ids: readonly number[]): string[] => ids.map((i) => `CA-${i}`);
export const CALTECH_CC_POD = n([322, 493, 496, 320, 495, 321, 323, 494]);
export const CALTECH_AV_POD = n([324, 325, 326, 327, 489, 490, 491, 492]);
export const CALTECH_AB = [
  ...n([308, 508, 303, 513, 310, 506, 316, 500, 318, 498]),
  ...CALTECH_CC_POD,
  ...CALTECH_AV_POD,
];
// The four ADA spaces sit on BC in acnportal ("since we don't know where they come from").
export const CALTECH_BC = n([304, 512, 305, 511, 313, 503, 311, 505, 317, 499, 148, 149, 212, 213]);
export const CALTECH_CA = n([307, 509, 309, 507, 306, 510, 315, 501, 319, 497, 312, 504, 314, 502]);

/** Options: exact = magnitude of phasor sums (SOC); otherwise acnportal's linearization Σ|coef|·I. */
export interface CaltechOptions {
  readonly exact: boolean;
  /** Pilot range of every EVSE (the comparison uses BASIC EVSEs: continuous 0–32 A). */
  readonly maxA?: number;
  readonly minA?: number;
}

/** The Caltech ACN at transformer capacity `capacityKw`. */
export function caltechNetwork(capacityKw: number, opts: CaltechOptions): Network {
  const evses: NetworkEvse[] = [];
  const group = (ids: readonly string[], angle: number): number[] =>
    ids.map((id) => {
      evses.push({
        id,
        voltageV: CALTECH_VOLTAGE_V,
        phaseAngleDeg: angle,
        maxA: opts.maxA ?? 32,
        minA: opts.minA ?? 0,
      });
      return evses.length - 1;
    });
  const ab = group(CALTECH_AB, 30);
  const bc = group(CALTECH_BC, -90);
  const ca = group(CALTECH_CA, 150);

  // A line current as coefficients per EVSE group (AB, BC, CA), before phase angles.
  type Mix = readonly [number, number, number];
  const terms = (mix: Mix, only?: readonly string[]): ConstraintTerm[] => {
    const out: ConstraintTerm[] = [];
    const add = (list: number[], coef: number): void => {
      if (coef === 0) return;
      for (const i of list) {
        if (only && !only.includes(evses[i]!.id)) continue;
        const rad = (evses[i]!.phaseAngleDeg * Math.PI) / 180;
        out.push(
          opts.exact
            ? { evse: i, re: coef * Math.cos(rad), im: coef * Math.sin(rad) }
            : { evse: i, re: Math.abs(coef), im: 0 },
        );
      }
    };
    add(ab, mix[0]);
    add(bc, mix[1]);
    add(ca, mix[2]);
    return out;
  };
  const secondaryA = (capacityKw * 1000) / 3 / 120;
  const primaryA = (capacityKw * 1000) / 3 / 277;
  // Circuit ids and phase labels are those of examples/caltech-acn.yaml, so that the Fusebox policy can read
  // its capacities here: secondary I3a = AB − CA flows in the transformer's L1, and so on; the primary line
  // that Fusebox calls L1 (secondary L1 + L2) is acnportal's I2b = (I3b − I3a)/4.
  const constraint = (
    id: string,
    circuitId: string,
    phase: string,
    limitA: number,
    t: ConstraintTerm[],
    externalPerKw?: number,
  ): NetworkConstraint => ({ id, circuitId, phase, limitA, terms: t, externalPerKw });
  const constraints: NetworkConstraint[] = [
    constraint('CC pod', 'cc-pod', 'L1', 80, terms([1, 0, 0], CALTECH_CC_POD)),
    constraint('AV pod', 'av-pod', 'L1', 80, terms([1, 0, 0], CALTECH_AV_POD)),
    constraint('Secondary A', 'transformer', 'L1', secondaryA, terms([1, 0, -1]), 1000 / 360),
    constraint('Secondary B', 'transformer', 'L2', secondaryA, terms([-1, 1, 0]), 1000 / 360),
    constraint('Secondary C', 'transformer', 'L3', secondaryA, terms([0, -1, 1]), 1000 / 360),
    constraint('Primary A', 'grid', 'L3', primaryA, terms([0.25, 0.25, -0.5]), 1000 / 831),
    constraint('Primary B', 'grid', 'L1', primaryA, terms([-0.5, 0.25, 0.25]), 1000 / 831),
    constraint('Primary C', 'grid', 'L2', primaryA, terms([0.25, -0.5, 0.25]), 1000 / 831),
  ];
  return { evses, constraints, exact: opts.exact };
}
