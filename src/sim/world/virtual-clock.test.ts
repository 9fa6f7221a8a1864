import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.ts';

describe('VirtualClock', () => {
  it('runs due timers in time order, ties in the order they were set', async () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.nowMs()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.nowMs()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.nowMs()}`), 20);
    clock.setTimeout(() => seen.push(`late@${clock.nowMs()}`), 31);
    await clock.advanceBy(30);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.nowMs()).toBe(1030);
    expect(clock.pendingTimers).toBe(1);
  });

  it('runs timers set by timers within the same advance, and skips cleared ones', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const tick = (): void => {
      seen.push(clock.nowMs());
      if (seen.length < 5) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    const cleared = clock.setTimeout(() => seen.push(-1), 250);
    clock.clearTimeout(cleared);
    clock.clearTimeout(cleared);
    clock.clearTimeout(undefined);
    await clock.advanceTo(1000);
    expect(seen).toEqual([100, 200, 300, 400, 500]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAtMs()).toBeNull();
  });

  it('drains promise chains between timers, at the time of the timer that started them', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const sleep = (ms: number): Promise<void> => new Promise((r) => clock.setTimeout(r, ms));
    const chain = async (): Promise<void> => {
      await sleep(50);
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`after-await@${clock.nowMs()}`);
      await sleep(50);
      seen.push(`second@${clock.nowMs()}`);
    };
    void chain();
    clock.setTimeout(() => seen.push(`timer@${clock.nowMs()}`), 60);
    await clock.advanceBy(200);
    expect(seen).toEqual(['after-await@50', 'timer@60', 'second@100']);
  });

  it('a zero or negative delay runs at the current time, after timers already due then', async () => {
    const clock = new VirtualClock(5);
    const seen: string[] = [];
    clock.setTimeout(() => {
      seen.push('first');
      clock.setTimeout(() => seen.push('zero'), 0);
      clock.setTimeout(() => seen.push('negative'), -10);
    }, 0);
    clock.setTimeout(() => seen.push('second'), 0);
    await clock.advanceBy(0);
    expect(seen).toEqual(['first', 'second', 'zero', 'negative']);
    expect(clock.nowMs()).toBe(5);
  });

  it('a throwing timer rejects the advance; time stops at that timer', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    await expect(clock.advanceBy(100)).rejects.toThrow('boom');
    expect(clock.nowMs()).toBe(10);
  });

  it('runs a day of 1 s timers quickly', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const tick = (): void => {
      n++;
      clock.setTimeout(tick, 1000);
    };
    clock.setTimeout(tick, 1000);
    const t0 = performance.now();
    await clock.advanceBy(86_400_000);
    expect(n).toBe(86_400);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('steps the wall clock without moving timers or monotonic time', async () => {
    const clock = new VirtualClock(10_000);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.monotonicMs()), 1000);
    clock.stepWallClock(-3_600_000);
    expect(clock.nowMs()).toBe(10_000 - 3_600_000);
    expect(clock.monotonicMs()).toBe(10_000);
    await clock.advanceBy(1000);
    expect(seen).toEqual([11_000]);
    expect(clock.nowMs()).toBe(11_000 - 3_600_000);
    clock.stepWallClock(86_400_000);
    expect(clock.wallClockOffsetMs).toBe(86_400_000 - 3_600_000);
    expect(clock.nextTimerAtMs()).toBeNull();
    expect(() => clock.stepWallClock(NaN)).toThrow(/stepWallClock: NaN/);
  });
});
