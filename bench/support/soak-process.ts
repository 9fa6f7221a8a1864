/** The soak's (bench/soak.ts) own options and what it reads of the Fusebox process from /proc. */
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { lowerThreads } from '../../src/thread-priority.ts';

/** `--name N` or `--name=N`: a positive number, else `fallback`. */
export function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`soak: --${name} needs a positive number, got '${raw}'`);
  return n;
}

/**
 * How many niceness steps the bench's threads go below Fusebox once Fusebox is started
 * (SOAK_SIMULATOR_NICE, a whole number from 0 to 19; default 10: nice 10 when the bench starts at 0). In the field the stations and meters are other devices; here they are simulated in
 * this process on the same cores as Fusebox, and at equal priority the simulator's bursts took the CPU from
 * Fusebox's event loop when it needed it (docs/operations.md, "Soak"). 0 keeps equal priority.
 */
export function simulatorNice(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOAK_SIMULATOR_NICE;
  if (raw === undefined || raw.trim() === '') return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 19)
    throw new Error(`soak: SOAK_SIMULATOR_NICE is a whole number from 0 to 19, not '${raw}'`);
  return n;
}

/**
 * Lowers every thread of this process (the simulated stations, the meter and the checks on the main thread;
 * V8's and libuv's helpers beside it) by `steps` niceness steps, at most to 19 (src/thread-priority.ts; Fusebox,
 * spawned before, keeps the priority it started with). Until 2026-12-07 only the main thread was lowered, and
 * the simulator's garbage collector, on V8's helper threads at Fusebox's priority, took cores from Fusebox's
 * event loop (docs/operations.md, "Soak"). Returns how many steps below Fusebox the simulator now runs and a
 * line saying so.
 */
export function yieldToFusebox(steps: number): { nice: number; line: string } {
  const own = getPriority();
  const done = lowerThreads(steps, () => true);
  if (done.refused > 0 || done.lowered === 0)
    return {
      nice: 0,
      line: `  could not lower the simulator's priority (${done.refused} threads refused): it competes with Fusebox as an equal`,
    };
  return {
    nice: done.priority - own,
    line: `  the simulated stations and meter (this process, ${done.lowered} threads) run at nice ${done.priority}, Fusebox at ${own} (SOAK_SIMULATOR_NICE)`,
  };
}

/** Resident memory of a process, MB (/proc/PID/status VmRSS). */
export function rssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU time the process used so far (user + system), in s: /proc/PID/stat fields 14 and 15, in clock ticks. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // fields[0] is field 3 (state); USER_HZ is 100 on Linux
}

/** Polls `check` every 250 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
