/**
 * The control plan without a gateway or a clock: inputs in, the plan (state, allocation, commands,
 * snapshot) out. The loop's behaviour over time is tested through the shell (control-loop.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import type { ControlLoopOptions } from './control-options.ts';
import type { PlanInputs } from './plan-run.ts';
import { increaseLimiter, planRun } from './plan-run.ts';
import { initialControlState, setpointAnswered, started } from './plan-state.ts';
import { stationOnlyInputs } from './testing/plan-inputs.ts';
import { slmSite } from './testing/scenario-sites.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0); // Monday 09:00 in Berlin

/** One 40 A circuit, three single-port stations. */
const SLM = slmSite(['a', 'b', 'x'], { station: 'maxA: 32' });

const OPTS: ControlLoopOptions = { ...DEFAULT_CONTROL_OPTIONS, restartGraceMs: 0 };

function port(portId: string, o: Partial<PortSnapshot> = {}): PortSnapshot {
  return {
    portId,
    stationId: portId.split('/')[0]!,
    connectorId: 1,
    connected: true,
    status: 'charging',
    sessionId: 1,
    sessionStartedAtMs: T0 - 60_000,
    failSafeA: 10,
    effectiveLimitA: 10,
    ...o,
  };
}

function inputs(ports: PortSnapshot[], o: Partial<PlanInputs> = {}): PlanInputs {
  return stationOnlyInputs(SLM, OPTS, ports, o);
}

const load = (fixed: readonly { portId: string; conductorA: readonly number[] }[], id: string) =>
  fixed.find((f) => f.portId === id)?.conductorA[0];

