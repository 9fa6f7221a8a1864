/**
 * The allocator: per-port current limits such that every circuit, on every phase and in kW, stays within
 * its capacity (docs/allocation.md). Weighted max-min fair by progressive filling, strict priority classes,
 * pausing the fewest sessions when not everyone fits at minimum, with rotation so nobody starves.
 *
 * Built for speed (10,000 ports in about 10 ms on a small box): the site's port data and load factors sit
 * in flat typed arrays built once per CompiledSite, the ports of a call in parallel arrays
 * (allocator-works.ts), buffers are reused from call to call (allocator-scratch.ts), and objects are made
 * only for the result. The steps: works from demands and memories (allocator-demands.ts), admission
 * (allocator-admit.ts), progressive filling (allocator-fill.ts), rounding to steps (allocator-round.ts),
 * results and next state (allocator-result.ts).
 */
import type { AllocationInput, AllocationResult, AllocatorOptions, AllocatorState } from './allocation.ts';
import { DEFAULT_ALLOCATOR_OPTIONS } from './allocation.ts';
import { admit, orderForAdmission } from './allocator-admit.ts';
import { deadlineKeys, fillByDeadline } from './allocator-deadline.ts';
import { buildWorks } from './allocator-demands.ts';
import { allocations, explainCircuits, nextState } from './allocator-result.ts';
import { roundAndTopUp } from './allocator-round.ts';
import type { SiteTables } from './allocator-scratch.ts';
import { siteCache } from './allocator-scratch.ts';
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT } from './compiled-site.ts';

/** Computes the allocation for this instant; pure: same arguments, same result. */
export function allocate(
  cs: CompiledSite,
  input: AllocationInput,
  state: AllocatorState,
  nowMs: number,
  options: Partial<AllocatorOptions> = {},
): AllocationResult {
  const opts = { ...DEFAULT_ALLOCATOR_OPTIONS, ...options };
  const { tables, scratch } = siteCache(cs);
  const works = scratch.works;
  scratch.inUse = true;
  try {
    const source = capacityVector(cs, input, tables, scratch.capacity);
    buildWorks(cs, input, state, nowMs, opts, tables, scratch);
    works.resetResults();
    const deadline = cs.site.allocation?.mode === 'deadline';
    if (deadline) deadlineKeys(works, tables.factors, nowMs);
    orderForAdmission(scratch, deadline);
    admit(scratch, tables.factors);
    if (deadline) fillByDeadline(scratch, tables.factors);
    else scratch.filler.run(works, tables.factors, scratch.capacity);
    roundAndTopUp(scratch, tables.factors);
    return {
      allocation: allocations(cs, tables, scratch, source),
      state: nextState(works, tables, nowMs),
      explain: { circuits: explainCircuits(cs, scratch) },
    };
  } finally {
    for (let w = 0; w < works.count; w++) scratch.workOf[works.port[w]!] = -1;
    works.release();
    works.count = 0;
    scratch.inUse = false;
  }
}

/**
 * Capacity per (circuit, dimension) into `cap`: circuits without an input get their static limit less
 * margin. Returns each circuit's capacity source for explanations.
 */
function capacityVector(
  cs: CompiledSite,
  input: AllocationInput,
  tables: SiteTables,
  cap: Float64Array,
): (string | undefined)[] {
  cap.set(tables.staticCapacity);
  const source = new Array<string | undefined>(cs.circuits.length).fill(undefined);
  for (const [circuitId, given] of input.capacities) {
    const ci = cs.circuitIndex.get(circuitId);
    if (ci === undefined || !given) continue;
    const o = ci * DIM_COUNT;
    for (let d = 0; d < 3; d++) {
      const v = given.phaseA[d]!;
      cap[o + d] = Number.isNaN(v) ? 0 : v;
    }
    cap[o + 3] = Number.isNaN(given.powerKw) ? 0 : given.powerKw;
    source[ci] = given.source;
  }
  return source;
}
