import { describe, expect, it } from 'vitest';
import { CowMap } from './cow-map.ts';
import { CarObservations, LimitHistory } from './non-ev-estimate.ts';

const entries = (m: CowMap<string, number>): [string, number][] => {
  const out: [string, number][] = [];
  m.forEach((v, k) => out.push([k, v]));
  return out.sort(([a], [b]) => a.localeCompare(b));
};

describe('CowMap', () => {
  it('a copy and its original change apart, through sets, deletes and the folding of the delta', () => {
    let a = CowMap.empty<string, number>();
    for (let i = 0; i < 100; i++) a.set(`p${i}`, i);
    a = a.clone(); // 100 > 32 and > 0/8: folded into the base
    const b = a.clone();
    b.set('p1', -1);
    b.delete('p2');
    b.set('new', 7);
    expect(a.get('p1')).toBe(1);
    expect(a.has('p2')).toBe(true);
    expect(a.has('new')).toBe(false);
    expect(b.get('p1')).toBe(-1);
    expect(b.has('p2')).toBe(false);
    expect(b.get('p2')).toBeUndefined();
    a.delete('p3');
    expect(b.get('p3')).toBe(3);
    // Many changes: the copy folds them in and still reads the same.
    let c = b.clone();
    for (let i = 10; i < 60; i++) c.set(`p${i}`, i * 10);
    const before = entries(c);
    c = c.clone();
    expect(entries(c)).toEqual(before);
    expect(entries(c)).toHaveLength(100); // p2 deleted, 'new' added
    expect(b.get('p20')).toBe(20);
  });
});

describe('LimitHistory and CarObservations copies (copy on write)', () => {
  it('a record or prune on the copy leaves the original as it was, and the other way round', () => {
    const h = new LimitHistory();
    h.record('a', 0, 16);
    h.record('a', 1000, 10);
    const c = h.clone();
    c.record('a', 2000, 6);
    c.prune(1500);
    expect(h.range('a', 0, 3000)).toEqual({ lowA: 10, highA: 16, changedAtMs: 1000 });
    expect(c.range('a', 1500, 3000)).toEqual({ lowA: 6, highA: 10, changedAtMs: 2000 });
    h.record('a', 3000, 32); // the original after its copy: the copy does not see it
    expect(c.range('a', 0, 4000)?.highA).toBe(10);
    const untouched = h.clone(); // shares h's list: h's next record must copy it first
    h.record('a', 5000, 40);
    expect(untouched.range('a', 0, 6000)?.highA).toBe(32);
    c.forget('a');
    expect(h.has('a')).toBe(true);
  });

  it('a car seen on the copy is not seen on the original', () => {
    const h = new LimitHistory();
    h.record('a', 0, 16);
    const cars = new CarObservations();
    const copy = cars.clone();
    const port = { portId: 'a', sessionId: 1, minCurrentA: 6 };
    const seen = copy.observe(
      port,
      { conductorA: [5, 5, 5], atMs: 10_000, inUse: [true, false, false] },
      h,
      5000,
    );
    expect(seen?.ownMaxA).toBe(5);
    expect(cars.observe(port, undefined, h, 5000)).toBeUndefined();
  });
});
