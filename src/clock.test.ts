import { describe, expect, it } from 'vitest';
import { every, systemClock, unrefTimer } from './clock.ts';
import { VirtualClock } from './sim/world/virtual-clock.ts';

describe('every', () => {
  it('runs every interval on the clock until stopped', async () => {
    const clock = new VirtualClock(0);
    const runs: number[] = [];
    const timer = every(clock, 1000, () => runs.push(clock.nowMs()));
    await clock.advanceBy(3500);
    expect(runs).toEqual([1000, 2000, 3000]);
    timer.stop();
    await clock.advanceBy(5000);
    expect(runs).toEqual([1000, 2000, 3000]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stopped from inside its own run, it sets no further timer', async () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    const timer = every(clock, 100, () => {
      runs++;
      timer.stop();
    });
    await clock.advanceBy(1000);
    expect(runs).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps repeating after a run that throws (as setInterval does)', async () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    every(clock, 100, () => {
      runs++;
      if (runs === 1) throw new Error('first run fails');
    });
    await expect(clock.advanceBy(150)).rejects.toThrow('first run fails');
    await clock.advanceBy(200);
    expect(runs).toBe(3);
  });
});

describe('unrefTimer', () => {
  it('unrefs a Node timer and ignores a virtual one', () => {
    const handle = systemClock.setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    unrefTimer(handle);
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
    const clock = new VirtualClock(0);
    expect(() => unrefTimer(clock.setTimeout(() => undefined, 10))).not.toThrow();
  });
});
