/**
 * The planner in a worker thread (planner-solver.ts): a real worker solving with HiGHS, the newest request
 * winning while one runs, a time-out, and the event loop free during a solve.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanInput } from '../core/planner/plan-types.ts';
import type { SolveOutcome } from './planner-solver.ts';
import { PlannerSolver } from './planner-solver.ts';

const H = 3_600_000;
const SLOT = 15 * 60_000;

/** `n` cars on one circuit of 1 kW per A, prices dear in the first two hours. */
function depot(n: number, tag = 0): PlanInput {
  return {
    nowMs: 0,
    horizonMs: 24 * H,
    slotMs: SLOT,
    sessions: Array.from({ length: n }, (_, i) => ({
      id: `car-${tag}-${i}`,
      port: i,
      arrivalMs: 0,
      departureMs: (8 + (i % 10)) * H,
      energyKwh: 10 + (i % 7),
      maxA: 16,
      kwPerA: 0.23,
    })),
    constraints: [
      {
        ports: Int32Array.from({ length: n }, (_, i) => i),
        coef: new Float64Array(n).fill(1),
        limitA: 8 * n,
      },
    ],
    pricePerKwh: (t) => (t < 2 * H ? 0.5 : 0.1),
  };
}

const solvers: PlannerSolver<string>[] = [];
afterEach(async () => {
  await Promise.all(solvers.splice(0).map((s) => s.close()));
});

/** A solver whose outcomes are collected, and a wait for the n-th. */
function collecting(timeoutMs: number): {
  solver: PlannerSolver<string>;
  outcomes: SolveOutcome<string>[];
  nth: (n: number) => Promise<SolveOutcome<string>>;
} {
  const outcomes: SolveOutcome<string>[] = [];
  const waiters: (() => void)[] = [];
  const solver = new PlannerSolver<string>(timeoutMs, (o) => {
    outcomes.push(o);
    for (const w of waiters.splice(0)) w();
  });
  solvers.push(solver);
  const nth = async (n: number): Promise<SolveOutcome<string>> => {
    while (outcomes.length < n) await new Promise<void>((r) => waiters.push(r));
    return outcomes[n - 1]!;
  };
  return { solver, outcomes, nth };
}

describe('PlannerSolver', () => {
  it('solves in a worker thread, and the event loop keeps turning meanwhile', async () => {
    const { solver, nth } = collecting(120_000);
    let ticks = 0;
    const tick = setInterval(() => ticks++, 5);
    solver.request(depot(150), 'a');
    expect(solver.busy()).toBe(true);
    const o = await nth(1);
    clearInterval(tick);
    expect(o.ok, o.ok ? '' : o.error).toBe(true);
    if (!o.ok) return;
    expect(o.tag).toBe('a');
    expect(o.plan.currentA).toHaveLength(150);
    // Every car gets its need, none of it in the dear first two hours.
    for (let i = 0; i < 150; i++) expect(o.plan.shortKwh[i]).toBeLessThan(1e-6);
    for (let k = 0; k < 8; k++) expect(o.plan.importKw[k]).toBeLessThan(1e-6);
    // The interval ran during the solve: the solve did not hold the event loop.
    expect(ticks).toBeGreaterThan(0);
  }, 180_000);

  it('one solve at a time: of the requests that come meanwhile, only the newest is solved', async () => {
    const { solver, outcomes, nth } = collecting(120_000);
    solver.request(depot(60, 1), 'first');
    solver.request(depot(5, 2), 'second');
    solver.request(depot(5, 3), 'third');
    solver.request(depot(5, 4), 'newest');
    await nth(2);
    expect(outcomes.map((o) => [o.tag, o.ok])).toEqual([
      ['first', true],
      ['newest', true],
    ]);
    expect(solver.busy()).toBe(false);
  }, 180_000);

  it('abandons a solve past its time-out, says why, and solves the next request in a new worker', async () => {
    const { solver, nth } = collecting(1);
    solver.request(depot(300), 'slow');
    solver.request(depot(300), 'slow too');
    const o = await nth(1);
    expect(o).toMatchObject({ ok: false, tag: 'slow' });
    expect(!o.ok && o.error).toContain('abandoned');
    expect(await nth(2)).toMatchObject({ ok: false, tag: 'slow too' });
  }, 180_000);

  it('reports a bad input as a failed solve, not a crash', async () => {
    const { solver, nth } = collecting(120_000);
    solver.request({ ...depot(2), slotMs: -5 }, 'bad');
    const o = await nth(1);
    expect(o).toMatchObject({ ok: false, tag: 'bad' });
    expect(!o.ok && o.error).toContain('slotMs');
    solver.request(depot(2), 'good');
    expect(await nth(2)).toMatchObject({ ok: true, tag: 'good' });
  }, 180_000);
});
