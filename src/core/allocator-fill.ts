/**
 * Progressive filling, one priority class at a time (higher first): the level t rises, port i takes
 * clamp(w_i·t, lo_i, hi_i); when a constraint becomes tight, every port of the class in it freezes.
 * Events (port starts rising, port reaches hi, constraint tight) are processed in order of t, so the cost
 * is O(n·path·dims·log n) rather than O(n²). The order of every floating-point update is part of the
 * result (ties between events, heap order), so loops run in admission order, members in class order.
 */
import type { FactorTable } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { REASON_CIRCUIT, REASON_HI } from './allocator-works.ts';
import { EPS } from './current-step.ts';
import type { BucketOrder } from './bucket-order.ts';
import { MinHeap } from './min-heap.ts';

/** Fills the admitted works of a call; its buffers are reused from call to call. */
export class Filler {
  /** Load per constraint as a function of the level: used(t) = base + rate·t. */
  private readonly base: Float64Array;
  private readonly rate: Float64Array;
  /** Imaginary parts of base and rate, on phasor constraints (the load is then |base + rate·t|). */
  private readonly baseIm: Float64Array;
  private readonly rateIm: Float64Array;
  private readonly tight: Uint8Array;
  /**
   * Rising works per constraint. A constraint is scheduled while any member rises, however small its rate:
   * a threshold on the rate would let ports with tiny weights rise past a limit nobody watches.
   */
  private readonly risingCount: Int32Array;
  /** Bumped when a constraint's base or rate changes: heap entries with an older version are stale. */
  private readonly version: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;
  /** When each constraint becomes tight, keyed by level. */
  private readonly heap = new MinHeap(256);
  /** Admitted works in admission order; a class is a run of equal priority. */
  private readonly admitted: Int32Array;
  /** Works of the class in each constraint it touches: members[memberStart[k]..memberEnd[k]). */
  private readonly memberCount: Int32Array;
  private readonly memberStart: Int32Array;
  private readonly memberEnd: Int32Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private members = new Int32Array(1024);
  /** Port events of the class: start rising at lo/w (id 2i), stop at hi/w (id 2i+1), i = place in class. */
  private readonly eventLevel: Float64Array;
  private readonly eventIds: Int32Array;
  private readonly eventOrder: Int32Array;
  private t = 0;
  /** Load factors and capacities of the call being filled (set by run). */
  private ks: Int32Array = new Int32Array(0);
  private fs: Float64Array = new Float64Array(0);
  private fim: Float64Array = new Float64Array(0);
  private phasor: Uint8Array = new Uint8Array(0);
  /** True when the site has phasor constraints: only then are the imaginary parts kept. */
  private complex = false;
  private cap: Float64Array = new Float64Array(0);

  constructor(
    portCount: number,
    constraintCount: number,
    private readonly buckets: BucketOrder,
  ) {
    this.base = new Float64Array(constraintCount);
    this.rate = new Float64Array(constraintCount);
    this.baseIm = new Float64Array(constraintCount);
    this.rateIm = new Float64Array(constraintCount);
    this.tight = new Uint8Array(constraintCount);
    this.risingCount = new Int32Array(constraintCount);
    this.version = new Int32Array(constraintCount);
    this.dirty = new Uint8Array(constraintCount);
    this.dirtyList = new Int32Array(constraintCount);
    this.admitted = new Int32Array(portCount);
    this.memberCount = new Int32Array(constraintCount);
    this.memberStart = new Int32Array(constraintCount);
    this.memberEnd = new Int32Array(constraintCount);
    this.touched = new Int32Array(constraintCount);
    this.eventLevel = new Float64Array(2 * portCount);
    this.eventIds = new Int32Array(2 * portCount);
    this.eventOrder = new Int32Array(2 * portCount);
  }

  /** Sets `exact` and the reason of every admitted work, starting each at its minimum. */
  run(works: Works, factors: FactorTable, cap: Float64Array): void {
    this.ks = factors.ks;
    // Real parts: on a linear constraint fre = fs, so these are the same numbers as the linear model's.
    this.fs = factors.fre;
    this.fim = factors.fim;
    this.phasor = factors.phasor;
    this.complex = factors.anyPhasor;
    this.cap = cap;
    this.base.fill(0);
    this.rate.fill(0);
    if (this.complex) {
      this.baseIm.fill(0);
      this.rateIm.fill(0);
    }
    this.tight.fill(0);
    this.risingCount.fill(0);
    this.version.fill(0);
    const { admitted, base, ks, fs } = this;
    let m = 0;
    for (let r = 0; r < works.count; r++) {
      const w = works.order[r]!;
      if (works.admitted[w]) admitted[m++] = w;
    }
    // Loop invariants are read into locals: V8 reloads typed-array elements after any typed-array store.
    for (let i = 0; i < m; i++) {
      const w = admitted[i]!;
      const lo = works.lo[w]!;
      works.exact[w] = lo;
      works.reason[w] = REASON_HI;
      const end = works.kEnd[w]!;
      for (let j = works.kStart[w]!; j < end; j++) {
        const k = ks[j]!;
        base[k] = base[k]! + fs[j]! * lo;
      }
      if (this.complex) this.addIm(w, works, lo, 0);
    }
    let start = 0;
    while (start < m) {
      const priority = works.priority[admitted[start]!]!;
      let end = start + 1;
      while (end < m && works.priority[admitted[end]!] === priority) end++;
      this.fillClass(works, start, end);
      start = end;
    }
  }

