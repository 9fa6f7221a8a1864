/**
 * The allocator: per-port current limits such that every circuit, on every phase and in kW, stays within
 * its capacity (DESIGN.md §4). Weighted max-min fair by progressive filling, strict priority classes,
 * pausing the fewest sessions when not everyone fits at minimum, with rotation so nobody starves.
 */
import type {
  AllocationInput,
  AllocationResult,
  AllocatorOptions,
  AllocatorState,
  CircuitExplain,
  LimitedBy,
  PortAllocation,
  PortDemand,
  PortMemory,
} from './allocation.ts';
import { DEFAULT_ALLOCATOR_OPTIONS } from './allocation.ts';
import type { CompiledSite, Dimension } from './compiled-site.ts';
import { DIM_COUNT, DIMENSIONS, portLoadFactors } from './compiled-site.ts';
import { MinHeap } from './min-heap.ts';

/** Tolerance for float comparisons of currents (A) and powers (kW): far below any charger's resolution. */
const EPS = 1e-9;

const PORT_MAX: LimitedBy = Object.freeze({ kind: 'port-max' });
const DEMAND_MAX: LimitedBy = Object.freeze({ kind: 'demand-max' });
const BELOW_MINIMUM: LimitedBy = Object.freeze({ kind: 'below-minimum' });
const IDLE: LimitedBy = Object.freeze({ kind: 'idle' });

/** One port with a car, as the allocator works on it. */
interface Work {
  readonly portIdx: number;
  readonly demand: PortDemand;
  readonly priority: number;
  readonly weight: number;
  readonly stepA: number;
  readonly lo: number;
  readonly hi: number;
  readonly hiReason: LimitedBy;
  /** Constraints the port loads (circuit index × DIM_COUNT + dimension) and the load per A on each. */
  readonly ks: Int32Array;
  readonly fs: Float64Array;
  /** Admission order group: 0 recently started, 1 waiting, 2 running past the rotation interval. */
  readonly group: 0 | 1 | 2;
  readonly orderTimeMs: number;
  readonly servedMs: number;
  readonly carCapA: number | null;
  readonly carCapSinceMs: number | null;
  admitted: boolean;
  rising: boolean;
  frozen: boolean;
  /** Unrounded filling result, then the final limit. */
  exact: number;
  currentA: number;
  limitedBy: LimitedBy;
}

interface SparseFactors {
  readonly ks: Int32Array;
  readonly fs: Float64Array;
}

const defaultFactorCache = new WeakMap<CompiledSite, (SparseFactors | undefined)[]>();

/** The port's non-zero load factors as (constraint, factor) lists; cached for the usual all-conductor case. */
/** Factors per (port, conductor mask): index portIdx × 8 + mask bits, 7 = all conductors. */
function factorCache(cs: CompiledSite): (SparseFactors | undefined)[] {
  let cache = defaultFactorCache.get(cs);
  if (!cache) {
    cache = new Array<SparseFactors | undefined>(cs.ports.length * 8);
    defaultFactorCache.set(cs, cache);
  }
  return cache;
}

function maskBits(mask: readonly boolean[] | undefined): number {
  if (!mask) return 7;
  return (mask[0] === false ? 0 : 1) | (mask[1] === false ? 0 : 2) | (mask[2] === false ? 0 : 4);
}

function sparse(cs: CompiledSite, portIdx: number, conductorsInUse?: readonly boolean[]): SparseFactors {
  const dense = portLoadFactors(cs, portIdx, conductorsInUse);
  const path = cs.portPath[portIdx]!;
  const ks: number[] = [];
  const fs: number[] = [];
  for (let l = 0; l < path.length; l++) {
    for (let d = 0; d < DIM_COUNT; d++) {
      const f = dense[l * DIM_COUNT + d]!;
      if (f > 0) {
        ks.push(path[l]! * DIM_COUNT + d);
        fs.push(f);
      }
    }
  }
  return { ks: Int32Array.from(ks), fs: Float64Array.from(fs) };
}

