/**
 * Allocator latency in deadline mode on phasor line currents (docs/allocation.md), on the same sites and
 * cycles as bench/allocator.ts: three demands in four carry a departure and a remaining energy. Deadline
 * mode fills twice (must-have, then the rest) and orders admission by laxity, so it costs about twice the
 * fair mode; every final allocation is checked against the exact three-phase model.
 */
import type { AllocationResult, AllocatorState, PortDemand } from '../src/core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../src/core/allocation.ts';
import { allocate } from '../src/core/allocator.ts';
import { compileSite } from '../src/core/compiled-site.ts';
import { cycleInput, largeSite, prng } from '../src/core/testing/large-site.ts';
import { exactViolations } from '../src/core/testing/phasor-check.ts';
import type { AllocatorBenchResult } from './allocator.ts';
import { CYCLE_MS, quantile, SIZES } from './allocator.ts';
import type { BenchOptions } from './run.ts';

const HOUR = 3_600_000;

/** Departures spread over the next ten hours, energies up to 30 kWh; every fourth car says nothing. */
function withDeadlines(demands: readonly PortDemand[], startMs: number): PortDemand[] {
  return demands.map((d, j) =>
    j % 4 === 3
      ? d
      : { ...d, departureMs: startMs + HOUR + (j % 37) * 0.25 * HOUR, energyRemainingKwh: (j % 23) * 1.3 },
  );
}

export function run(_opts: BenchOptions): Promise<AllocatorBenchResult[]> {
  const results: AllocatorBenchResult[] = [];
  for (const size of SIZES) {
    const site = largeSite(size.ports, 42);
    const cs = compileSite({ ...site.cs.site, allocation: { mode: 'deadline', lineModel: 'phasor' } });
    const rnd = prng(7);
    let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
    const start = Date.UTC(2025, 0, 6, 8);
    let now = start;
    let last: AllocationResult | undefined;
    let lastA = new Map<string, number>();
    const times: number[] = [];
    for (let i = 0; i < size.warmup + size.runs; i++) {
      now += CYCLE_MS;
      const cycle = cycleInput(site, rnd, lastA, now);
      const input = { ...cycle, demands: withDeadlines(cycle.demands, start) };
      const t0 = performance.now();
      last = allocate(cs, input, state, now);
      const t1 = performance.now();
      if (i >= size.warmup) times.push(t1 - t0);
      state = last.state;
      lastA = new Map(last.allocation.map((a) => [a.portId, a.currentA]));
      if (i === size.warmup + size.runs - 1) {
        const violations = exactViolations(cs, input, last);
        if (violations.length > 0) throw new Error(`allocation unsafe: ${violations.slice(0, 5).join('; ')}`);
      }
    }
    times.sort((a, b) => a - b);
    const r = {
      ports: size.ports,
      medianMs: Number(quantile(times, 0.5).toFixed(4)),
      p99Ms: Number(quantile(times, 0.99).toFixed(4)),
    };
    console.log(
      `allocator deadline+phasor ${String(size.ports).padStart(6)} ports: ` +
        `median ${r.medianMs} ms, p99 ${r.p99Ms} ms over ${size.runs} cycles`,
    );
    results.push(r);
  }
  return Promise.resolve(results);
}
