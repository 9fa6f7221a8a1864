/** Admission: the order in which ports get their minimum, and who is paused (docs/allocation.md, "Who gets what"). */
import type { FactorTable, Scratch } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { HI_PORT_MAX, REASON_HI, REASON_PAUSED } from './allocator-works.ts';
import { EPS } from './current-step.ts';

/**
 * Sorts the works into admission order (Works.compareAdmission). Without NaN keys the comparator is a
 * strict total order, so the result does not depend on the starting order: the sort starts from the
 * previous call's order, which is usually nearly right, and an insertion sort finishes it in linear time.
 * With NaN keys it sorts the demand order with Array.prototype.sort, as the allocator always did.
 */
export function orderForAdmission(scratch: Scratch, deadline = false): void {
  const { works, workOf, mark } = scratch;
  const compare = deadline ? works.compareDeadline : works.compareAdmission;
  const order = works.order;
  const n = works.count;
  if (admissionKeysHaveNaN(works)) {
    for (let w = 0; w < n; w++) order[w] = w;
    sortByArraySort(order, n, compare, scratch.sortBuffer);
  } else {
    let r = 0;
    for (let i = 0; i < scratch.previousCount; i++) {
      const w = workOf[scratch.previousOrder[i]!]!;
      if (w < 0) continue;
      order[r++] = w;
      mark[w] = 1;
    }
    for (let w = 0; w < n; w++) {
      if (mark[w]) mark[w] = 0;
      else order[r++] = w;
    }
    if (!insertionSort(order, n, compare, 4 * n + 64)) sortByArraySort(order, n, compare, scratch.sortBuffer);
  }
  for (let i = 0; i < n; i++) scratch.previousOrder[i] = works.port[order[i]!]!;
  scratch.previousCount = n;
}

/**
 * Sorts a[0..n) in place by insertion, stable and without allocating, unless that takes more than `budget`
 * moves: then it stops, leaving a permutation of the input, and returns false.
 */
function insertionSort(
  a: Int32Array,
  n: number,
  compare: (x: number, y: number) => number,
  budget: number,
): boolean {
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && compare(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
      if (--budget < 0) {
        a[j + 1] = x;
        return false;
      }
    }
    a[j + 1] = x;
  }
  return true;
}

/** Sorts a[0..n) with Array.prototype.sort (TimSort: the exact order it gives on inconsistent comparators). */
function sortByArraySort(
  a: Int32Array,
  n: number,
  compare: (x: number, y: number) => number,
  buffer: number[],
): void {
  buffer.length = n;
  for (let i = 0; i < n; i++) buffer[i] = a[i]!;
  buffer.sort(compare);
  for (let i = 0; i < n; i++) a[i] = buffer[i]!;
}

/** NaN keys make the comparator inconsistent: then only the demand order reproduces the result. */
function admissionKeysHaveNaN(works: Works): boolean {
  for (let w = 0; w < works.count; w++) {
    if (
      Number.isNaN(works.priority[w]) ||
      Number.isNaN(works.orderTimeMs[w]) ||
      Number.isNaN(works.servedMs[w]) ||
      Number.isNaN(works.lo[w])
    )
      return true;
  }
  return false;
}

/**
 * Admits ports at their minimum in order, pausing those whose minimum does not fit. A waiting port that
 * does not fit reserves the constraints that block it: waiting ports behind it may not start there, so
 * a port with a larger minimum is not overtaken forever by smaller ones (it gets in as soon as the
 * recently started ports reach their rotation interval).
 */