const floorStep = (value: number, step: number): number => roundA(Math.floor(value / step + EPS) * step);
const ceilStep = (value: number, step: number): number => roundA(Math.ceil(value / step - EPS) * step);
/** Removes float noise such as 16.300000000000001 from multiples of a step. */
const roundA = (value: number): number => Math.round(value * 1e6) / 1e6;

/** Computes the allocation for this instant; pure: same arguments, same result. */
export function allocate(
  cs: CompiledSite,
  input: AllocationInput,
  state: AllocatorState,
  nowMs: number,
  options: Partial<AllocatorOptions> = {},
): AllocationResult {
  const opts = { ...DEFAULT_ALLOCATOR_OPTIONS, ...options };
  const circuitCount = cs.circuits.length;
  const cap = capacityVector(cs, input);
  const source = cs.circuits.map((c) => input.capacities.get(c.id)?.source);

  const works = buildWorks(cs, input, state, nowMs, opts);
  const remaining = Float64Array.from(cap);
  admit(works, remaining, cs, source);
  fill(works, cap, cs, source, circuitCount);
  const used = roundAndTopUp(works, cap, circuitCount);

  const byPort: (Work | undefined)[] = new Array<Work | undefined>(cs.ports.length);
  for (const w of works) byPort[w.portIdx] = w;
  const allocation: PortAllocation[] = cs.ports.map((port, i) => {
    const w = byPort[i];
    return w
      ? { portId: port.id, currentA: w.currentA, limitedBy: w.limitedBy }
      : { portId: port.id, currentA: 0, limitedBy: IDLE };
  });
  const circuits: CircuitExplain[] = cs.circuits.map((c, ci) => ({
    circuitId: c.id,
    load: tuple4(used, ci),
    capacity: tuple4(cap, ci),
  }));
  return { allocation, state: nextState(works, state, cs, nowMs), explain: { circuits } };
}

function tuple4(a: Float64Array, ci: number): [number, number, number, number] {
  const o = ci * DIM_COUNT;
  return [roundA(a[o]!), roundA(a[o + 1]!), roundA(a[o + 2]!), roundA(a[o + 3]!)];
}

/** Capacity per (circuit, dimension); circuits without an input get their static limit less margin. */
function capacityVector(cs: CompiledSite, input: AllocationInput): Float64Array {
  const cap = new Float64Array(cs.circuits.length * DIM_COUNT);
  cs.circuits.forEach((c, ci) => {
    const given = input.capacities.get(c.id);
    const o = ci * DIM_COUNT;
    for (let d = 0; d < 3; d++) {
      const v = given ? given.phaseA[d]! : c.limitA - c.marginA;
      cap[o + d] = Number.isNaN(v) ? 0 : v;
    }
    const kw = given ? given.powerKw : (c.limitKw ?? Infinity);
    cap[o + 3] = Number.isNaN(kw) ? 0 : kw;
  });
  return cap;
}

