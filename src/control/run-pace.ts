/**
 * How soon an event brings the next control run (docs/control.md, "When it runs"): what a limit's
 * safety waits for at once (coalesceMs), what only frees capacity or refines what is known a few run-times
 * later. control-loop.ts keeps the timers; this decides the delays. Pure.
 */
import type { MeterReading } from '../contracts/meter-reading.ts';

/**
 * Cars that settle within this of each other are served by one run (control-loop.ts); and ports' meter
 * values, which come every few seconds from every port (200 a second at 2,000 ports), wait up to this for a
 * run: they refine the non-EV estimate (whose bounds already allow for their lag) and are never what a
 * limit's safety waits for.
 */
export const BATCH_MS = 250;

/**
 * Events that only let ports use capacity that came free, or refine what is known (a session stopped, a car
 * left its port, a car's needs, a port confirmed since the start, a car plugged in where no session runs, a
 * meter reading that shows no more load) ask for a run this many run-times later (at least coalesceMs, at
 * most BATCH_MS). On a small site a run takes well under a millisecond: 20 ms as for every event. At 2,000
 * ports a run takes 10-15 ms and such events come dozens a second: without this the loop ran 14 times a
 * second (a third of a core, and its longest tasks, with a garbage collection inside, went over 150 ms).
 */
const SPARE_RUN_PACE = 10;

/** The delay of a run for an event that only frees capacity or refines what is known. */
export function spareRunDelayMs(coalesceMs: number, lastRunMs: number): number {
  return Math.min(BATCH_MS, Math.max(coalesceMs, SPARE_RUN_PACE * lastRunMs));
}

/**
 * A meter reading rose by more than this per phase (A) or in total (kW) since the one before: more load,
 * less room, served at once. Smaller moves are a meter's noise, or a slow drift that waiting a few run-times
 * more cannot make unsafe.
 */
export const READING_RISE_A = 1;
export const READING_RISE_KW = 0.5;

/**
 * Whether a meter reading may show less room than the one before it: a phase's current or the total power
 * rose (import counts positive, so less solar or a battery charging counts too), or a value came or went.
 * Without an earlier reading, yes.
 */
export function readingMayRaiseLoad(previous: MeterReading | null | undefined, next: MeterReading): boolean {
  if (!previous) return true;
  for (let k = 0; k < 3; k++) {
    if (rose(previous.currentA[k] ?? null, next.currentA[k] ?? null, READING_RISE_A)) return true;
  }
  return rose(previous.powerKw, next.powerKw, READING_RISE_KW);
}

function rose(before: number | null, after: number | null, step: number): boolean {
  if (before === null || after === null) return before !== after;
  return !(after <= before + step); // NaN (never from a driver): served at once
}
