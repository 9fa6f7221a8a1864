/** Named supply systems a circuit can be on, and how a config supply resolves to a core Supply. */
import type { Supply } from '../core/site.ts';
import { sameSupply } from '../core/site.ts';

const THREE = ['L1', 'L2', 'L3'] as const;

/**
 * Nominal systems by their usual name. Single-phase systems have no line-to-line voltage; it is set equal to
 * the line-to-neutral one so that a load behind a single-phase transformer is never under-counted upstream.
 */
export const SUPPLY_SYSTEMS = {
  '230/400V': { lineToNeutralV: 230, lineToLineV: 400, phases: THREE },
  '220/380V': { lineToNeutralV: 220, lineToLineV: 380, phases: THREE },
  '240/415V': { lineToNeutralV: 240, lineToLineV: 415, phases: THREE },
  '127/220V': { lineToNeutralV: 127, lineToLineV: 220, phases: THREE },
  '120/208V': { lineToNeutralV: 120, lineToLineV: 208, phases: THREE },
  '277/480V': { lineToNeutralV: 277, lineToLineV: 480, phases: THREE },
  '347/600V': { lineToNeutralV: 347, lineToLineV: 600, phases: THREE },
  '120/240V-split': { lineToNeutralV: 120, lineToLineV: 240, phases: ['L1', 'L2'] },
  '230V-1P': { lineToNeutralV: 230, lineToLineV: 230, phases: ['L1'] },
  '240V-1P': { lineToNeutralV: 240, lineToLineV: 240, phases: ['L1'] },
  '120V-1P': { lineToNeutralV: 120, lineToLineV: 120, phases: ['L1'] },
} as const satisfies Record<string, Supply>;

export type SupplyName = keyof typeof SUPPLY_SYSTEMS;
export const SUPPLY_NAMES = Object.keys(SUPPLY_SYSTEMS) as [SupplyName, ...SupplyName[]];

/** A supply as written in the config: a name, or explicit voltages with 1, 2 (split) or 3 phases. */
export type SupplySpec =
  SupplyName | { readonly lineToNeutralV: number; readonly lineToLineV: number; readonly phases: 1 | 2 | 3 };

/** The core Supply for a config supply. */
export function resolveSupply(spec: SupplySpec): Supply {
  if (typeof spec === 'string') return SUPPLY_SYSTEMS[spec];
  const phases = spec.phases === 3 ? THREE : spec.phases === 2 ? (['L1', 'L2'] as const) : (['L1'] as const);
  return { lineToNeutralV: spec.lineToNeutralV, lineToLineV: spec.lineToLineV, phases };
}

/** A short label for a supply: its name when it has one, else its voltages. */
export function supplyLabel(supply: Supply): string {
  for (const [name, s] of Object.entries(SUPPLY_SYSTEMS)) {
    if (sameSupply(s, supply)) return name;
  }
  const kind = supply.phases.length === 3 ? '3P' : supply.phases.length === 2 ? 'split' : '1P';
  return `${supply.lineToNeutralV}/${supply.lineToLineV}V-${kind}`;
}
