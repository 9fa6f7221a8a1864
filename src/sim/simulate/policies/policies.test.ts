import { describe, expect, it } from 'vitest';
import { CALTECH_AB, CALTECH_BC, CALTECH_CA } from '../caltech-network.ts';
import { runOne } from '../run-one.ts';
import type { NetworkKind, PolicyName } from '../scenario.ts';
import { buildSetup } from '../scenario.ts';
import { randomWorkload } from '../testing-workload.ts';

const CONTROLLED: PolicyName[] = ['fcfs', 'edf', 'llf', 'round-robin', 'fusebox', 'offline'];
// A mix of stations on every phase pair and in both pods, so that every constraint can bind.
const STATIONS = [
  ...CALTECH_AB.slice(0, 4),
  ...CALTECH_AB.slice(10, 14),
  ...CALTECH_AB.slice(18, 21),
  ...CALTECH_BC.slice(0, 4),
  ...CALTECH_CA.slice(0, 4),
];

describe('every policy except uncontrolled keeps every limit', () => {
  const cases: [NetworkKind, number][] = [
    ['caltech', 8],
    ['caltech', 25],
    ['caltech-linear', 8],
    ['caltech-linear', 25],
    ['aggregate', 6],
    ['aggregate', 20],
  ];
  for (const [kind, capacityKw] of cases) {
    it(`${kind} at ${capacityKw} kW, random workloads`, async () => {
      for (let seed = 1; seed <= 4; seed++) {
        const sessions = randomWorkload(seed * 7919 + capacityKw, STATIONS, 25);
        const setup = buildSetup({ kind, stationIds: STATIONS }, capacityKw);
        for (const policy of CONTROLLED) {
          const { metrics } = await runOne(sessions, setup, policy, { stepMs: 5 * 60_000 });
          expect(metrics.violationAmpSeconds, `${policy} seed ${seed}`).toBe(0);
          expect(metrics.demandMetPct).toBeGreaterThan(0);
          expect(metrics.demandMetPct).toBeLessThanOrEqual(100 + 1e-9);
        }
        // The instance is tight enough that uncontrolled charging overloads it: the check above is not vacuous.
        const free = await runOne(sessions, setup, 'uncontrolled', { stepMs: 5 * 60_000 });
        expect(free.metrics.violationAmpSeconds).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});

describe('offline LP bound', () => {
  it('is at least what every policy delivers, on small random instances of each network model', async () => {
    for (const kind of ['caltech', 'caltech-linear', 'aggregate'] as const) {
      for (let seed = 1; seed <= 3; seed++) {
        const sessions = randomWorkload(seed * 31 + kind.length, STATIONS, 20, 6);
        const setup = buildSetup({ kind, stationIds: STATIONS }, 12);
        const offline = await runOne(sessions, setup, 'offline', { stepMs: 5 * 60_000 });
        const bound = offline.metrics.lpBoundPct!;
        expect(bound).toBeGreaterThanOrEqual(offline.metrics.demandMetPct - 1e-6);
        for (const policy of ['fcfs', 'edf', 'llf', 'round-robin', 'fusebox'] as const) {
          const { metrics } = await runOne(sessions, setup, policy, { stepMs: 5 * 60_000 });
          expect(bound, `${kind} seed ${seed}: LP bound vs ${policy}`).toBeGreaterThanOrEqual(
            metrics.demandMetPct - 1e-6,
          );
        }
      }
    }
  }, 120_000);
});

describe('a site file as the network', () => {
  it('examples/commercial-480.yaml scaled to 30 kW: no violation for any controlled policy', async () => {
    const { loadSiteConfigFile } = await import('../../../config/load.ts');
    const loaded = loadSiteConfigFile(
      new URL('../../../../examples/commercial-480.yaml', import.meta.url).pathname,
    );
    if (!loaded.ok) throw new Error('commercial-480.yaml does not load');
    const stations = ['p1-01', 'p1-02', 'p1-03', 'p2-01', 'p2-04', 'p2-06'];
    const setup = buildSetup({ kind: 'site', stationIds: stations, site: loaded.compiled }, 30);
    const sessions = randomWorkload(11, stations, 30);
    for (const policy of CONTROLLED) {
      const { metrics } = await runOne(sessions, setup, policy, { stepMs: 5 * 60_000 });
      expect(metrics.violationAmpSeconds, policy).toBe(0);
    }
    const free = await runOne(sessions, setup, 'uncontrolled', { stepMs: 5 * 60_000 });
    expect(free.metrics.violationAmpSeconds).toBeGreaterThan(0);
  }, 60_000);
});

describe('the last fraction of a kWh', () => {
  it('is delivered on ports whose minimum pilot is 6 A: offered the minimum, the car takes what it needs', async () => {
    const { simulate } = await import('../engine.ts');
    const { sortedPolicy } = await import('./sorted-policy.ts');
    const { roundRobinPolicy } = await import('./round-robin.ts');
    const network = {
      evses: [{ id: 'cp1/1', stationId: 'cp1', voltageV: 230, phaseAngleDeg: 0, maxA: 32, minA: 6 }],
      constraints: [
        { id: 'site', circuitId: 'site', phase: 'L1', limitA: 63, terms: [{ evse: 0, re: 1, im: 0 }] },
      ],
      exact: false,
    };
    // 32 A × 230 V for 5 min is 0.6133 kWh; the 0.05 kWh left after it is less than 6 A for a step (0.115 kWh).
    const t0 = Date.UTC(2024, 0, 8, 8);
    const sessions = [
      { id: 'a', stationId: 'cp1', arrivalMs: t0, departureMs: t0 + 3_600_000, energyKwh: 0.6633 },
    ];
    for (const policy of [
      sortedPolicy('fcfs'),
      sortedPolicy('edf'),
      sortedPolicy('llf'),
      roundRobinPolicy(),
    ]) {
      const trace = await simulate(sessions, network, policy, { stepMs: 5 * 60_000 });
      expect(trace.deliveredKwh[0], policy.name).toBeCloseTo(0.6633, 9);
    }
  });
});
