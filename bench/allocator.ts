/**
 * Allocator latency: 100, 1,000 and 10,000 ports on a 4-level tree with mixed wiring and oversubscribed
 * limits, one allocate() per control cycle with state carried, time advancing and measurements varying.
 * Targets (docs/allocation.md, "Speed"; 2-core box): median < 0.1 ms at 100 ports, < 1 ms at 1,000, < 15 ms at 10,000.
 */
import type { AllocationResult, AllocatorState } from '../src/core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../src/core/allocation.ts';
import { allocate } from '../src/core/allocator.ts';
import { problemView, safetyViolations } from '../src/core/testing/allocation-check.ts';
import { cycleInput, largeSite, prng } from '../src/core/testing/large-site.ts';
import type { BenchOptions } from './run.ts';

/** The site sizes (ports) and how many cycles each warms up and measures; bench/allocator-deadline.ts uses them too. */
export const SIZES = [
  { ports: 100, warmup: 2_000, runs: 5_000 },
  { ports: 1_000, warmup: 300, runs: 1_000 },
  { ports: 10_000, warmup: 30, runs: 150 },
] as const;

/** Control-cycle period the simulated time advances by between allocate() calls. */
export const CYCLE_MS = 1_000;

/** The value at quantile q (0..1) of an ascending list (nearest rank, no interpolation). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface AllocatorBenchResult {
  readonly ports: number;
  readonly medianMs: number;
  readonly p99Ms: number;
}

export function run(_opts: BenchOptions): Promise<AllocatorBenchResult[]> {
  const results: AllocatorBenchResult[] = [];
  for (const size of SIZES) {
    const site = largeSite(size.ports, 42);
    const rnd = prng(7);
    let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
    let now = Date.UTC(2025, 0, 6, 8);
    let last: AllocationResult | undefined;
    let lastA = new Map<string, number>();
    const times: number[] = [];
    let paused = 0;
    for (let i = 0; i < size.warmup + size.runs; i++) {
      now += CYCLE_MS;
      const input = cycleInput(site, rnd, lastA, now);
      const t0 = performance.now();
      last = allocate(site.cs, input, state, now);
      const t1 = performance.now();
      if (i >= size.warmup) times.push(t1 - t0);
      state = last.state;
      lastA = new Map(last.allocation.map((a) => [a.portId, a.currentA]));
      if (i === size.warmup + size.runs - 1) {
        const violations = safetyViolations(problemView(site.cs, input), last);
        if (violations.length > 0) throw new Error(`allocation unsafe: ${violations.slice(0, 5).join('; ')}`);
        paused = last.allocation.filter((a) => a.limitedBy.kind === 'paused').length;
      }
    }
    times.sort((a, b) => a - b);
    const r = {
      ports: size.ports,
      medianMs: Number(quantile(times, 0.5).toFixed(4)),
      p99Ms: Number(quantile(times, 0.99).toFixed(4)),
    };
    const bound = last!.allocation.filter((a) => a.limitedBy.kind === 'circuit').length;
    console.log(
      `allocator ${String(size.ports).padStart(6)} ports (${site.cs.circuits.length} circuits, ` +
        `${site.demands.length} with a car, ${bound} held by a circuit, ${paused} paused): ` +
        `median ${r.medianMs} ms, p99 ${r.p99Ms} ms over ${size.runs} cycles`,
    );
    results.push(r);
  }
  return Promise.resolve(results);
}
