import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.ts';

describe('backoffMs', () => {
  it('waits the first delay after one failure, doubles with each further one, and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(5_000, 60_000, n))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
    // No failure yet counts as the first; a count in the thousands stays at the cap (no Infinity, no NaN).
    expect(backoffMs(5_000, 60_000, 0)).toBe(5_000);
    expect(backoffMs(5_000, 60_000, 5_000)).toBe(60_000);
  });
});
