import { describe, expect, it } from 'vitest';
import { oncePerTurn } from './metrics.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('oncePerTurn', () => {
  it('computes once for every read in the same turn of the event loop, and again in the next', async () => {
    let calls = 0;
    const read = oncePerTurn(() => ++calls);
    // A scrape: every gauge reads it, with promise callbacks between them.
    expect(read()).toBe(1);
    await Promise.resolve();
    expect(read()).toBe(1);
    expect(calls).toBe(1);
    await nextTurn();
    expect(read()).toBe(2);
    expect(read()).toBe(2);
    expect(calls).toBe(2);
  });

  it('does not keep a value whose computation threw', () => {
    let fail = true;
    const read = oncePerTurn(() => {
      if (fail) throw new Error('store closed');
      return 7;
    });
    expect(() => read()).toThrow('store closed');
    fail = false;
    expect(read()).toBe(7);
  });
});
