/**
 * The safety property of the planner in the control plan: whatever the plan's targets (any number, too
 * high, negative, NaN), a control run never exceeds a limit, and never gives a planned port more than its
 * target (raised to the port's minimum when above 0). Random sites (a root and two sub-circuits), sessions
 * and targets (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import { planRun } from './plan-run.ts';
import { initialControlState } from './plan-state.ts';
import { stationOnlyInputs } from './testing/plan-inputs.ts';
import { siteFromYaml } from './testing/sim-harness.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const OPTS = { ...DEFAULT_CONTROL_OPTIONS, restartGraceMs: 0 };

const scenario = fc.record({
  rootA: fc.integer({ min: 20, max: 200 }),
  subA: fc.tuple(fc.integer({ min: 10, max: 100 }), fc.integer({ min: 10, max: 100 })),
  ports: fc.array(
    fc.record({
      sub: fc.integer({ min: 0, max: 1 }),
      maxA: fc.integer({ min: 6, max: 32 }),
      session: fc.boolean(),
      target: fc.option(
        fc.oneof(
          fc.double({ min: -10, max: 100, noNaN: true }),
          fc.constantFrom(Number.NaN, Infinity, 0, 3, 6),
        ),
        { nil: undefined },
      ),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

describe('the plan in a control run', () => {
  it('never makes the run exceed a limit, nor give a planned port more than its target', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const site = siteFromYaml(
          [
            'site: { name: prop, timeZone: Europe/Berlin }',
            'circuits:',
            `  - { id: root, limitA: ${sc.rootA} }`,
            `  - { id: s0, parent: root, limitA: ${Math.min(sc.subA[0], sc.rootA)} }`,
            `  - { id: s1, parent: root, limitA: ${Math.min(sc.subA[1], sc.rootA)} }`,
            'stations:',
            ...sc.ports.map((p, i) => `  - { id: p${i}, circuit: s${p.sub}, maxA: ${p.maxA} }`),
          ].join('\n'),
        );
        const ports: PortSnapshot[] = sc.ports.map((p, i) => ({
          portId: `p${i}/1`,
          stationId: `p${i}`,
          connectorId: 1,
          connected: true,
          status: p.session ? 'charging' : 'available',
          ...(p.session ? { sessionId: i + 1, sessionStartedAtMs: T0 - 60_000 } : {}),
          failSafeA: 0,
          effectiveLimitA: 0,
        }));
        const planTargets = new Map<string, number>();
        sc.ports.forEach((p, i) => {
          if (p.target !== undefined) planTargets.set(`p${i}/1`, p.target);
        });
        const plan = planRun(
          initialControlState(OPTS),
          // Every port with a session counts at 0 A (its effectiveLimitA).
          stationOnlyInputs(site, OPTS, ports, { planTargets }),
          T0,
        );
        const a = new Map(plan.allocation.map((x) => [x.portId, x.currentA]));
        const sum = (f: (i: number) => boolean): number =>
          sc.ports.reduce((s, _p, i) => s + (f(i) ? (a.get(`p${i}/1`) ?? 0) : 0), 0);
        const EPS = 1e-9;
        expect(sum(() => true)).toBeLessThanOrEqual(sc.rootA + EPS);
        for (const sub of [0, 1])
          expect(sum((i) => sc.ports[i]!.sub === sub)).toBeLessThanOrEqual(
            Math.min(sc.subA[sub]!, sc.rootA) + EPS,
          );
        sc.ports.forEach((p, i) => {
          const got = a.get(`p${i}/1`) ?? 0;
          expect(got).toBeLessThanOrEqual(p.maxA + EPS);
          const t = p.target;
          if (t === undefined || !Number.isFinite(t)) return;
          expect(got).toBeLessThanOrEqual((t < 0.05 ? 0 : Math.max(t, 6)) + EPS);
          const why = plan.allocation.find((x) => x.portId === `p${i}/1`)!.limitedBy;
          if (p.session && t < 0.05) expect(why.kind).toBe('plan');
        });
      }),
      { numRuns: 300 },
    );
  });
});
