/**
 * The works of one allocation (allocator-works.ts) from its demands and from each port's memory: bounds,
 * car cap, admission keys. Reads demands through demand-fields.ts, as cheaply as V8 allows.
 */
import type { AllocationInput, AllocatorOptions, AllocatorState, PortMemory } from './allocation.ts';
import type { Scratch, SiteTables } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { CAP_SET, CAP_SINCE_SET, HI_CAR, HI_CLOUD, HI_DEMAND_MAX, HI_PORT_MAX } from './allocator-works.ts';
import type { CompiledSite } from './compiled-site.ts';
import { ceilStep, floorStep } from './current-step.ts';
import type { DemandFields } from './demand-fields.ts';
import { demandArrivedAtMs, demandPortId } from './demand-fields.ts';

/**
 * One work per demanded port (first demand wins), in demand order. Two passes: the demands, then the
 * state's memories in the state's own order (see applyMemories).
 */
export function buildWorks(
  cs: CompiledSite,
  input: AllocationInput,
  state: AllocatorState,
  nowMs: number,
  opts: AllocatorOptions,
  tables: SiteTables,
  scratch: Scratch,
): void {
  const { works, workOf, demand } = scratch;
  const demands = input.demands;
  for (let d = 0; d < demands.length; d++) {
    const raw = demands[d]!;
    const portIdx = portIndexOf(cs, tables, scratch, d, demandPortId(raw));
    if (portIdx === undefined || workOf[portIdx]! >= 0) continue;
    const w = works.count++;
    workOf[portIdx] = w;
    works.port[w] = portIdx;
    works.demand[w] = raw;
    setDemand(works, w, demand.read(raw), tables);
  }
  applyMemories(cs, state, nowMs, opts, tables, scratch);
}

/** What work w takes from its demand and port: priority, weight, load factors, step, minimum, maximum. */
function setDemand(works: Works, w: number, demand: DemandFields, tables: SiteTables): void {
  const portIdx = works.port[w]!;
  works.priority[w] = demand.priority ?? tables.portPriority[portIdx]!;
  works.weight[w] = demand.weight !== undefined && demand.weight > 0 ? demand.weight : 1;
  const slot = tables.factors.slot(portIdx, demand.conductorsInUse);
  works.kStart[w] = tables.factors.start[slot]!;
  works.kEnd[w] = tables.factors.end[slot]!;
  const portStepA = tables.portStepA[portIdx]!;
  const stepA = portStepA > 0 ? portStepA : 0.1;
  works.stepA[w] = stepA;
  works.lo[w] = ceilStep(Math.max(0, demand.minCurrentA ?? tables.portMinA[portIdx]!), stepA);
  // The maximum before the car cap (applyMemories), not yet rounded to the step.
  let hi = tables.portMaxA[portIdx]!;
  let hiKind = HI_PORT_MAX;
  if (demand.maxCurrentA !== undefined && demand.maxCurrentA < hi) {
    hi = demand.maxCurrentA;
    hiKind = demand.maxFromCloud ? HI_CLOUD : HI_DEMAND_MAX;
  }
  works.hi[w] = hi;
  works.hiKind[w] = hiKind;
  works.measuredA[w] = demand.measuredA;
  works.measuredAtMs[w] = demand.measuredAtMs;
}

/**
 * Finishes every work with its port's memory from the state, in one pass over the state instead of a hash
 * lookup per demand: the entries come in the order the memories were made (the previous call's admission
 * order), which also touches them in memory order (about 0.5 ms less at 10,000 ports). That order is the
 * guess for each entry's port, checked by id before the site's index is asked. Works without a memory
 * are finished last.
 */
function applyMemories(
  cs: CompiledSite,
  state: AllocatorState,
  nowMs: number,
  opts: AllocatorOptions,
  tables: SiteTables,
  scratch: Scratch,
): void {
  const { works, workOf, previousOrder, previousCount } = scratch;
  let r = 0;
  for (const [portId, mem] of state.ports) {
    const guess = r < previousCount ? previousOrder[r]! : -1;
    const portIdx = guess >= 0 && tables.portId[guess] === portId ? guess : cs.portIndex.get(portId);
    r++;
    const w = portIdx === undefined ? -1 : workOf[portIdx]!;
    if (w < 0 || mem === undefined) continue;
    works.memory[w] = mem;
    setMemory(works, w, mem, nowMs, opts);
  }
  for (let w = 0; w < works.count; w++) {
    if (works.memory[w] === undefined) setMemory(works, w, undefined, nowMs, opts);
  }
}

