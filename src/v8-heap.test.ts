import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, lowerV8Helpers, tuneHeap, V8_HELPER_NICE } from './v8-heap.ts';

/** Runs `script` (an ES module that may import v8-heap.ts as `module`) with --trace-gc and `flags`; V8's trace back. */
function traceGc(script: string, env: Record<string, string>, flags: readonly string[] = []): string {
  const r = spawnSync(
    process.execPath,
    ['--trace-gc', ...flags, '--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const module = JSON.stringify(new URL('./v8-heap.ts', import.meta.url).href);

describe('V8 heap tuning for fusebox start', () => {
  it('bounds old-generation growth and turns pretenuring off by default, takes overrides, refuses bad ones by name', () => {
    expect(tuneHeap({})).toEqual({ percent: HEAP_GROWING_PERCENT, pretenuring: false });
    expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '50' })).toEqual({ percent: 50, pretenuring: false });
    expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '0' })).toEqual({ percent: null, pretenuring: false });
    expect(tuneHeap({ FUSEBOX_V8_PRETENURING: 'off' })).toEqual({
      percent: HEAP_GROWING_PERCENT,
      pretenuring: false,
    });
    for (const bad of ['-1', '1.5', 'lots', '5000'])
      expect(tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: bad })).toEqual({
        error: `FUSEBOX_HEAP_GROWING_PERCENT is a whole number from 0 to 1000, not '${bad}'`,
      });
    expect(tuneHeap({ FUSEBOX_V8_PRETENURING: 'maybe' })).toEqual({
      error: `FUSEBOX_V8_PRETENURING is 'on' or 'off', not 'maybe'`,
    });
  });

  it('takes effect at run time: a tighter bound on the growth gives more major GCs for the same allocations', () => {
    // A fixed count of allocations (not a time) with 150 MB or so kept alive, the bound set at run time to
    // 10 % and to 400 % (both given: V8's own growth varies with the machine's load): the major GCs in the trace.
    const script = `
      const { tuneHeap } = await import(${module});
      const t = tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: process.env.PCT, FUSEBOX_V8_PRETENURING: 'off' });
      if ('error' in t) throw new Error(t.error);
      let keep = [];
      for (let n = 0; n < 3_000_000; n++) {
        keep.push({ n, a: new Array(24).fill(n) });
        if (keep.length > 600_000) keep = keep.slice(300_000);
      }`;
    const majorGcs = (pct: string): number =>
      (traceGc(script, { PCT: pct }).match(/Mark-Compact/g) ?? []).length;
    const loose = majorGcs('400');
    const tight = majorGcs('10');
    expect(loose).toBeGreaterThan(0);
    expect(tight).toBeGreaterThanOrEqual(loose + 2);
  });

  it('takes effect at run time: V8 pretenures no allocation site once it is off', () => {
    // Objects that all stay alive through scavenges (explicit ones: --expose-gc): on, V8 finds all of the
    // site's objects alive and decides to pretenure it (--trace-pretenuring-statistics prints the decision);
    // off, it weighs no site at all. What pretenuring did to the control runs' short-lived objects: the
    // control-run bench (--v8-own).
    const script = `
      const { tuneHeap } = await import(${module});
      const t = tuneHeap({ FUSEBOX_HEAP_GROWING_PERCENT: '0', FUSEBOX_V8_PRETENURING: process.env.PRE });
      if ('error' in t) throw new Error(t.error);
      function make(i) { return { i, a: i + 1, b: null }; }
      const keep = [];
      for (let round = 0; round < 3; round++) {
        for (let n = 0; n < 100_000; n++) keep.push(make(n));
        globalThis.gc({ type: 'minor' });
      }`;
    const trace = (pre: string): string =>
      traceGc(script, { PRE: pre }, ['--expose-gc', '--trace-pretenuring-statistics']);
    expect(trace('on')).toMatch(/pretenuring: .*=> (maybe tenure|tenure)/);
    expect(trace('off')).not.toMatch(/pretenuring:/);
  });

  it("lowers V8's helper threads below the main thread, and only those; takes overrides, refuses bad ones by name", () => {
    // In a child process (a test must not slow its own runner): every thread's name and nice value, read
    // from /proc/self/task/*/stat (field 19), after lowerV8Helpers with FUSEBOX_V8_HELPER_NICE = N.
    const script = `
      const { readdirSync, readFileSync } = await import('node:fs');
      const { lowerV8Helpers } = await import(${module});
      const done = lowerV8Helpers({ FUSEBOX_V8_HELPER_NICE: process.env.N });
      const threads = readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { tid: Number(tid), name: readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(), nice: Number(fields[16]) };
      });
      process.stdout.write(JSON.stringify({ done, pid: process.pid, threads }));`;
    const run = (n: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, N: n },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as {
        done: { nice: number; threads: number };
        pid: number;
        threads: { tid: number; name: string; nice: number }[];
      };
    };
    // V8's threads: named V8Worker (Node 24), else unnamed, with the main thread's name (Node 22).
    const helpersOf = (r: ReturnType<typeof run>) => {
      const main = r.threads.find((t) => t.tid === r.pid)!;
      const named = r.threads.filter((t) => t.name === 'V8Worker');
      const helpers = named.length ? named : r.threads.filter((t) => t.name === main.name && t !== main);
      return { main, helpers, others: r.threads.filter((t) => !helpers.includes(t)) };
    };
    const lowered = run('');
    const { main, helpers, others } = helpersOf(lowered);
    expect(helpers.length).toBeGreaterThanOrEqual(4); // V8's pool: 4 threads unless --v8-pool-size says otherwise
    expect(lowered.done).toEqual({ nice: V8_HELPER_NICE, threads: helpers.length });
    for (const h of helpers) expect(h.nice).toBe(Math.min(19, main.nice + V8_HELPER_NICE));
    expect(others.length).toBeGreaterThan(0);
    for (const t of others) expect(t.nice).toBe(main.nice);

    const left = run('0');
    expect(left.done).toEqual({ nice: 0, threads: 0 });
    for (const t of left.threads) expect(t.nice).toBe(main.nice);
    expect(helpersOf(run('3')).helpers.map((t) => t.nice)).toEqual(
      helpers.map(() => Math.min(19, main.nice + 3)),
    );

    for (const bad of ['-1', '2.5', 'low', '20'])
      expect(lowerV8Helpers({ FUSEBOX_V8_HELPER_NICE: bad })).toEqual({
        error: `FUSEBOX_V8_HELPER_NICE is a whole number from 0 to 19, not '${bad}'`,
      });
    // Where there is no task directory (not Linux): nothing to do, no error.
    expect(lowerV8Helpers({}, '/nonexistent/task')).toEqual({ nice: V8_HELPER_NICE, threads: 0 });
  });
});
