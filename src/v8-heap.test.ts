import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, tuneHeap } from './v8-heap.ts';

describe('V8 heap tuning for fusebox start', () => {
  it('bounds old-generation growth by default, takes an override, and refuses a bad one with its name', () => {
    expect(tuneHeap({})).toEqual({ percent: HEAP_GROWING_PERCENT });
    expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '50' })).toEqual({ percent: 50 });
    expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '0' })).toEqual({ percent: null });
    for (const bad of ['-1', '1.5', 'lots', '5000'])
      expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: bad })).toEqual({
        error: `FUSEBOX_HEAP_GROWING_PERCENT is a whole number from 0 to 1000, not '${bad}'`,
      });
  });

  it('takes effect at run time: a process that applies it collects its old generation more often', () => {
    // The same allocations (a fixed count, not a time), V8's own growth against 10 %: the major GCs in V8's trace.
    const module = new URL('./v8-heap.ts', import.meta.url).href;
    const script = `
      const { tuneHeap } = await import(${JSON.stringify(module)});
      if (process.env.TUNE === '1') tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '10' });
      let keep = [];
      for (let n = 0; n < 2_000_000; n++) { keep.push({ n, a: [n] }); if (keep.length > 300_000) keep = keep.slice(150_000); }`;
    const majorGcs = (tune: string): number => {
      const r = spawnSync(
        process.execPath,
        ['--trace-gc', '--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8', env: { ...process.env, TUNE: tune } },
      );
      expect(r.status, r.stderr).toBe(0);
      return (r.stdout.match(/Mark-Compact/g) ?? []).length;
    };
    const own = majorGcs('0');
    const tuned = majorGcs('1');
    expect(own).toBeGreaterThan(0);
    expect(tuned).toBeGreaterThan(own);
  });
});
