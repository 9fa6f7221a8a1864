/**
 * V8's heap tuning for `fusebox start` (docs/operations.md, "Memory and pauses"). Two settings, both about
 * how often V8 must run a major collection (the soak's longest event-loop delays are their ends: incremental
 * marking done on the main thread, then the final pause).
 *
 * 1. Allocation-site pretenuring off. V8 watches, per allocation site, how many of its young objects survive a
 *    scavenge; above 85 % it allocates that site's later objects straight in the old generation. A control
 *    run makes some 2,000 short-lived objects per site (one per port) and a scavenge that lands inside a run
 *    finds them all alive, so V8 pretenured them: measured with the control-run bench, 10-230 KB a run went
 *    to the old generation, depending on where the scavenges land (a major collection every 13 s in the
 *    soak); with pretenuring off, 1-6 KB (one every 50-55 s).
 * 2. The old generation's growth bounded to HEAP_GROWING_PERCENT over the live data after each collection.
 *    With V8's own growth the heap swelled to several times its live data after the start (every station
 *    booting); when no major collection then came for 100 s, V8's memory reducer ran one that compacts the
 *    heap and hands the pages back in one piece: at 1,000 stations that stopped the event loop for 200-260 ms
 *    (V8's phase timings account for 70 ms of one of 205 ms, which shrank the heap from 446 to 206 MB), where
 *    its usual major collections stop it for 7-30 ms.
 *
 * Set at the start of the process, before the app allocates, both take effect as the command-line flags do;
 * src/v8-heap.test.ts checks each in a child process (more major collections with a tighter bound; no
 * pretenuring decision at all once it is off).
 */
import { setFlagsFromString } from 'node:v8';
import { lowerThreads, mainThreadName } from './thread-priority.ts';

/** Old-generation growth after a major collection, % of the live data: 50 = up to 1.5 times the live data. */
export const HEAP_GROWING_PERCENT = 50;

/** What tuneHeap applied: the growth bound (null: V8's own) and whether V8's pretenuring stays on. */
export interface HeapTuning {
  readonly percent: number | null;
  readonly pretenuring: boolean;
}

/**
 * Applies the tuning. `FUSEBOX_HEAP_GROWING_PERCENT` overrides the percentage (0: V8's own growth);
 * `FUSEBOX_V8_PRETENURING=on` keeps V8's pretenuring (`off`, the default, turns it off). Returns what was
 * applied, or an error naming the bad variable (nothing is applied then).
 */
export function tuneHeap(env: NodeJS.ProcessEnv = process.env): HeapTuning | { error: string } {
  const raw = env.FUSEBOX_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw.trim() === '' ? HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    return { error: `FUSEBOX_HEAP_GROWING_PERCENT is a whole number from 0 to 1000, not '${raw}'` };
  const rawPre = env.FUSEBOX_V8_PRETENURING;
  const pre = rawPre === undefined ? 'off' : rawPre.trim();
  if (pre !== 'on' && pre !== 'off' && pre !== '')
    return { error: `FUSEBOX_V8_PRETENURING is 'on' or 'off', not '${rawPre}'` };
  const pretenuring = pre === 'on';
  if (!pretenuring) setFlagsFromString('--no-allocation-site-pretenuring');
  if (percent !== 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { percent: percent === 0 ? null : percent, pretenuring };
}

/**
 * How many steps of nice below the process V8's helper threads run (FUSEBOX_V8_HELPER_NICE; 0 leaves them).
 * Those threads (the platform's worker pool, which Node names V8Worker: concurrent marking and sweeping,
 * background compiling) ran at the main thread's priority, and while a major collection marks concurrently
 * they can take every core of a small controller: in the soak (2 cores, 1,000 stations) the main thread
 * waited for a core for most of some of the event loop's longest gaps while they ran (docs/operations.md,
 * "Memory and pauses"). Lowered, they still get every idle cycle, and V8 does on the main thread whatever
 * marking they have not done when it must finish.
 */
export const V8_HELPER_NICE = 10;

/** What lowerV8Helpers did: the steps, and how many of V8's helper threads it lowered. */
export interface HelperPriority {
  readonly nice: number;
  readonly threads: number;
}

/**
 * Lowers V8's helper threads `nice` steps below the calling thread (src/thread-priority.ts; Linux's `taskDir`):
 * those named V8Worker (Node 24). Node 22 leaves them unnamed (they carry the main thread's name, `node`), so
 * where there is no V8Worker, every thread with the main thread's name but another id: called at start, before
 * Fusebox starts threads of its own, those are V8's pool, the thread that waits for SIGUSR1 (the inspector)
 * and, where a module loader registered hooks (tsx from the sources), the hooks thread; libuv names its own
 * (libuv-worker) on both. Nothing where there is no such directory (not Linux). Returns what was done, or an
 * error naming the bad variable.
 */
export function lowerV8Helpers(
  env: NodeJS.ProcessEnv = process.env,
  taskDir = '/proc/self/task',
): HelperPriority | { error: string } {
  const raw = env.FUSEBOX_V8_HELPER_NICE;
  const nice = raw === undefined || raw.trim() === '' ? V8_HELPER_NICE : Number(raw);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19)
    return { error: `FUSEBOX_V8_HELPER_NICE is a whole number from 0 to 19, not '${raw}'` };
  if (nice === 0) return { nice, threads: 0 };
  const named = lowerThreads(nice, (name) => name === 'V8Worker', taskDir);
  if (named.lowered + named.refused > 0) return { nice, threads: named.lowered };
  const main = mainThreadName(taskDir);
  const unnamed = lowerThreads(nice, (name, tid) => name === main && tid !== process.pid, taskDir);
  return { nice, threads: unnamed.lowered };
}
