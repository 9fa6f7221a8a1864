/**
 * The fail-safe defaults fall at once and rise only once the limits are steady (plan-capacity.ts
 * followFailSafe): an EMS that moves the site limit every few seconds must not have every station of the
 * site sent a new default on every move, and no default may ever be above what the limits in force allow.
 * SCENARIO_REPORT=1 prints how many defaults the moving EMS of the first test has sent.
 */
import { describe, expect, it } from 'vitest';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { UncontrolledLoad } from '../core/fail-safe.ts';
import { prng } from '../core/testing/large-site.ts';
import { capacityInputs } from './capacity-inputs.ts';
import { DEFAULT_FAIL_SAFE_RAISE_AFTER_MS } from './control-options.ts';
import { failSafeRaiseMs, followFailSafe, nextRunDelayMs } from './plan-capacity.ts';
import type { FailSafeState } from './plan-state.ts';
import { INITIAL_FAIL_SAFE_STATE, initialControlState } from './plan-state.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import { siteFromYaml } from './testing/sim-harness.ts';

/** 40 ports of 32 A (6 A minimum) under a 400 A grid connection: an EMS site limit binds every default. */
const cs = siteFromYaml(
  [
    'site: { name: raise, timeZone: UTC }',
    'circuits:',
    '  - { id: grid, kind: grid, limitA: 400, marginA: 0 }',
    'stations:',
    ...Array.from({ length: 40 }, (_, s) => `  - { id: CP${s}, circuit: grid, phases: L1L2L3 }`),
  ].join('\n'),
);
const zero = new Float64Array(cs.circuits.length * 4);

function ems(siteLimitA: number): EmsCommands {
  return { enabled: true, siteLimitA, circuitLimitA: new Map(), watchdogExpired: false };
}

/** One run of followFailSafe under an EMS site limit (null: none) at `nowMs`. */
function step(
  prev: FailSafeState,
  limitA: number | null,
  nowMs: number,
  raiseAfterMs?: number,
  uncontrolled: ReadonlyMap<string, UncontrolledLoad> = new Map(),
) {
  const e = limitA === null ? null : ems(limitA);
  const inputs = capacityInputs(cs, new Map(), zero, e);
  return followFailSafe(cs, prev, inputs, e, null, nowMs, uncontrolled, raiseAfterMs);
}

/** Every default at or below what the limits in force allow, and their sum within the limit. */
function expectWithin(state: FailSafeState, limitA: number): void {
  let sum = 0;
  for (const [id, a] of state.defaults) {
    expect(a, id).toBeLessThanOrEqual(state.allowed.get(id)!);
    sum += a;
  }
  // Three-phase ports: each default is drawn on every phase, so the sum per phase is the sum of defaults.
  expect(sum).toBeLessThanOrEqual(limitA + 1e-9);
}

