import { describe, expect, it } from 'vitest';
import { SKEW_WINDOW_MS, StationClockSkew } from './station-clock.ts';

describe('StationClockSkew', () => {
  it('takes the smallest lag in its window: a delayed or queued message does not count as lag', () => {
    const s = new StationClockSkew();
    const t = 1_800_000_000_000;
    expect(s.behindMs(t)).toBe(0);
    s.observe(t - 180_000 - 40, t); // 3 min behind, 40 ms on the way
    s.observe(t - 3_600_000, t + 1000); // queued for an hour while offline
    expect(s.behindMs(t + 1000)).toBe(180_040);
    expect(s.aheadMs(t + 1000)).toBe(0);
    // Out of the window the observations no longer count.
    expect(s.behindMs(t + SKEW_WINDOW_MS + 2000)).toBe(0);
  });

  it('a clock ahead counts up to 5 minutes; unreadable timestamps are ignored', () => {
    const s = new StationClockSkew();
    const t = 1_800_000_000_000;
    s.observe(Number.NaN, t);
    s.observe(t + 120_000, t);
    expect(s.aheadMs(t)).toBe(120_000);
    expect(s.behindMs(t)).toBe(0);
    s.observe(t + 3_600_000, t);
    expect(s.aheadMs(t)).toBe(300_000);
  });

  it('keeps the last 64 observations, and a new one counts at once, even at the same instant', () => {
    const s = new StationClockSkew();
    const t = 1_800_000_000_000;
    s.observe(t - 10, t); // 10 ms behind: the smallest, until it is pushed out
    for (let i = 1; i <= 63; i++) s.observe(t + i - 1000, t + i);
    expect(s.behindMs(t + 63)).toBe(10);
    s.observe(t + 64 - 1000, t + 64);
    expect(s.behindMs(t + 64)).toBe(1000);
    s.observe(t + 64 - 500, t + 64);
    expect(s.behindMs(t + 64)).toBe(500);
  });
});
