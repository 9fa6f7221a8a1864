/**
 * What the allocator keeps per compiled site between calls: the site's port data and load factors in flat
 * typed arrays, and work buffers reused by every call so that a steady control loop allocates little.
 * Nothing here carries a result from one call to the next: every buffer is reset before it is read.
 */
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT, portLoadFactors } from './compiled-site.ts';
import { Filler } from './allocator-fill.ts';
import { Works } from './allocator-works.ts';
import { BucketOrder } from './bucket-order.ts';
import { DemandFields } from './demand-fields.ts';
import { phasorCircuits, portPhasorFactors } from './phasor-factors.ts';
import { grown } from './typed-array.ts';

/**
 * Load factors of every (port, conductor mask) met so far, as one flat list: per entry a constraint
 * (circuit index × DIM_COUNT + dimension) and the load per A the port puts on it. Only non-zero factors
 * are kept, in path order, so that loops touch only the constraints a port really loads.
 */
export class FactorTable {
  ks = new Int32Array(1024);
  fs = new Float64Array(1024);
  /**
   * The same load as a phasor (re, im per A). On a phasor constraint (see `phasor`) the load is the
   * magnitude of the sum of these; elsewhere re = fs and im = 0, so the magnitude is the plain sum.
   */
  fre = new Float64Array(1024);
  fim = new Float64Array(1024);
  /** Per constraint, 1 when it is a line current evaluated as a phasor magnitude (lineModel 'phasor'). */
  readonly phasor: Uint8Array;
  /** True when some constraint is a phasor one: the allocator takes its exact paths only then. */
  readonly anyPhasor: boolean;
  private readonly phasorCircuit: Uint8Array;
  /** Per slot (port × 8 + mask bits), the start of its entries in ks/fs, -1 until computed. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  private size = 0;

  constructor(private readonly cs: CompiledSite) {
    this.start = new Int32Array(cs.ports.length * 8).fill(-1);
    this.end = new Int32Array(cs.ports.length * 8);
    this.phasorCircuit = phasorCircuits(cs);
    this.phasor = new Uint8Array(cs.circuits.length * DIM_COUNT);
    let any = false;
    for (let c = 0; c < cs.circuits.length; c++) {
      if (!this.phasorCircuit[c]) continue;
      any = true;
      for (let d = 0; d < 3; d++) this.phasor[c * DIM_COUNT + d] = 1;
    }
    this.anyPhasor = any;
  }

  /** The slot of the port's factors with the car on these conductors; computed on first use. */
  slot(portIdx: number, conductorsInUse: readonly boolean[] | undefined): number {
    const slot = portIdx * 8 + maskBits(conductorsInUse);
    if (this.start[slot]! < 0) this.compute(slot, portIdx, conductorsInUse);
    return slot;
  }

  private compute(slot: number, portIdx: number, conductorsInUse: readonly boolean[] | undefined): void {
    const dense = portLoadFactors(this.cs, portIdx, conductorsInUse);
    const path = this.cs.portPath[portIdx]!;
    const complex = this.anyPhasor
      ? portPhasorFactors(this.cs, portIdx, this.phasorCircuit, conductorsInUse)
      : undefined;
    this.reserve(this.size + dense.length);
    this.start[slot] = this.size;
    for (let l = 0; l < path.length; l++) {
      for (let d = 0; d < DIM_COUNT; d++) {
        const f = dense[l * DIM_COUNT + d]!;
        if (f > 0) {
          const k = path[l]! * DIM_COUNT + d;
          this.ks[this.size] = k;
          this.fs[this.size] = f;
          const exact = complex !== undefined && this.phasor[k] === 1;
          this.fre[this.size] = exact ? complex[l * 6 + 2 * d]! : f;
          this.fim[this.size++] = exact ? complex[l * 6 + 2 * d + 1]! : 0;
        }
      }
    }
    this.end[slot] = this.size;
  }

  private reserve(size: number): void {
    if (size <= this.ks.length) return;
    const capacity = Math.max(size, this.ks.length * 2);
    this.ks = grown(this.ks, capacity);
    this.fs = grown(this.fs, capacity);
    this.fre = grown(this.fre, capacity);
    this.fim = grown(this.fim, capacity);
  }
}

/** Conductor mask as bits 0-2, 7 = all conductors (also when undefined). */
function maskBits(mask: readonly boolean[] | undefined): number {
  if (!mask) return 7;
  return (mask[0] === false ? 0 : 1) | (mask[1] === false ? 0 : 2) | (mask[2] === false ? 0 : 4);
}

/** The site as the allocator reads it on every call, built once per CompiledSite (immutable: config is frozen). */
export class SiteTables {
  readonly portCount: number;
  readonly constraintCount: number;
  readonly portId: readonly string[];
  readonly portMinA: Float64Array;
  readonly portMaxA: Float64Array;
  readonly portStepA: Float64Array;
  readonly portPriority: Float64Array;
  /** Capacity per constraint when the input does not list the circuit: static limit less margin. */
  readonly staticCapacity: Float64Array;
  readonly factors: FactorTable;

