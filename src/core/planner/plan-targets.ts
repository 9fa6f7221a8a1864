/**
 * The one place a plan (plan-types.ts) becomes targets: each session's current for the slot running at
 * `nowMs`. Used by `fusebox simulate`'s MPC (src/sim/simulate/policies/planner-policy.ts) and the live loop
 * (src/control/live-planner.ts). Pure.
 */
import type { Plan } from './plan-types.ts';

/** Index of the plan's slot holding `nowMs` (the last one after the plan's end, 0 before its start). */
export function runningSlot(p: Plan, nowMs: number): number {
  let k = 0;
  while (k + 2 < p.slotStartsMs.length && p.slotStartsMs[k + 1]! <= nowMs) k++;
  return k;
}

/**
 * Per session of the plan (input order), its target for the running slot, A. The plan's current is the
 * slot's average; a car leaving within the slot (`departuresMs`, per session) draws the slot's planned
 * energy in the time it is there, so its target is higher by the slot's length over its time left in it.
 */
export function runningSlotTargetsA(p: Plan, departuresMs: ArrayLike<number>, nowMs: number): Float64Array {
  const k = runningSlot(p, nowMs);
  const from = p.slotStartsMs[k]!;
  const to = p.slotStartsMs[k + 1] ?? from;
  return Float64Array.from(p.currentA, (perSlot, i) => {
    const present = Math.min(to, departuresMs[i]!) - from;
    const a = perSlot[k] ?? 0;
    return present > 0 ? (a * (to - from)) / present : a;
  });
}