function buildWorks(
  cs: CompiledSite,
  input: AllocationInput,
  state: AllocatorState,
  nowMs: number,
  opts: AllocatorOptions,
): Work[] {
  const seen = new Uint8Array(cs.ports.length);
  const cache = factorCache(cs);
  const works: Work[] = [];
  for (const demand of input.demands) {
    const portIdx = cs.portIndex.get(demand.portId);
    if (portIdx === undefined || seen[portIdx]) continue;
    seen[portIdx] = 1;
    const port = cs.ports[portIdx]!;
    const mem = state.ports.get(port.id);
    const stepA = port.stepA > 0 ? port.stepA : 0.1;
    const lo = ceilStep(Math.max(0, demand.minCurrentA ?? port.minCurrentA), stepA);
    const { carCapA, carCapSinceMs } =
      mem === undefined ? NO_CAP : carCap(demand, mem, lo, stepA, nowMs, opts);

    let hi = port.maxCurrentA;
    let hiReason = PORT_MAX;
    if (demand.maxCurrentA !== undefined && demand.maxCurrentA < hi) {
      hi = demand.maxCurrentA;
      hiReason = DEMAND_MAX;
    }
    if (carCapA !== null && carCapA < hi) {
      hi = carCapA;
      hiReason = { kind: 'car', measuredA: demand.measuredA ?? carCapA };
    }
    hi = floorStep(Math.max(0, hi), stepA);

    const running = mem !== undefined && mem.runningSinceMs !== null && mem.lastA > 0;
    let group: 0 | 1 | 2 = 1;
    let orderTimeMs = mem?.waitingSinceMs ?? demand.arrivedAtMs ?? nowMs;
    if (running) {
      const runningSinceMs = mem.runningSinceMs;
      group = nowMs - runningSinceMs < opts.rotationIntervalMs ? 0 : 2;
      // Group 2 is ordered most recent first, so the longest-running port is the first to yield.
      orderTimeMs = group === 0 ? runningSinceMs : -runningSinceMs;
    }
    const bits = maskBits(demand.conductorsInUse);
    const { ks, fs } = (cache[portIdx * 8 + bits] ??= sparse(cs, portIdx, demand.conductorsInUse));
    works.push({
      portIdx,
      demand,
      priority: demand.priority ?? port.priority,
      weight: demand.weight !== undefined && demand.weight > 0 ? demand.weight : 1,
      stepA,
      lo,
      hi,
      hiReason,
      ks,
      fs,
      group,
      orderTimeMs,
      servedMs: (mem?.servedMs ?? 0) + (running ? nowMs - mem.runningSinceMs : 0),
      carCapA,
      carCapSinceMs,
      admitted: false,
      rising: false,
      frozen: false,
      exact: 0,
      currentA: 0,
      limitedBy: BELOW_MINIMUM,
    });
  }
  // Admission order: priority classes, then rotation group and time, the least served, the smallest
  // minimum (more sessions fit), then configuration order.
  works.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.group - b.group ||
      a.orderTimeMs - b.orderTimeMs ||
      a.servedMs - b.servedMs ||
      a.lo - b.lo ||
      a.portIdx - b.portIdx,
  );
  return works;
}

/**
 * A car drawing clearly less than offered (taper, on-board charger, fewer phases) gets a cap of what it
 * draws plus a margin, so the rest goes to others; the cap is lifted when the car reaches it, or after
 * the probe interval to see whether it wants more again.
 */
const NO_CAP = Object.freeze({ carCapA: null, carCapSinceMs: null });

function carCap(
  demand: PortDemand,
  mem: PortMemory,
  lo: number,
  stepA: number,
  nowMs: number,
  opts: AllocatorOptions,
): { carCapA: number | null; carCapSinceMs: number | null } {
  let capA = mem?.carCapA ?? null;
  let sinceMs = mem?.carCapSinceMs ?? null;
  if (capA !== null && sinceMs !== null && nowMs - sinceMs >= opts.carProbeIntervalMs) {
    capA = null;
    sinceMs = null;
  }
  const measured = demand.measuredA;
  const settled =
    mem !== undefined &&
    mem.lastA > 0 &&
    measured !== undefined &&
    Number.isFinite(measured) &&
    demand.measuredAtMs !== undefined &&
    demand.measuredAtMs >= mem.offeredSinceMs + opts.carSettleMs;
  if (settled) {
    if (measured < mem.lastA - opts.carMarginA) {
      const newCap = Math.max(lo, ceilStep(Math.max(0, measured) + opts.carMarginA, stepA));
      if (capA === null || newCap < capA) {
        capA = newCap;
        sinceMs ??= nowMs;
      }
    } else if (capA !== null && measured >= capA - opts.carMarginA / 2) {
      capA = null;
      sinceMs = null;
    }
  }
  return { carCapA: capA, carCapSinceMs: sinceMs };
}

/**
 * Admits ports at their minimum in order, pausing those whose minimum does not fit. A waiting port that
 * does not fit reserves the constraints that block it: waiting ports behind it may not start there, so
 * a port with a larger minimum is not overtaken forever by smaller ones (it gets in as soon as the
 * recently started ports reach their rotation interval).
 */
