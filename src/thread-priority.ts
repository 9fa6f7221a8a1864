/**
 * Lowering the priority of some threads of this process (Linux: each thread is a task of /proc/self/task, and
 * setpriority(2) on a thread id changes that one thread; the process id alone would change only the main
 * thread). Used by `fusebox start` for V8's helper threads (src/v8-heap.ts) and by the soak for its whole
 * simulator process (bench/support/soak-process.ts). Raising one's niceness needs no privilege.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What lowerThreads did: the threads it set to `priority` (a nice value), and those the system refused. */
export interface LoweredThreads {
  readonly priority: number;
  readonly lowered: number;
  readonly refused: number;
}

/**
 * Sets every thread whose name (`comm`) and id `which` accepts to `steps` nice steps below the calling thread, at
 * most 19. A thread that ends meanwhile is skipped; one the system refuses to change counts as refused. Where
 * `taskDir` does not exist (not Linux) nothing is done. Threads started later inherit the priority of the
 * thread that starts them.
 */
export function lowerThreads(
  steps: number,
  which: (name: string, tid: number) => boolean,
  taskDir = '/proc/self/task',
): LoweredThreads {
  const priority = Math.min(19, getPriority() + steps);
  let tids: string[];
  try {
    tids = readdirSync(taskDir);
  } catch {
    return { priority, lowered: 0, refused: 0 };
  }
  let lowered = 0;
  let refused = 0;
  for (const tid of tids) {
    let name: string;
    try {
      name = readFileSync(`${taskDir}/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // ended meanwhile
    }
    if (!which(name, Number(tid))) continue;
    try {
      setPriority(Number(tid), priority);
      lowered++;
    } catch {
      refused++;
    }
  }
  return { priority, lowered, refused };
}

/** The name (`comm`) of this process's main thread, or undefined where `taskDir` cannot say (not Linux). */
export function mainThreadName(taskDir = '/proc/self/task'): string | undefined {
  try {
    return readFileSync(`${taskDir}/${process.pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
