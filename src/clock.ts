/** Time and timers as a value, so tests and simulations can drive them (the core takes time as an argument). */

export interface Clock {
  /** The wall clock (ms since the epoch): for timestamps; it steps when NTP corrects it. */
  nowMs(): number;
  /**
   * Time that passed (ms from an arbitrary origin), never stepping: for durations, such as how long a command
   * has been in force. Timers run on it.
   */
  monotonicMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Lets the process exit while the timer `handle` (from a Clock's setTimeout) is pending, as Node's
 * `timer.unref()` does; a virtual clock's timers hold no process open, so there is nothing to do for them.
 */
export function unrefTimer(handle: unknown): void {
  if (
    typeof handle === 'object' &&
    handle !== null &&
    'unref' in handle &&
    typeof handle.unref === 'function'
  )
    (handle as NodeJS.Timeout).unref();
}

/** A timer that repeats until stopped. */
export interface RepeatingTimer {
  stop(): void;
}

/**
 * Runs `fn` every `ms` on `clock` until stopped (setInterval on a Clock: each run sets the next timer, after
 * `fn` returns). The timers do not hold the process open (unrefTimer); as with setInterval, a `fn` that throws does
 * not stop the repetition.
 */
export function every(clock: Clock, ms: number, fn: () => void): RepeatingTimer {
  let stopped = false;
  let handle: unknown;
  const schedule = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      try {
        fn();
      } finally {
        if (!stopped) schedule();
      }
    }, ms);
    unrefTimer(handle);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clock.clearTimeout(handle);
    },
  };
}