function admit(
  works: Work[],
  remaining: Float64Array,
  cs: CompiledSite,
  source: readonly (string | undefined)[],
): void {
  // reserved[k] = 1 + index in works of the waiting port that reserved constraint k (0 = none).
  const reserved = new Int32Array(remaining.length);
  let classStart = remaining.slice();
  let classPriority = works[0]?.priority;
  for (let i = 0; i < works.length; i++) {
    const w = works[i]!;
    if (w.priority !== classPriority) {
      classPriority = w.priority;
      classStart = remaining.slice();
    }
    if (w.hi + EPS < w.lo || w.hi <= 0) {
      w.limitedBy = w.hi <= 0 && w.hiReason.kind !== 'port-max' ? w.hiReason : BELOW_MINIMUM;
      continue;
    }
    const { ks, fs } = w;
    let blocking = -1;
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j]!;
      if (remaining[k]! - w.lo * fs[j]! < -EPS || (w.group === 1 && reserved[k])) {
        blocking = k;
        break;
      }
    }
    if (blocking >= 0) {
      const behind = w.group === 1 ? reserved[blocking]! - 1 : -1;
      w.limitedBy = pausedReason(
        blocking,
        cs,
        source,
        behind >= 0 ? cs.ports[works[behind]!.portIdx]!.id : undefined,
      );
      // Reserve only what the port could have if this class's running ports rotated out.
      if (w.group === 1 && behind < 0) {
        for (let j = 0; j < ks.length; j++) {
          const k = ks[j]!;
          if (remaining[k]! - w.lo * fs[j]! < -EPS && classStart[k]! - w.lo * fs[j]! >= -EPS && !reserved[k])
            reserved[k] = i + 1;
        }
      }
      continue;
    }
    w.admitted = true;
    for (let j = 0; j < ks.length; j++) remaining[ks[j]!] = remaining[ks[j]!]! - w.lo * fs[j]!;
  }
  // A paused port waits for its turn (rotation) when ports of its class or below are running.
  let lowestRunningPriority = Infinity;
  for (const w of works) if (w.admitted) lowestRunningPriority = Math.min(lowestRunningPriority, w.priority);
  for (const w of works) {
    if (!w.admitted && w.limitedBy.kind === 'paused' && w.priority >= lowestRunningPriority) {
      w.limitedBy = { ...w.limitedBy, rotation: true };
    }
  }
}

function pausedReason(
  k: number,
  cs: CompiledSite,
  source: readonly (string | undefined)[],
  waitingBehind: string | undefined,
): LimitedBy {
  const ci = Math.floor(k / DIM_COUNT);
  return {
    kind: 'paused',
    circuitId: cs.circuits[ci]!.id,
    dimension: DIMENSIONS[k % DIM_COUNT]!,
    rotation: waitingBehind !== undefined,
    source: source[ci],
    ...(waitingBehind !== undefined ? { waitingBehind } : {}),
  };
}

function circuitReason(k: number, cs: CompiledSite, source: readonly (string | undefined)[]): LimitedBy {
  const ci = Math.floor(k / DIM_COUNT);
  const dimension: Dimension = DIMENSIONS[k % DIM_COUNT]!;
  return { kind: 'circuit', circuitId: cs.circuits[ci]!.id, dimension, source: source[ci] };
}

/**
 * Progressive filling, one priority class at a time (higher first): the level t rises, port i takes
 * clamp(w_i·t, lo_i, hi_i); when a constraint becomes tight, every port of the class in it freezes.
 * Events (port starts rising, port reaches hi, constraint tight) are processed in order of t, so the cost
 * is O(n·path·dims·log n) rather than O(n²).
 */
