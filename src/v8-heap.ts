/**
 * V8's heap tuning for `fusebox start` (docs/operations.md, "Memory and pauses"). V8 lets the old generation
 * grow to several times its live data after the first collections (the start, with every station booting);
 * when no major collection then comes for 100 s, its memory reducer runs one that compacts the heap and hands
 * the pages back to the system in one piece: at 1,000 stations that stopped the event loop for 200-260 ms
 * (the soak's worst delays; V8's phase timings account for 70 ms of one of 205 ms, which shrank the heap
 * from 446 to 206 MB), where its usual major collections stop it for 7-30 ms. Bounding the growth to
 * HEAP_GROWING_PERCENT over the live data after each collection keeps those coming every 10-20 s, each as
 * short, and the heap small: the 30-minute soak had no memory-reducing collection. V8 reads the setting at
 * every collection, so setting it at the start of the process works as the command-line flag does
 * (src/v8-heap.test.ts checks that).
 */
import { setFlagsFromString } from 'node:v8';

/** Old-generation growth after a major collection, % of the live data: 50 = up to 1.5 times the live data. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Applies the tuning; `FUSEBOX_HEAP_GROWING_PERCENT` overrides the percentage (0: V8's own growth). Returns
 * what was applied (null: V8's own), or an error for a bad value (nothing is applied then).
 */
export function tuneHeap(
  env: NodeJS.ProcessEnv = process.env,
): { percent: number | null } | { error: string } {
  const raw = env.FUSEBOX_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw.trim() === '' ? HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    return { error: `FUSEBOX_HEAP_GROWING_PERCENT is a whole number from 0 to 1000, not '${raw}'` };
  if (percent === 0) return { percent: null };
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { percent };
}
