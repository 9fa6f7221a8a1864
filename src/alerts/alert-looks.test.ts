import { describe, expect, it } from 'vitest';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import { OBSERVE_EVERY_MS, everyFewRuns } from './alerts.ts';

/** A snapshot told apart by its time alone (the looks only pass it on). */
const run = (atMs: number): ControlSnapshot => ({ atMs }) as ControlSnapshot;

describe('alert looks after control runs', () => {
  it('looks at most every OBSERVE_EVERY_MS, and always at the last run of a burst', async () => {
    const clock = new VirtualClock(0);
    const seen: { atRun: number; atMs: number }[] = [];
    const looks = everyFewRuns(clock, (s) => seen.push({ atRun: s.atMs, atMs: clock.nowMs() }));
    looks.onRun(run(0)); // the first at once
    for (const t of [100, 200, 300]) {
      await clock.advanceBy(100);
      looks.onRun(run(t));
    }
    expect(seen).toEqual([{ atRun: 0, atMs: 0 }]);
    await clock.advanceBy(OBSERVE_EVERY_MS);
    // The burst's last run, once the interval is over; not every run of it.
    expect(seen).toEqual([
      { atRun: 0, atMs: 0 },
      { atRun: 300, atMs: OBSERVE_EVERY_MS },
    ]);
    await clock.advanceBy(5 * OBSERVE_EVERY_MS);
    looks.onRun(run(6300)); // after a quiet while: at once again
    expect(seen.at(-1)).toEqual({ atRun: 6300, atMs: 6 * OBSERVE_EVERY_MS + 300 });
    expect(seen).toHaveLength(3);
  });

  it('never puts an older run over a newer one, nor waits long after the wall clock steps', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const looks = everyFewRuns(clock, (s) => seen.push(s.atMs));
    looks.onRun(run(0));
    await clock.advanceBy(100);
    looks.onRun(run(100)); // waits for its look
    clock.stepWallClock(5000); // the wall clock jumps ahead before that look's timer runs
    looks.onRun(run(5100)); // due: looked at now
    await clock.advanceBy(2 * OBSERVE_EVERY_MS);
    expect(seen).toEqual([0, 5100]); // run 100 is not looked at after run 5100
    clock.stepWallClock(-3_600_000); // an hour back: the next run is looked at now, not in an hour
    looks.onRun(run(-1));
    expect(seen).toEqual([0, 5100, -1]);
  });

  it('looks at nothing after stop', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const looks = everyFewRuns(clock, (s) => seen.push(s.atMs));
    looks.onRun(run(0));
    looks.onRun(run(10));
    looks.stop();
    await clock.advanceBy(2 * OBSERVE_EVERY_MS);
    expect(seen).toEqual([0]);
  });
});