export function admit(scratch: Scratch, factors: FactorTable): void {
  const { works, remaining, classStart, reserved } = scratch;
  const { ks, fs } = factors;
  const exact = factors.anyPhasor ? new PhasorAdmission(scratch, factors) : undefined;
  remaining.set(scratch.capacity);
  classStart.set(remaining);
  // reserved[k] = 1 + the waiting work that reserved constraint k (0 = none).
  reserved.fill(0);
  let classPriority = works.count > 0 ? works.priority[works.order[0]!] : undefined;
  for (let i = 0; i < works.count; i++) {
    const w = works.order[i]!;
    if (works.priority[w] !== classPriority) {
      classPriority = works.priority[w];
      classStart.set(remaining);
      exact?.startClass();
    }
    const lo = works.lo[w]!;
    const hi = works.hi[w]!;
    if (hi + EPS < lo || hi <= 0) {
      // Nothing to give: say why (the car or the demand wants nothing) unless it is just below minimum.
      if (hi <= 0 && works.hiKind[w] !== HI_PORT_MAX) works.reason[w] = REASON_HI;
      continue;
    }
    const waiting = works.group[w] === 1;
    const start = works.kStart[w]!;
    const end = works.kEnd[w]!;
    let blocking = -1;
    for (let j = start; j < end; j++) {
      const k = ks[j]!;
      const over = exact?.isPhasor(k) ? !exact.fits(k, j, lo, false) : remaining[k]! - lo * fs[j]! < -EPS;
      if (over || (waiting && reserved[k])) {
        blocking = k;
        break;
      }
    }
    if (blocking < 0) {
      works.admitted[w] = 1;
      for (let j = start; j < end; j++) remaining[ks[j]!] = remaining[ks[j]!]! - lo * fs[j]!;
      exact?.add(start, end, lo);
      continue;
    }
    const behind = waiting ? reserved[blocking]! - 1 : -1;
    works.reason[w] = REASON_PAUSED;
    works.reasonK[w] = blocking;
    works.behind[w] = behind;
    works.rotation[w] = behind >= 0 ? 1 : 0;
    // Reserve only what the port could have if this class's running ports rotated out.
    if (waiting && behind < 0) {
      for (let j = start; j < end; j++) {
        const k = ks[j]!;
        const full = exact?.isPhasor(k)
          ? !exact.fits(k, j, lo, false) && exact.fits(k, j, lo, true)
          : remaining[k]! - lo * fs[j]! < -EPS && classStart[k]! - lo * fs[j]! >= -EPS;
        if (full && !reserved[k]) reserved[k] = w + 1;
      }
    }
  }
  markRotation(works);
}

/** Admission's loads on phasor constraints (lineModel 'phasor'): sums of phasors, compared by magnitude. */
class PhasorAdmission {
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly startRe: Float64Array;
  private readonly startIm: Float64Array;

  constructor(
    private readonly scratch: Scratch,
    private readonly factors: FactorTable,
  ) {
    this.re = scratch.admitRe;
    this.im = scratch.admitIm;
    this.startRe = scratch.classStartRe;
    this.startIm = scratch.classStartIm;
    this.re.fill(0);
    this.im.fill(0);
    this.startClass();
  }

  isPhasor(k: number): boolean {
    return this.factors.phasor[k] === 1;
  }

  /** Whether factor entry j at `lo` A fits on constraint k, now or (fromClassStart) as at the class start. */
  fits(k: number, j: number, lo: number, fromClassStart: boolean): boolean {
    const re = (fromClassStart ? this.startRe : this.re)[k]! + this.factors.fre[j]! * lo;
    const im = (fromClassStart ? this.startIm : this.im)[k]! + this.factors.fim[j]! * lo;
    const cap = this.scratch.capacity[k]! + EPS;
    return cap >= 0 && re * re + im * im <= cap * cap;
  }

  add(start: number, end: number, lo: number): void {
    const { ks, fre, fim } = this.factors;
    for (let j = start; j < end; j++) {
      this.re[ks[j]!] = this.re[ks[j]!]! + fre[j]! * lo;
      this.im[ks[j]!] = this.im[ks[j]!]! + fim[j]! * lo;
    }
  }

  startClass(): void {
    this.startRe.set(this.re);
    this.startIm.set(this.im);
  }
}

/** A paused port waits for its turn (rotation) when ports of its class or below are running. */
function markRotation(works: Works): void {
  let lowestRunningPriority = Infinity;
  for (let w = 0; w < works.count; w++) {
    if (works.admitted[w]) lowestRunningPriority = Math.min(lowestRunningPriority, works.priority[w]!);
  }
  for (let w = 0; w < works.count; w++) {
    if (
      !works.admitted[w] &&
      works.reason[w] === REASON_PAUSED &&
      works.priority[w]! >= lowestRunningPriority
    )
      works.rotation[w] = 1;
  }
}