function fill(
  works: Work[],
  cap: Float64Array,
  cs: CompiledSite,
  source: readonly (string | undefined)[],
  circuitCount: number,
): void {
  const k4 = circuitCount * DIM_COUNT;
  const admitted = works.filter((w) => w.admitted);
  // used(t) = base + rate·t per constraint; starts with every admitted port at its minimum.
  const base = new Float64Array(k4);
  for (const w of admitted) {
    w.exact = w.lo;
    w.limitedBy = w.hiReason;
    for (let j = 0; j < w.ks.length; j++) base[w.ks[j]!] = base[w.ks[j]!]! + w.fs[j]! * w.lo;
  }
  const rate = new Float64Array(k4);
  const tight = new Uint8Array(k4);
  const version = new Int32Array(k4);
  const dirty = new Uint8Array(k4);
  const dirtyList: number[] = [];
  const heap = new MinHeap(256);
  const count = new Int32Array(k4 + 1);
  let t = 0;

  const markDirty = (k: number): void => {
    if (!dirty[k]) {
      dirty[k] = 1;
      dirtyList.push(k);
    }
  };
  const flushDirty = (): void => {
    for (const k of dirtyList) {
      dirty[k] = 0;
      version[k]!++;
      if (tight[k] || rate[k]! <= EPS || cap[k] === Infinity) continue;
      heap.push(Math.max(t, (cap[k]! - base[k]!) / rate[k]!), k, version[k]!);
    }
    dirtyList.length = 0;
  };
  const freeze = (w: Work, value: number, reason: LimitedBy): void => {
    w.frozen = true;
    w.exact = value;
    w.limitedBy = reason;
    if (!w.rising) return;
    w.rising = false;
    for (let j = 0; j < w.ks.length; j++) {
      const k = w.ks[j]!;
      base[k] = base[k]! + w.fs[j]! * value;
      rate[k] = rate[k]! - w.fs[j]! * w.weight;
      markDirty(k);
    }
  };

  let start = 0;
  while (start < admitted.length) {
    const priority = admitted[start]!.priority;
    let end = start;
    while (end < admitted.length && admitted[end]!.priority === priority) end++;
    const cls = admitted.slice(start, end);
    start = end;

    // Members of each constraint within this class (CSR layout).
    count.fill(0);
    for (const w of cls) for (let j = 0; j < w.ks.length; j++) count[w.ks[j]! + 1]!++;
    for (let k = 0; k < k4; k++) count[k + 1] = count[k + 1]! + count[k]!;
    const members = new Int32Array(count[k4]!);
    const fillPos = count.slice(0, k4);
    for (let i = 0; i < cls.length; i++) {
      const w = cls[i]!;
      for (let j = 0; j < w.ks.length; j++) members[fillPos[w.ks[j]!]!++] = i;
    }

    // Port events: start rising at lo/w (even index 2i), stop at hi/w (odd index 2i+1).
    const evT = new Float64Array(cls.length * 2);
    let evCount = 0;
    const evId = new Int32Array(cls.length * 2);
    for (let i = 0; i < cls.length; i++) {
      const w = cls[i]!;
      let k = -1;
      for (let j = 0; j < w.ks.length && k < 0; j++) if (tight[w.ks[j]!]) k = w.ks[j]!;
      if (k >= 0 || w.hi - w.lo <= EPS) {
        // A constraint a higher class made tight has no room left: this class stays at its minimum there.
        w.frozen = true;
        w.exact = w.lo;
        if (k >= 0) w.limitedBy = circuitReason(k, cs, source);
        continue;
      }
      evT[2 * i] = w.lo / w.weight;
      evT[2 * i + 1] = w.hi / w.weight;
      evId[evCount++] = 2 * i;
      evId[evCount++] = 2 * i + 1;
    }
    const order = evId.subarray(0, evCount).sort((a, b) => evT[a]! - evT[b]! || a - b);

    heap.clear();
    t = 0;
    let e = 0;
    for (;;) {
      while (heap.size > 0 && (heap.peekAux() !== version[heap.peekValue()] || tight[heap.peekValue()]))
        heap.pop();
      const tc = heap.peekKey();
      const tp = e < evCount ? evT[order[e]!]! : Infinity;
      if (tc === Infinity && tp === Infinity) break;
      if (tc <= tp) {
        const k = heap.peekValue();
        heap.pop();
        t = Math.max(t, tc);
        tight[k] = 1;
        const reason = circuitReason(k, cs, source);
        for (let m = count[k]!; m < count[k + 1]!; m++) {
          const w = cls[members[m]!]!;
          if (!w.frozen) freeze(w, Math.min(w.hi, Math.max(w.lo, w.weight * t)), reason);
        }
      } else {
        t = Math.max(t, tp);
        while (e < evCount && evT[order[e]!]! <= tp) {
          const ev = order[e++]!;
          const w = cls[ev >> 1]!;
          if (w.frozen) continue;
          if ((ev & 1) === 0) {
            w.rising = true;
            for (let j = 0; j < w.ks.length; j++) {
              const k = w.ks[j]!;
              base[k] = base[k]! - w.fs[j]! * w.lo;
              rate[k] = rate[k]! + w.fs[j]! * w.weight;
              markDirty(k);
            }
          } else {
            freeze(w, w.hi, w.hiReason);
          }
        }
      }
      flushDirty();
    }
    for (const w of cls) if (!w.frozen) w.exact = w.hi;
  }
}

