/** The shared clock (src/clock.ts), and a sleep on it for the poll loops. */
import type { Clock } from '../clock.ts';

export type { Clock } from '../clock.ts';
export { systemClock } from '../clock.ts';

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, Math.max(0, ms)));
}
