/** Uncontrolled charging: every car at its max pilot, limits ignored (to show the overload). */
import type { Policy, StepInput } from '../policy.ts';

/** The uncontrolled baseline. */
export function uncontrolledPolicy(): Policy {
  return {
    name: 'uncontrolled',
    step(input: StepInput): Float64Array {
      return Float64Array.from(input.active, (ev) => ev.maxA);
    },
  };
}