/**
 * Rounds every limit down to its port's step (never up), then hands out what rounding left over one
 * step at a time, higher priority and larger rounding loss first, while every constraint still holds.
 * Returns the resulting load per constraint.
 */
function roundAndTopUp(works: Work[], cap: Float64Array, circuitCount: number): Float64Array {
  const used = new Float64Array(circuitCount * DIM_COUNT);
  const candidates: Work[] = [];
  for (const w of works) {
    if (!w.admitted) continue;
    w.currentA = Math.max(w.lo, floorStep(w.exact, w.stepA));
    for (let j = 0; j < w.ks.length; j++) used[w.ks[j]!] = used[w.ks[j]!]! + w.fs[j]! * w.currentA;
    if (w.currentA + w.stepA <= w.hi + EPS) candidates.push(w);
  }
  candidates.sort((a, b) => b.priority - a.priority || b.exact - b.currentA - (a.exact - a.currentA));
  let changed = true;
  while (changed) {
    changed = false;
    for (const w of candidates) {
      if (w.currentA + w.stepA > w.hi + EPS) continue;
      let fits = true;
      for (let j = 0; j < w.ks.length && fits; j++) {
        if (used[w.ks[j]!]! + w.fs[j]! * w.stepA > cap[w.ks[j]!]! + EPS) fits = false;
      }
      if (!fits) continue;
      w.currentA = roundA(w.currentA + w.stepA);
      for (let j = 0; j < w.ks.length; j++) used[w.ks[j]!] = used[w.ks[j]!]! + w.fs[j]! * w.stepA;
      changed = true;
    }
  }
  return used;
}

function sameMemory(a: PortMemory, b: PortMemory): boolean {
  return (
    a.lastA === b.lastA &&
    a.offeredSinceMs === b.offeredSinceMs &&
    a.runningSinceMs === b.runningSinceMs &&
    a.waitingSinceMs === b.waitingSinceMs &&
    a.carCapA === b.carCapA &&
    a.carCapSinceMs === b.carCapSinceMs &&
    a.servedMs === b.servedMs
  );
}

function nextState(works: Work[], prev: AllocatorState, cs: CompiledSite, nowMs: number): AllocatorState {
  const ports = new Map<string, PortMemory>();
  for (const w of works) {
    const id = cs.ports[w.portIdx]!.id;
    const mem = prev.ports.get(id);
    const x = w.currentA;
    const wasRunning = mem !== undefined && mem.runningSinceMs !== null && mem.lastA > 0;
    const changed = mem === undefined || Math.abs(x - mem.lastA) >= w.stepA / 2;
    const next: PortMemory = {
      lastA: changed ? x : mem.lastA,
      offeredSinceMs: changed ? nowMs : mem.offeredSinceMs,
      runningSinceMs: x > 0 ? (wasRunning ? mem.runningSinceMs : nowMs) : null,
      waitingSinceMs:
        x > 0 ? null : (mem?.waitingSinceMs ?? (wasRunning ? nowMs : (w.demand.arrivedAtMs ?? nowMs))),
      carCapA: w.carCapA,
      carCapSinceMs: w.carCapSinceMs,
      servedMs:
        wasRunning && x <= 0 ? mem.servedMs + Math.max(0, nowMs - mem.runningSinceMs) : (mem?.servedMs ?? 0),
    };
    // Reuse an unchanged memory object: steady state allocates nothing here.
    ports.set(id, mem !== undefined && sameMemory(mem, next) ? mem : next);
  }
  return { ports };
}
