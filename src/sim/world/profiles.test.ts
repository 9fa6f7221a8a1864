import { describe, expect, it } from 'vitest';
import {
  buildingLoadProfile,
  cappedLoad,
  constantLoad,
  createRng,
  hash01,
  localHour,
  pvProfile,
  withSteps,
} from './profiles.ts';

describe('seeded randomness', () => {
  it('the same seed gives the same sequence; another seed another one', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true);
    const r = createRng(1);
    for (let i = 0; i < 200; i++) {
      const n = r.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
  });

  it('hash01 is random access: order of calls does not matter', () => {
    const forward = [0, 1, 2, 3].map((n) => hash01(7, n));
    const backward = [3, 2, 1, 0].map((n) => hash01(7, n)).reverse();
    expect(backward).toEqual(forward);
    expect(new Set(forward).size).toBe(4);
  });
});

describe('profiles', () => {
  const tz = 'Europe/Berlin';
  const noonMs = Date.UTC(2026, 5, 15, 11, 0); // 13:00 CEST
  const nightMs = Date.UTC(2026, 5, 15, 1, 0); // 03:00 CEST

  it('a building peaks by day in local time and is the same for the same seed', () => {
    const p = buildingLoadProfile({ seed: 1, timeZone: tz, baseA: 20, peakA: 40, noise: 0.05 });
    const q = buildingLoadProfile({ seed: 1, timeZone: tz, baseA: 20, peakA: 40, noise: 0.05 });
    expect(p(noonMs)).toEqual(q(noonMs));
    expect(p(noonMs)[0]).toBeGreaterThan(50);
    expect(p(nightMs)[0]).toBeLessThan(22);
    expect(localHour(tz, noonMs)).toBe(13);
  });

  it('steps switch load on and off at their time; caps hold', () => {
    const p = withSteps(constantLoad(10), [
      { atMs: 100, addA: 60 },
      { atMs: 200, addA: [-70, 0, 0] },
    ]);
    expect(p(99)).toEqual([10, 10, 10]);
    expect(p(100)).toEqual([70, 70, 70]);
    expect(p(200)).toEqual([0, 70, 70]);
    expect(cappedLoad(p, 50)(150)).toEqual([50, 50, 50]);
  });

  it('PV is zero at night, a half sine by day, dimmed by clouds', () => {
    const clear = pvProfile({ seed: 3, timeZone: tz, peakKw: 30 });
    expect(clear(nightMs)).toBe(0);
    expect(clear(Date.UTC(2026, 5, 15, 11, 0))).toBeGreaterThan(29);
    const cloudy = pvProfile({ seed: 3, timeZone: tz, peakKw: 30, cloudiness: 0.5 });
    let dimmed = 0;
    let n = 0;
    for (let t = Date.UTC(2026, 5, 15, 9, 0); t < Date.UTC(2026, 5, 15, 13, 0); t += 60_000, n++) {
      const c = cloudy(t);
      expect(c).toBeLessThanOrEqual(clear(t) + 1e-9);
      expect(c).toBeGreaterThanOrEqual(0.2 * clear(t) - 1e-9);
      if (c < 0.9 * clear(t)) dimmed++;
    }
    expect(dimmed / n).toBeGreaterThan(0.2);
    expect(dimmed / n).toBeLessThan(0.8);
  });
});