describe('fail-safe defaults: a fall goes out at once, a rise once the limits are steady', () => {
  it('an EMS moving the site limit every 5 s: every default within the limit at every step, and far fewer sent', () => {
    // Ten minutes of an EMS that writes a new site limit every 5 s, 300-400 A (seeded: 7.5-10 A a port), then
    // holds 380 A.
    const rnd = prng(11);
    const limits = Array.from({ length: 120 }, () => Math.round(300 + 100 * rnd()));
    limits.push(...Array.from<number>({ length: 20 }).fill(380));
    const run = (raiseAfterMs: number) => {
      let state = INITIAL_FAIL_SAFE_STATE;
      let sent = 0;
      limits.forEach((limitA, i) => {
        const prev = state;
        const r = step(state, limitA, i * 5_000, raiseAfterMs);
        state = r.state;
        sent += r.changed.size;
        expectWithin(state, limitA);
        // A fall is in the same run's changes: every port whose default is above what is allowed now.
        for (const [id, a] of state.allowed)
          if ((prev.defaults.get(id) ?? 0) > a) expect(r.changed.get(id), id).toBe(a);
      });
      return { sent, state };
    };
    const steady = run(DEFAULT_FAIL_SAFE_RAISE_AFTER_MS);
    const eager = run(0);
    if (process.env.SCENARIO_REPORT)
      console.log(`defaults sent: ${eager.sent} sent at once, ${steady.sent} with the 60-s settle`);
    // Eager (every change sent, the rule before): 40 ports on most of the 120 moves.
    expect(eager.sent).toBeGreaterThan(40 * 100);
    // Steady: only the new lows go out while the EMS moves, then one rise once it holds 380 A for 60 s.
    expect(steady.sent).toBeLessThan(eager.sent / 10);
    expect(steady.state.defaults).toEqual(steady.state.allowed);
    expect(steady.state.defaults.get('CP0/1')).toBe(9.5);
  });

  it('raises exactly when the limits have been steady for the settle time, and schedules a run for it', () => {
    let r = step(INITIAL_FAIL_SAFE_STATE, 400, 0);
    // The first computation is taken as it is.
    expect(r.changed.size).toBe(40);
    expect(r.state.defaults.get('CP0/1')).toBe(10);
    expect(r.state.raiseWaits).toBe(false);
    // The EMS lowers the limit: every default falls in the same run.
    r = step(r.state, 300, 1_000);
    expect(r.changed.size).toBe(40);
    expect(new Set(r.changed.values())).toEqual(new Set([7.5]));
    const low = r.state.defaults;
    // ...and lifts it 10 s later: 10 A a port allowed again, but the rise waits.
    r = step(r.state, 400, 11_000);
    expect(r.changed.size).toBe(0);
    expect(r.state.defaults).toEqual(low);
    expect(r.state.raiseWaits).toBe(true);
    expect(failSafeRaiseMs(r.state, undefined)).toBe(11_000 + DEFAULT_FAIL_SAFE_RAISE_AFTER_MS);
    // The control loop's next run comes no later than the raise.
    const delay = nextRunDelayMs(
      cs,
      { ...DEFAULT_CONTROL_OPTIONS, periodMs: 3_600_000 },
      {
        meters: new Map(),
        ems: null,
        overrides: new Map(),
        gridState: undefined,
        batterySendMs: null,
        cloudStepMs: undefined,
        nextProbeMs: null,
        guard: initialControlState(DEFAULT_CONTROL_OPTIONS).guard,
        failSafeRaiseMs: failSafeRaiseMs(r.state, undefined),
      },
      20_000,
    );
    expect(delay).toBe(11_000 + DEFAULT_FAIL_SAFE_RAISE_AFTER_MS - 20_000);
    // Not a millisecond before.
    const before = step(r.state, 400, 11_000 + DEFAULT_FAIL_SAFE_RAISE_AFTER_MS - 1);
    expect(before.changed.size).toBe(0);
    expect(before.state).toBe(r.state);
    const raised = step(before.state, 400, 11_000 + DEFAULT_FAIL_SAFE_RAISE_AFTER_MS);
    expect(raised.changed.size).toBe(40);
    expect(raised.state.defaults).toEqual(raised.state.allowed);
    expect(raised.state.raiseWaits).toBe(false);
    expect(raised.state.defaults.get('CP0/1')).toBe(10);
    expect(failSafeRaiseMs(raised.state, undefined)).toBeNull();
  });

  it('a move while a rise waits starts the wait again; a fall within it still goes out at once', () => {
    let r = step(INITIAL_FAIL_SAFE_STATE, 120, 0);
    r = step(r.state, 400, 1_000, 10_000);
    expect(r.state.raiseWaits).toBe(true);
    // 9 s later the EMS moves to 300 A: still higher than what is held, so nothing is sent, the wait restarts.
    r = step(r.state, 300, 10_000, 10_000);
    expect(r.changed.size).toBe(0);
    r = step(r.state, 300, 19_999, 10_000);
    expect(r.changed.size).toBe(0);
    // A fall below what is held (100 A: 2.5 A a port, under the 6 A minimum for some) goes out at once.
    r = step(r.state, 100, 20_000, 10_000);
    expect(r.changed.size).toBeGreaterThan(0);
    expectWithin(r.state, 100);
    r = step(r.state, 100, 30_000, 10_000);
    expect(r.state.defaults).toEqual(r.state.allowed);
  });

  it("an uncontrolled port's own default is its draw at once; the others' fall at once to leave room for it", () => {
    let r = step(INITIAL_FAIL_SAFE_STATE, 400, 0);
    expect(r.state.defaults.get('CP7/1')).toBe(10);
    const cp7 = new Map<string, UncontrolledLoad>([['CP7/1', { countedA: 32, reason: 'rejected' }]]);
    r = step(r.state, 400, 1_000, undefined, cp7);
    expect(r.changed.get('CP7/1')).toBe(32);
    expect(r.state.defaults.get('CP0/1')).toBeCloseTo((400 - 32) / 39, 0);
    expectWithin(r.state, 400);
  });
});
