import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './upstream-link.ts';

describe('cloud reconnect backoff', () => {
  const r = { initialDelayMs: 1000, maxDelayMs: 60_000 };

  it('doubles from initialDelayMs up to maxDelayMs', () => {
    const middle = (attempt: number): number => backoffDelayMs(r, attempt, () => 0.5);
    expect([0, 1, 2, 3, 5, 6, 7, 40].map(middle)).toEqual([
      1000, 2000, 4000, 8000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('spreads each wait ±25 % at random so that many stations do not reconnect at once', () => {
    expect(backoffDelayMs(r, 2, () => 0)).toBe(3000);
    expect(backoffDelayMs(r, 2, () => 0.999_999)).toBe(5000);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelayMs(r, 3)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(6000);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });
});