describe('planRun', () => {
  it('shares the circuit among the ports with a car and targets each within the limit', () => {
    const plan = planRun(initialControlState(OPTS), inputs([port('a/1'), port('b/1'), port('x/1')]), T0);
    const total = [...plan.commands.targets.values()].reduce((s, a) => s + a, 0);
    expect(plan.commands.targets.size).toBe(3);
    expect(total).toBeLessThanOrEqual(40 + 1e-9);
    expect(total).toBeGreaterThan(39);
    expect(plan.snapshot.runs).toBe(1);
    expect(plan.snapshot.atMs).toBe(T0);
    expect(plan.allocation.map((a) => a.portId).sort()).toEqual(['a/1', 'b/1', 'x/1']);
  });

  it('leaves the state it is given as it was: the same state and inputs give the same plan', () => {
    const s0 = initialControlState(OPTS);
    const ins = inputs([port('a/1'), port('b/1', { connected: false, effectiveLimitA: 20 })]);
    const first = planRun(s0, ins, T0);
    const again = planRun(s0, ins, T0);
    expect(again.commands.targets).toEqual(first.commands.targets);
    expect(again.snapshot.fixed).toEqual(first.snapshot.fixed);
    expect(s0.limits.has('a/1')).toBe(false);
    expect(first.state.limits.has('a/1')).toBe(true);
    expect(first.state).not.toBe(s0);
  });

  // A port the plan cannot steer counts at a fixed load: it gets no target and the other port the rest.
  it.each([
    {
      what: 'a port of a station that is away at what it may draw, and gives the others the rest',
      ports: [port('a/1'), port('b/1', { connected: false, effectiveLimitA: 25 })],
      o: {},
      fixed: 'b/1',
      fixedA: 25,
      other: 'a/1',
      otherMaxA: 15,
    },
    {
      what: 'a port whose decrease was not accepted at its limit, without re-asserting it',
      ports: [port('a/1', { effectiveLimitA: 30 }), port('b/1')],
      o: { failedDecreases: new Set(['a/1']) },
      fixed: 'a/1',
      fixedA: 30,
      other: 'b/1',
      otherMaxA: 10,
    },
  ])('counts $what', ({ ports, o, fixed, fixedA, other, otherMaxA }) => {
    const plan = planRun(initialControlState(OPTS), inputs(ports, o), T0);
    expect(load(plan.snapshot.fixed, fixed)).toBe(fixedA);
    expect(plan.commands.targets.has(fixed)).toBe(false);
    expect(plan.commands.targets.get(other)).toBeLessThanOrEqual(otherMaxA + 1e-9);
  });

  it('a refused profile makes the port uncontrolled: it counts at its maximum and is tried again when due', () => {
    const refused = setpointAnswered(
      initialControlState(OPTS),
      { portId: 'a/1', currentA: 10, result: 'rejected', atMs: T0 - 5000, renewal: false },
      undefined,
    );
    expect(refused.news).toMatchObject({ kind: 'refused', first: true, reason: 'rejected' });
    const plan = planRun(refused.state, inputs([port('a/1'), port('b/1')]), T0);
    expect(load(plan.snapshot.fixed, 'a/1')).toBe(32);
    expect(plan.commands.release).toEqual(['a/1']);
    // The first retry is due 1 s after the refusal: tried at its default, then none until it is answered.
    expect(plan.commands.probes).toEqual(new Map([['a/1', 10]]));
    expect(plan.state.nextProbeMs).toBeNull();
    expect(plan.snapshot.uncontrolled.get('a/1')).toMatchObject({ countedA: 32, retryAtMs: null });
    expect(plan.commands.targets.get('b/1')).toBeLessThanOrEqual(8 + 1e-9);
    const shown = plan.snapshot.allocation.find((a) => a.portId === 'a/1');
    expect(shown?.limitedBy).toEqual({ kind: 'uncontrolled', reason: 'rejected', countedA: 32 });
  });

  it('folds the events since the last run into the limit history', () => {
    const s = planRun(
      initialControlState(OPTS),
      inputs([port('a/1')], {
        events: [
          { kind: 'limit', portId: 'a/1', atMs: T0 - 10_000, limitA: 8 },
          { kind: 'limit', portId: 'a/1', atMs: T0 - 4000, limitA: 16 },
        ],
      }),
      T0,
    ).state;
    expect(s.limits.range('a/1', T0 - 6000, T0)).toEqual({ lowA: 8, highA: 16, changedAtMs: T0 - 4000 });
  });

  it('hands out fail-safe defaults when they change, and not again for the same limits', () => {
    const ins = inputs([port('a/1')]);
    const first = planRun(initialControlState(OPTS), ins, T0);
    expect([...first.commands.failSafe.changed.keys()].sort()).toEqual(['a/1', 'b/1', 'x/1']);
    const second = planRun(first.state, { ...ins, previous: first.snapshot }, T0 + 1000);
    expect(second.commands.failSafe.changed.size).toBe(0);
    expect(second.commands.failSafe.defaults).toEqual(first.commands.failSafe.defaults);
    expect(second.snapshot.runs).toBe(2);
  });

  it('gives nothing when the EMS disables charging', () => {
    const plan = planRun(
      initialControlState(OPTS),
      inputs([port('a/1'), port('b/1')], {
        ems: { enabled: false, circuitLimitA: new Map(), watchdogExpired: false },
      }),
      T0,
    );
    expect([...plan.commands.targets.values()]).toEqual([0, 0]);
  });

  it('after a start, counts a port with a session at its fail-safe default until it is confirmed', () => {
    const s = started(initialControlState(DEFAULT_CONTROL_OPTIONS), DEFAULT_CONTROL_OPTIONS, T0, []);
    const plan = planRun(
      s,
      {
        ...inputs([port('a/1', { failSafeA: 13, effectiveLimitA: 13 }), port('b/1')]),
        options: DEFAULT_CONTROL_OPTIONS,
      },
      T0 + 100,
    );
    expect(plan.snapshot.unknownPorts.get('a/1')).toBe('setpoint-unconfirmed');
    expect(load(plan.snapshot.fixed, 'a/1')).toBe(13);
    // Its limit is re-asserted at its default.
    expect(plan.commands.targets.get('a/1')).toBe(13);
  });

  it('the ramp holds increases to the room left with every port at what it may draw now', () => {
    const plan = planRun(initialControlState(OPTS), inputs([port('a/1'), port('b/1')]), T0);
    expect(plan.commands.targets.get('a/1')).toBeCloseTo(20, 6);
    // b/1 may still draw 32 A (a decrease not yet followed): a/1 may go to no more than 8 A.
    const limiter = increaseLimiter(SLM, plan.commands.ramp, (id) => (id === 'b/1' ? 32 : 0));
    const allowed = limiter([{ portId: 'a/1', toA: 20 }]);
    expect(allowed.get('a/1')).toBeLessThanOrEqual(8 + 1e-9);
  });
});
