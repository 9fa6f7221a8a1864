/**
 * `npm run bench -- planner [--json]`: how long one re-plan takes (src/core/planner, HiGHS) for 100 and
 * 1,000 cars plugged in at once, over 24 h of 15-min slots (96 slots), on a generated site
 * (src/core/testing/large-site.ts: a service, distribution boards and sub-circuits, three-phase and
 * single-phase ports), with SCE TOU-EV-4's weekday bands, a $15.51/kW demand charge with 40 % of the
 * site's rating already paid, and a building load. Departures spread over the next 1–24 h, needs up to
 * what the car could take in its stay. Each run re-plans from a later quarter hour (the cars' needs
 * shrink as the plan says), starting warm from the previous plan as the MPC does (PlanInput.warmStart); the
 * first, cold plan is not timed. Targets: < 1 s (100) and < 10 s (1,000) on a 2-core machine.
 */
import { loadHighs } from '../src/core/planner/highs.ts';
import type { PlanInput, PlanSession } from '../src/core/planner/plan-types.ts';
import { plan } from '../src/core/planner/planner.ts';
import { largeSite, prng } from '../src/core/testing/large-site.ts';
import { planConstraints } from '../src/core/planner/plan-constraints.ts';
import { networkFromSite } from '../src/core/planner/site-network.ts';
import { quantile } from './allocator.ts';
import type { BenchOptions } from './run.ts';

const SIZES = [
  { sessions: 100, runs: 20 },
  { sessions: 1_000, runs: 6 },
] as const;
const H = 3_600_000;
const SLOT = 15 * 60_000;
const START = Date.UTC(2019, 2, 4, 8, 0); // a Monday, 00:00 in California

export interface PlannerBenchResult {
  readonly sessions: number;
  readonly slots: number;
  readonly columns: number;
  readonly rows: number;
  readonly replanP50Ms: number;
  readonly replanP99Ms: number;
}

/** SCE TOU-EV-4 winter weekday bands (examples/tariff-sce-tou-ev-4.yaml), in California time (UTC−8). */
function price(t: number): number {
  const h = ((((t - 8 * H) % (24 * H)) + 24 * H) % (24 * H)) / H;
  return h < 8 || h >= 23 ? 0.06087 : h < 12 || h >= 18 ? 0.07492 : 0.0869;
}

export async function run(opts: BenchOptions): Promise<PlannerBenchResult[]> {
  const highs = await loadHighs();
  const out: PlannerBenchResult[] = [];
  // `--sessions N` runs one size only.
  const only = opts.args.indexOf('--sessions');
  const sizes = only >= 0 ? SIZES.filter((x) => x.sessions === Number(opts.args[only + 1])) : SIZES;
  for (const size of sizes) {
    const site = largeSite(size.sessions, 42);
    const { network } = networkFromSite(site.cs);
    const constraints = planConstraints(network);
    const rnd = prng(11);
    let ratedKw = 0;
    const sessions: PlanSession[] = network.evses.map((e, i) => {
      const kwPerA = e.voltageV / 1000;
      const stayH = 1 + 23 * rnd();
      ratedKw += e.maxA * kwPerA;
      return {
        id: e.id,
        port: i,
        arrivalMs: START,
        departureMs: START + stayH * H,
        energyKwh: rnd() * e.maxA * kwPerA * stayH * 0.8,
        maxA: e.maxA,
        kwPerA,
      };
    });
    const times: number[] = [];
    let last = plan(highs, input(START, sessions, constraints, ratedKw));
    for (let r = 0; r < size.runs; r++) {
      const now = START + (r + 1) * SLOT;
      // What the previous plan delivered in its first slot is no longer needed.
      const left = sessions.map((s, i) => ({
        ...s,
        arrivalMs: Math.min(now, s.departureMs),
        energyKwh: Math.max(0, s.energyKwh - last.currentA[i]![0]! * s.kwPerA * 0.25),
      }));
      const t0 = performance.now();
      last = plan(highs, { ...input(now, left, constraints, ratedKw), warmStart: last });
      times.push(performance.now() - t0);
      sessions.splice(
        0,
        sessions.length,
        ...left.map((s) => ({ ...s, departureMs: Math.max(s.departureMs, now) })),
      );
    }
    times.sort((a, b) => a - b);
    const result: PlannerBenchResult = {
      sessions: size.sessions,
      slots: last.slotStartsMs.length - 1,
      columns: last.columns,
      rows: last.rows,
      replanP50Ms: Number(quantile(times, 0.5).toFixed(1)),
      replanP99Ms: Number(quantile(times, 0.99).toFixed(1)),
    };
    out.push(result);
    if (!opts.json)
      console.log(
        `${size.sessions} sessions, ${result.slots} slots: LP ${result.columns} columns × ${result.rows} rows; re-plan p50 ${result.replanP50Ms} ms, p99 ${result.replanP99Ms} ms (${size.runs} re-plans)`,
      );
  }
  return out;
}

function input(
  nowMs: number,
  sessions: PlanSession[],
  constraints: PlanInput['constraints'],
  ratedKw: number,
): PlanInput {
  return {
    nowMs,
    horizonMs: 24 * H,
    slotMs: SLOT,
    sessions,
    constraints,
    pricePerKwh: price,
    externalKw: (t) => 0.1 * ratedKw * (price(t) > 0.07 ? 1 : 0.3),
    demand: {
      windowMs: SLOT,
      windowEnergySoFarKwh: 0,
      periods: [
        { startMs: START - 3 * 24 * H, endMs: START + 28 * 24 * H, ratePerKw: 15.51, paidKw: 0.4 * ratedKw },
      ],
    },
  };
}
