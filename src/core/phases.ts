/** Site phases and how a port's conductors map onto them (docs/configuration.md, "Wiring (`phases`)"). */

export const PHASES = ['L1', 'L2', 'L3'] as const;
export type Phase = (typeof PHASES)[number];

/** A value per site phase, in the order L1, L2, L3. */
export type PhaseVector = readonly [number, number, number];

/**
 * How a port is wired to the site supply.
 * - `L1`, `L2`, `L3`: single phase, line to neutral.
 * - `L1-L2`, `L2-L3`, `L3-L1`: single phase, line to line (208Y/120 V, split-phase 120/240 V).
 * - three-letter orders such as `L1L2L3` or `L2L3L1`: three phase; the order says which site phase feeds
 *   the station's L1, L2 and L3 terminals (rotation), which matters when a single-phase car charges.
 */
export const WIRINGS = [
  'L1',
  'L2',
  'L3',
  'L1-L2',
  'L2-L3',
  'L3-L1',
  'L1L2L3',
  'L2L3L1',
  'L3L1L2',
  'L1L3L2',
  'L3L2L1',
  'L2L1L3',
] as const;
export type Wiring = (typeof WIRINGS)[number];

/** Index of a phase in a PhaseVector. */
export function phaseIndex(phase: Phase): 0 | 1 | 2 {
  return phase === 'L1' ? 0 : phase === 'L2' ? 1 : 2;
}

/**
 * The site phases each station conductor draws from. Element k lists the site phase indexes the
 * current of the station's k-th conductor flows through: one phase for line-to-neutral, two for
 * line-to-line (the same current flows out on one line and back on the other).
 */
export function wiringConductors(wiring: Wiring): readonly (readonly number[])[] {
  if (wiring.length === 2) return [[phaseIndex(wiring as Phase)]];
  if (wiring.includes('-')) {
    const [a, b] = wiring.split('-') as [Phase, Phase];
    return [[phaseIndex(a), phaseIndex(b)]];
  }
  const phases = [wiring.slice(0, 2), wiring.slice(2, 4), wiring.slice(4, 6)] as Phase[];
  return phases.map((p) => [phaseIndex(p)]);
}

/** True when the wiring is line to line (one current on two phases). */
export function isLineToLine(wiring: Wiring): boolean {
  return wiring.includes('-');
}

/** Site phase indexes a wiring touches at all. */
export function wiringPhases(wiring: Wiring): number[] {
  return [...new Set(wiringConductors(wiring).flat())].sort();
}