  /** Fills admitted[from..to), one priority class. */
  private fillClass(works: Works, from: number, to: number): void {
    this.indexMembers(works, from, to);
    const eventCount = this.classEvents(works, from, to);
    const { eventLevel, eventOrder, heap } = this;
    this.buckets.order(eventLevel, this.eventIds, 0, eventCount, eventOrder);
    heap.clear();
    this.t = 0;
    let e = 0;
    for (;;) {
      this.dropStale();
      const tc = heap.peekKey();
      const tp = e < eventCount ? eventLevel[eventOrder[e]!]! : Infinity;
      if (tc === Infinity && tp === Infinity) break;
      if (tc <= tp) {
        const k = heap.peekValue();
        heap.pop();
        this.t = Math.max(this.t, tc);
        this.tighten(works, k);
      } else {
        this.t = Math.max(this.t, tp);
        while (e < eventCount && eventLevel[eventOrder[e]!]! <= tp)
          this.portEvent(works, eventOrder[e++]!, from);
      }
      this.flushDirty();
    }
    for (let p = from; p < to; p++) {
      const w = this.admitted[p]!;
      if (!works.frozen[w]) works.exact[w] = works.hi[w]!;
    }
    this.clearMembers();
  }

  /** Lists the class's works per constraint, in class order. */
  private indexMembers(works: Works, from: number, to: number): void {
    const { admitted, ks, memberCount, memberStart, memberEnd, touched } = this;
    let touchedCount = 0;
    let total = 0;
    for (let p = from; p < to; p++) {
      const w = admitted[p]!;
      const end = works.kEnd[w]!;
      for (let j = works.kStart[w]!; j < end; j++) {
        const k = ks[j]!;
        if (memberCount[k]!++ === 0) touched[touchedCount++] = k;
      }
      total += end - works.kStart[w]!;
    }
    this.touchedCount = touchedCount;
    if (this.members.length < total) this.members = new Int32Array(Math.max(total, 2 * this.members.length));
    let offset = 0;
    for (let i = 0; i < touchedCount; i++) {
      const k = touched[i]!;
      memberStart[k] = offset;
      memberEnd[k] = offset;
      offset += memberCount[k]!;
    }
    const members = this.members;
    for (let p = from; p < to; p++) {
      const w = admitted[p]!;
      const end = works.kEnd[w]!;
      for (let j = works.kStart[w]!; j < end; j++) members[memberEnd[ks[j]!]!++] = w;
    }
  }

