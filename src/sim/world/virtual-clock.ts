/**
 * Simulated time (FoundationDB-style deterministic simulation): a Clock whose time moves only when a test
 * advances it. Due timers run in time order (ties in the order they were set), and pending promise
 * callbacks are drained after each one, so code that chains promises on timers (the dispatcher awaiting
 * setpoint answers) behaves as in real time: hours of simulated time run in seconds, the same every run.
 *
 * One clock, two readings: `monotonicMs()` is the time that really passed (timers, advanceTo and the
 * simulated physics run on it), `nowMs()` is the wall clock Fusebox reads: the monotonic time plus an offset
 * that `stepWallClock` changes, as an NTP step or a wrong RTC corrected at boot does (fault injection,
 * docs/operations.md). Without a step both are the same.
 */
import type { Clock } from '../../clock.ts';

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets every queued promise callback run (and those they queue): setImmediate runs after all of them. */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  private now: number;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private live = 0;
  private advancing = false;
  private wallOffsetMs = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  /** The wall clock: monotonic time plus the offset of the wall-clock steps so far. */
  nowMs(): number {
    return this.now + this.wallOffsetMs;
  }

  /** The time that really passed (what timers and `advanceTo` count in); never jumps. */
  monotonicMs(): number {
    return this.now;
  }

  /** How far the wall clock is off the monotonic time, in ms (the sum of the steps). */
  get wallClockOffsetMs(): number {
    return this.wallOffsetMs;
  }

  /** Steps the wall clock by `deltaMs` (negative: backwards); timers and monotonic time are not moved. */
  stepWallClock(deltaMs: number): void {
    if (!Number.isFinite(deltaMs))
      throw new Error(`VirtualClock.stepWallClock: ${deltaMs} is not a finite number`);
    this.wallOffsetMs += deltaMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { atMs: this.now + delay, seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle !== 'object' || handle === null || !('seq' in handle)) return;
    const t = handle as Timer;
    if (t.cancelled) return; // already cleared, or already run
    t.cancelled = true;
    this.live--;
  }

  /** Timers set and neither run nor cleared. */
  get pendingTimers(): number {
    return this.live;
  }

  /** When the next timer is due (monotonic time), or null when none is set. */
  nextTimerAtMs(): number | null {
    this.dropCancelled();
    return this.heap[0]?.atMs ?? null;
  }

  /** Moves time forward by `ms`, running due timers in order; see advanceTo. */
  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.now + Math.max(0, ms));
  }

  /**
   * Moves monotonic time to `targetMs`: runs every timer due by then in time order (including timers those set),
   * draining promise callbacks before the first and after each. A timer that throws rejects the returned
   * promise at that instant, as an uncaught exception would stop a real process.
   */
  async advanceTo(targetMs: number): Promise<void> {
    if (this.advancing) throw new Error('VirtualClock: advanceTo called while advancing');
    this.advancing = true;
    try {
      await drainMicrotasks();
      for (;;) {
        this.dropCancelled();
        const next = this.heap[0];
        if (!next || next.atMs > targetMs) break;
        this.pop();
        this.live--;
        next.cancelled = true; // run: a later clearTimeout is a no-op
        if (next.atMs > this.now) this.now = next.atMs;
        next.fn();
        await drainMicrotasks();
      }
      if (targetMs > this.now) this.now = targetMs;
      await drainMicrotasks();
    } finally {
      this.advancing = false;
    }
  }

  /** Lets pending promise callbacks run without moving time. */
  flush(): Promise<void> {
    return drainMicrotasks();
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
