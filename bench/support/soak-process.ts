/** The soak's (bench/soak.ts) own options and what it reads of the Fusebox process from /proc. */
import { readFileSync } from 'node:fs';

/** `--name N` or `--name=N`: a positive number, else `fallback`. */
export function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`soak: --${name} needs a positive number, got '${raw}'`);
  return n;
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