/** What work w takes from its port's memory: the car cap and final maximum, and its admission keys. */
function setMemory(
  works: Works,
  w: number,
  mem: PortMemory | undefined,
  nowMs: number,
  opts: AllocatorOptions,
): void {
  const carCapA = mem === undefined ? setNoCarCap(works, w) : setCarCap(works, w, mem, nowMs, opts);
  let hi = works.hi[w]!;
  if (carCapA !== null && carCapA < hi) {
    hi = carCapA;
    works.hiKind[w] = HI_CAR;
    works.carMeasuredA[w] = works.measuredA[w] ?? carCapA;
  }
  works.hi[w] = floorStep(Math.max(0, hi), works.stepA[w]!);
  setOrderKeys(works, w, mem, nowMs, opts);
}

/** Admission keys of work w (rotation group, time within it, time served) and its arrival time. */
function setOrderKeys(
  works: Works,
  w: number,
  mem: PortMemory | undefined,
  nowMs: number,
  opts: AllocatorOptions,
): void {
  const running = mem !== undefined && mem.runningSinceMs !== null && mem.lastA > 0;
  let group = 1;
  let orderTimeMs: number;
  if (running) {
    const runningSinceMs = mem.runningSinceMs;
    group = nowMs - runningSinceMs < opts.rotationIntervalMs ? 0 : 2;
    // Group 2 is ordered most recent first, so the longest-running port is the first to yield.
    orderTimeMs = group === 0 ? runningSinceMs : -runningSinceMs;
  } else {
    // The arrival time counts only while the session has not waited or run yet (also for the next state).
    const waitingSinceMs = mem?.waitingSinceMs;
    if (waitingSinceMs === undefined || waitingSinceMs === null) {
      orderTimeMs = demandArrivedAtMs(works.demand[w]!) ?? nowMs;
      works.arrivedAtMs[w] = orderTimeMs;
    } else {
      orderTimeMs = waitingSinceMs;
    }
  }
  works.group[w] = group;
  works.orderTimeMs[w] = orderTimeMs;
  works.servedMs[w] = (mem?.servedMs ?? 0) + (running ? nowMs - mem.runningSinceMs : 0);
}

/**
 * The index of the port with this id. Controllers tend to pass demands in the same order every cycle, so
 * the port of the previous call's demand at this position is tried first (one string comparison), then
 * the site's index.
 */
function portIndexOf(
  cs: CompiledSite,
  tables: SiteTables,
  scratch: Scratch,
  position: number,
  portId: string,
): number | undefined {
  const guesses = scratch.demandPorts;
  if (position < guesses.length) {
    const guess = guesses[position]!;
    if (guess >= 0 && tables.portId[guess] === portId) return guess;
  } else {
    scratch.demandPorts = growInt32(guesses, position + 1);
  }
  const portIdx = cs.portIndex.get(portId);
  scratch.demandPorts[position] = portIdx ?? -1;
  return portIdx;
}

function growInt32(a: Int32Array, size: number): Int32Array {
  const grown = new Int32Array(Math.max(size, 2 * a.length)).fill(-1);
  grown.set(a);
  return grown;
}

function setNoCarCap(works: Works, w: number): null {
  works.carCapFlags[w] = 0;
  return null;
}

/**
 * A car drawing clearly less than offered (taper, on-board charger, fewer phases) gets a cap of what it
 * draws plus a margin, so the rest goes to others; the cap is lifted when the car reaches it, or after
 * the probe interval to see whether it wants more again. Stores the cap in work w and returns it.
 */
function setCarCap(
  works: Works,
  w: number,
  mem: PortMemory,
  nowMs: number,
  opts: AllocatorOptions,
): number | null {
  let capA = mem.carCapA ?? null;
  let sinceMs = mem.carCapSinceMs ?? null;
  if (capA !== null && sinceMs !== null && nowMs - sinceMs >= opts.carProbeIntervalMs) {
    capA = null;
    sinceMs = null;
  }
  const measured = works.measuredA[w];
  const measuredAtMs = works.measuredAtMs[w];
  const settled =
    mem.lastA > 0 &&
    measured !== undefined &&
    Number.isFinite(measured) &&
    measuredAtMs !== undefined &&
    measuredAtMs >= mem.offeredSinceMs + opts.carSettleMs;
  if (settled) {
    if (measured < mem.lastA - opts.carMarginA) {
      const newCap = Math.max(
        works.lo[w]!,
        ceilStep(Math.max(0, measured) + opts.carMarginA, works.stepA[w]!),
      );
      if (capA === null || newCap < capA) {
        capA = newCap;
        sinceMs ??= nowMs;
      }
    } else if (capA !== null && measured >= capA - opts.carMarginA / 2) {
      capA = null;
      sinceMs = null;
    }
  }
  works.carCapA[w] = capA ?? 0;
  works.carCapSinceMs[w] = sinceMs ?? 0;
  works.carCapFlags[w] = (capA !== null ? CAP_SET : 0) | (sinceMs !== null ? CAP_SINCE_SET : 0);
  return capA;
}