  constructor(cs: CompiledSite) {
    const ports = cs.ports;
    this.portCount = ports.length;
    this.constraintCount = cs.circuits.length * DIM_COUNT;
    this.portId = ports.map((p) => p.id);
    this.portMinA = Float64Array.from(ports, (p) => p.minCurrentA);
    this.portMaxA = Float64Array.from(ports, (p) => p.maxCurrentA);
    this.portStepA = Float64Array.from(ports, (p) => p.stepA);
    this.portPriority = Float64Array.from(ports, (p) => p.priority);
    this.staticCapacity = new Float64Array(this.constraintCount);
    cs.circuits.forEach((c, ci) => {
      const o = ci * DIM_COUNT;
      const a = c.limitA - c.marginA;
      for (let d = 0; d < 3; d++) this.staticCapacity[o + d] = Number.isNaN(a) ? 0 : a;
      const kw = c.limitKw ?? Infinity;
      this.staticCapacity[o + 3] = Number.isNaN(kw) ? 0 : kw;
    });
    this.factors = new FactorTable(cs);
  }
}

/** Work buffers of one call. */
export class Scratch {
  readonly works: Works;
  readonly filler: Filler;
  /** Per port, its work number in this call, -1 when it has no car (kept all -1 between calls). */
  readonly workOf: Int32Array;
  readonly capacity: Float64Array;
  readonly remaining: Float64Array;
  readonly classStart: Float64Array;
  readonly reserved: Int32Array;
  readonly used: Float64Array;
  /** Phasor sums per constraint (phasor constraints only): admission's and rounding's loads. */
  readonly usedRe: Float64Array;
  readonly usedIm: Float64Array;
  readonly admitRe: Float64Array;
  readonly admitIm: Float64Array;
  readonly classStartRe: Float64Array;
  readonly classStartIm: Float64Array;
  /** Ports that may take one more step after rounding down, in top-up order, and their sort keys. */
  readonly candidates: Int32Array;
  readonly candidatesSorted: Int32Array;
  readonly candidateKey: Float64Array;
  readonly buckets = new BucketOrder();
  /** For sorts by Array.prototype.sort (see orderForAdmission). */
  readonly sortBuffer: number[] = [];
  /**
   * Ports in the admission order of the previous call: the starting order of this call's sort, which then
   * has little to do. Only a speed-up: with a total order (no NaN keys) the sorted result is the same
   * from any starting order; with NaN keys the sort starts from demand order, as it always did.
   */
  readonly previousOrder: Int32Array;
  previousCount = 0;
  readonly mark: Uint8Array;
  /** Per position in the previous call's demands, its port (-1 = none): see portIndexOf. */
  demandPorts: Int32Array = new Int32Array(0);
  readonly demand = new DemandFields();
  /** Deadline mode's laxity order (allocator-laxity-order.ts): full constraints, classes of ports. */
  readonly full: Uint8Array;
  readonly laxityIds: Int32Array;
  readonly laxitySorted: Int32Array;
  readonly laxityNext: Int32Array;
  readonly laxityTail: Int32Array;
  readonly laxityHeads: Int32Array;
  readonly laxityMembers: Int32Array;
  readonly laxityClasses = new Map<number, number>();
  inUse = false;

  constructor(tables: SiteTables) {
    const n = tables.portCount;
    const k4 = tables.constraintCount;
    this.works = new Works(n);
    this.filler = new Filler(n, k4, this.buckets);
    this.workOf = new Int32Array(n).fill(-1);
    this.capacity = new Float64Array(k4);
    this.remaining = new Float64Array(k4);
    this.classStart = new Float64Array(k4);
    this.reserved = new Int32Array(k4);
    this.used = new Float64Array(k4);
    this.usedRe = new Float64Array(k4);
    this.usedIm = new Float64Array(k4);
    this.admitRe = new Float64Array(k4);
    this.admitIm = new Float64Array(k4);
    this.classStartRe = new Float64Array(k4);
    this.classStartIm = new Float64Array(k4);
    this.candidates = new Int32Array(n);
    this.candidatesSorted = new Int32Array(n);
    this.candidateKey = new Float64Array(n);
    this.previousOrder = new Int32Array(n);
    this.mark = new Uint8Array(n);
    this.full = new Uint8Array(k4);
    this.laxityIds = new Int32Array(n);
    this.laxitySorted = new Int32Array(n);
    this.laxityNext = new Int32Array(n);
    this.laxityTail = new Int32Array(n);
    this.laxityHeads = new Int32Array(n);
    this.laxityMembers = new Int32Array(n);
  }
}

interface SiteCache {
  readonly tables: SiteTables;
  readonly scratch: Scratch;
}

const cache = new WeakMap<CompiledSite, SiteCache>();

/** The site's tables and its reusable scratch (a fresh one if the cached one is in use: re-entrant call). */
export function siteCache(cs: CompiledSite): { tables: SiteTables; scratch: Scratch } {
  let entry = cache.get(cs);
  if (!entry) {
    const tables = new SiteTables(cs);
    entry = { tables, scratch: new Scratch(tables) };
    cache.set(cs, entry);
  }
  return entry.scratch.inUse ? { tables: entry.tables, scratch: new Scratch(entry.tables) } : entry;
}