  /** Leaves every constraint without members, ready for the next class. */
  private clearMembers(): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const k = this.touched[i]!;
      this.memberCount[k] = 0;
      this.memberStart[k] = 0;
      this.memberEnd[k] = 0;
    }
    this.touchedCount = 0;
  }

  /** Freezes works that cannot rise and lists the rising ones' events; returns the event count. */
  private classEvents(works: Works, from: number, to: number): number {
    const { admitted, ks, tight, eventLevel, eventIds } = this;
    let count = 0;
    for (let p = from; p < to; p++) {
      const w = admitted[p]!;
      const i = p - from;
      const lo = works.lo[w]!;
      const hi = works.hi[w]!;
      const end = works.kEnd[w]!;
      let k = -1;
      for (let j = works.kStart[w]!; j < end && k < 0; j++) if (tight[ks[j]!]) k = ks[j]!;
      if (k >= 0 || hi - lo <= EPS) {
        // A constraint a higher class made tight has no room left: this class stays at its minimum there.
        works.frozen[w] = 1;
        works.exact[w] = lo;
        if (k >= 0) {
          works.reason[w] = REASON_CIRCUIT;
          works.reasonK[w] = k;
        }
        continue;
      }
      const weight = works.weight[w]!;
      eventLevel[2 * i] = lo / weight;
      eventLevel[2 * i + 1] = hi / weight;
      eventIds[count++] = 2 * i;
      eventIds[count++] = 2 * i + 1;
    }
    return count;
  }

  /** Constraint k is full at the current level: every member of the class still rising stops there. */
  private tighten(works: Works, k: number): void {
    this.tight[k] = 1;
    const t = this.t;
    const members = this.members;
    const end = this.memberEnd[k]!;
    for (let m = this.memberStart[k]!; m < end; m++) {
      const w = members[m]!;
      if (works.frozen[w]) continue;
      const value = Math.min(works.hi[w]!, Math.max(works.lo[w]!, works.weight[w]! * t));
      this.freeze(works, w, value, REASON_CIRCUIT, k);
    }
  }

  /** A work's level reaches lo/w (it starts rising) or hi/w (it stops at its maximum). */
  private portEvent(works: Works, event: number, from: number): void {
    const w = this.admitted[from + (event >> 1)]!;
    if (works.frozen[w]) return;
    if ((event & 1) === 1) {
      this.freeze(works, w, works.hi[w]!, REASON_HI, -1);
      return;
    }
    works.rising[w] = 1;
    const { ks, fs, base, rate } = this;
    const lo = works.lo[w]!;
    const weight = works.weight[w]!;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) {
      const k = ks[j]!;
      base[k] = base[k]! - fs[j]! * lo;
      rate[k] = rate[k]! + fs[j]! * weight;
      this.risingCount[k]!++;
      this.markDirty(k);
    }
    if (this.complex) this.addIm(w, works, -lo, weight);
  }

  /** Adds a work's phasor loads to the imaginary parts: `value` to the base, `weight` to the rate. */
  private addIm(w: number, works: Works, value: number, weight: number): void {
    const { ks, fim, baseIm, rateIm } = this;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) {
      const k = ks[j]!;
      baseIm[k] = baseIm[k]! + fim[j]! * value;
      rateIm[k] = rateIm[k]! + fim[j]! * weight;
    }
  }

  private freeze(works: Works, w: number, value: number, reason: number, k: number): void {
    works.frozen[w] = 1;
    works.exact[w] = value;
    works.reason[w] = reason;
    works.reasonK[w] = k;
    if (!works.rising[w]) return;
    works.rising[w] = 0;
    const { ks, fs, base, rate } = this;
    const weight = works.weight[w]!;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) {
      const c = ks[j]!;
      base[c] = base[c]! + fs[j]! * value;
      rate[c] = rate[c]! - fs[j]! * weight;
      this.risingCount[c]!--;
      this.markDirty(c);
    }
    if (this.complex) this.addIm(w, works, value, -weight);
  }

  private markDirty(k: number): void {
    if (this.dirty[k]) return;
    this.dirty[k] = 1;
    this.dirtyList[this.dirtyCount++] = k;
  }

  /** Schedules when each changed constraint becomes tight at its new rate. */
  private flushDirty(): void {
    const { dirty, dirtyList, version, tight, rate, base, cap, heap } = this;
    const t = this.t;
    for (let i = 0; i < this.dirtyCount; i++) {
      const k = dirtyList[i]!;
      dirty[k] = 0;
      version[k]!++;
      if (tight[k] || cap[k] === Infinity || this.risingCount[k] === 0) continue;
      if (this.complex && this.phasor[k]) {
        const level = this.phasorTightLevel(k);
        if (level < Infinity) heap.push(Math.max(t, level), k, version[k]!);
        continue;
      }
      if (rate[k]! <= 0) continue;
      heap.push(Math.max(t, (cap[k]! - base[k]!) / rate[k]!), k, version[k]!);
    }
    this.dirtyCount = 0;
  }

  /**
   * The level at which |base + rate·t| reaches the capacity of phasor constraint k: the larger root of a
   * quadratic (the magnitude is convex in t, so the load leaves the capacity there and never comes back).
   * Infinity when it never does; the current level when the load is over the capacity already.
   */
  private phasorTightLevel(k: number): number {
    const br = this.base[k]!;
    const bi = this.baseIm[k]!;
    const rr = this.rate[k]!;
    const ri = this.rateIm[k]!;
    const a = rr * rr + ri * ri;
    if (a <= 0) return Infinity;
    const b = br * rr + bi * ri;
    const c = br * br + bi * bi - this.cap[k]! * this.cap[k]!;
    const disc = b * b - a * c;
    if (disc < 0) return this.t;
    const root = Math.sqrt(disc);
    // The larger root, in the form that does not cancel.
    return b <= 0 ? (root - b) / a : -c / (b + root);
  }

  private dropStale(): void {
    const { heap, version, tight } = this;
    while (heap.size > 0 && (heap.peekAux() !== version[heap.peekValue()] || tight[heap.peekValue()]))
      heap.pop();
  }
}
