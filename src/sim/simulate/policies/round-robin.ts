/**
 * Round robin as acnportal does it (datasets/published.md §1.3): everyone starts at the lower bound; a queue in
 * first-come order bumps each car one pilot step (1 A) at a time; a car whose bump does not fit leaves
 * the queue. Discrete progressive filling ("equal sharing").
 */
import { NetworkLoad } from '../network-load.ts';
import type { Policy, StepInput } from '../policy.ts';
import { offerCapA, serviceOrder } from './sorted-policy.ts';

/** The round-robin baseline with pilot steps of `incrementA`. */
export function roundRobinPolicy(incrementA = 1): Policy {
  return {
    name: 'round-robin',
    step(input: StepInput): Float64Array {
      const a = input.active;
      const out = new Float64Array(a.length);
      const ub = new Float64Array(a.length);
      const load = new NetworkLoad(input.network);
      const queue: number[] = [];
      for (const i of serviceOrder('fcfs', input)) {
        const ev = a[i]!;
        ub[i] = offerCapA(ev, input);
        // Allowed pilots are min, min + 1 A, … up to the cap; start at the lowest.
        const lb = ub[i] >= ev.minA ? ev.minA : 0;
        if (lb > 0) {
          if (!load.fits(ev.evseIndex, lb)) continue;
          out[i] = lb;
          load.add(ev.evseIndex, lb);
        }
        if (ub[i] >= ev.minA && out[i]! + incrementA <= ub[i] + 1e-9) queue.push(i);
      }
      for (let q = 0; q < queue.length; q++) {
        const i = queue[q]!;
        const ev = a[i]!;
        if (!load.fits(ev.evseIndex, incrementA)) continue;
        out[i] = out[i]! + incrementA;
        load.add(ev.evseIndex, incrementA);
        if (out[i] + incrementA <= ub[i]! + 1e-9) queue.push(i);
      }
      return out;
    },
  };
}
