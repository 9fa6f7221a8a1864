/**
 * The sorted baselines of acnportal (`sorted_algorithms.py`, datasets/published.md §1.3): order the cars, then give
 * each in turn the highest rate that keeps every constraint met, never more than it still needs this step.
 * The highest feasible rate is solved in closed form per constraint (it is the limit the bisection converges to).
 */
import { NetworkLoad } from '../network-load.ts';
import type { ActiveEv, Policy, StepInput } from '../policy.ts';
import { energyCapA } from '../policy.ts';

export type SortOrder = 'fcfs' | 'edf' | 'llf';

/** Laxity in steps: time left minus the steps needed at full rate (acnportal `least_laxity_first`). */
function laxity(ev: ActiveEv, input: StepInput, voltageV: number): number {
  const left = (ev.estimatedDepartureMs - input.tMs) / input.stepMs;
  const need = energyCapA(ev.remainingKwh, voltageV, input.stepMs) / Math.max(ev.maxA, 1e-9);
  return left - need;
}

/** Indexes of `input.active` in the order the policy serves them (ties: arrival, then given order). */
export function serviceOrder(order: SortOrder, input: StepInput): number[] {
  const idx = input.active.map((_, i) => i);
  const a = input.active;
  let key: Float64Array;
  if (order === 'fcfs') key = Float64Array.from(a, (ev) => ev.arrivalMs);
  else if (order === 'edf') key = Float64Array.from(a, (ev) => ev.estimatedDepartureMs);
  else key = Float64Array.from(a, (ev) => laxity(ev, input, input.network.evses[ev.evseIndex]!.voltageV));
  return idx.sort((i, j) => key[i]! - key[j]! || a[i]!.arrivalMs - a[j]!.arrivalMs || i - j);
}

/** Upper bound of a car's pilot this step: its max, and what it still needs (acnportal: no overcharging). */
export function pilotCapA(ev: ActiveEv, input: StepInput): number {
  const v = input.network.evses[ev.evseIndex]!.voltageV;
  return Math.min(ev.maxA, energyCapA(ev.remainingKwh, v, input.stepMs));
}

/**
 * `pilotCapA`, raised to the EVSE's minimum pilot for a car that needs less than one step at it: offered the
 * minimum, the car takes what it needs and stops (the engine never delivers more), instead of never
 * getting its last fraction of a kWh (site ports cannot signal below 6 A).
 */
export function offerCapA(ev: ActiveEv, input: StepInput): number {
  const cap = pilotCapA(ev, input);
  return cap > 0 && cap < ev.minA ? Math.min(ev.minA, ev.maxA) : cap;
}

/**
 * FCFS, EDF or LLF. `allowOvercharging` (acnportal's flag of that name, off by default there and here)
 * offers each car its full max even when it needs less this step; the car then leaves the rest unused.
 */
export function sortedPolicy(order: SortOrder, opts: { readonly allowOvercharging?: boolean } = {}): Policy {
  return {
    name: order,
    step(input: StepInput): Float64Array {
      const out = new Float64Array(input.active.length);
      const load = new NetworkLoad(input.network);
      for (const i of serviceOrder(order, input)) {
        const ev = input.active[i]!;
        const ub = opts.allowOvercharging ? ev.maxA : offerCapA(ev, input);
        const r = Math.min(ub, load.headroomA(ev.evseIndex));
        // Below the EVSE's minimum non-zero pilot the car gets nothing this step.
        if (r <= 0 || r < ev.minA) continue;
        out[i] = r;
        load.add(ev.evseIndex, r);
      }
      return out;
    },
  };
}
