/** From the filling's exact limits to limits on each charger's step, without exceeding any capacity. */
import type { FactorTable, Scratch } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { REASON_CIRCUIT } from './allocator-works.ts';
import { EPS, floorStep, roundA } from './current-step.ts';

/**
 * Rounds every limit down to its port's step (never up), then hands out what rounding left over one
 * step at a time, higher priority and larger rounding loss first, while every constraint still holds.
 * Leaves the resulting load per constraint in scratch.used.
 */
export function roundAndTopUp(scratch: Scratch, factors: FactorTable): void {
  const { works, used, candidates } = scratch;
  const { ks, fs } = factors;
  used.fill(0);
  let count = 0;
  for (let r = 0; r < works.count; r++) {
    const w = works.order[r]!;
    if (!works.admitted[w]) continue;
    const stepA = works.stepA[w]!;
    const x = Math.max(works.lo[w]!, floorStep(works.exact[w]!, stepA));
    works.currentA[w] = x;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) used[ks[j]!] = used[ks[j]!]! + fs[j]! * x;
    if (x + stepA <= works.hi[w]! + EPS) candidates[count++] = w;
  }
  repairLinear(scratch, factors);
  if (factors.anyPhasor) {
    phasorLoads(scratch, factors, scratch.works.currentA); // the rounded limits
    repairPhasors(scratch, factors);
  }
  const order = orderCandidates(scratch, count);
  topUp(works, order, count, used, scratch.capacity, factors, scratch);
  if (factors.anyPhasor) {
    const { phasor } = factors;
    for (let k = 0; k < used.length; k++)
      if (phasor[k]) used[k] = Math.hypot(scratch.usedRe[k]!, scratch.usedIm[k]!);
  }
}

/**
 * The filling's exact limits fit every constraint up to float noise; this is the guarantee that the rounded
 * ones do, whatever the filling did (weights that differ by thirteen orders of magnitude in deadline mode
 * once let a line-to-line port rise 0.07 A past a phase's capacity, found by allocator.deadline.test.ts).
 * While a linear constraint is over its capacity, the port that loads it most gives up one step (or pauses,
 * at its minimum). Each round lowers a limit, so this ends; on a sound filling it does nothing.
 */
function repairLinear(scratch: Scratch, factors: FactorTable): void {
  const { works, used, capacity } = scratch;
  const { ks, fs, phasor } = factors;
  for (;;) {
    let over = -1;
    for (let k = 0; k < used.length && over < 0; k++)
      if (!phasor[k] && used[k]! > capacity[k]! + EPS) over = k;
    if (over < 0) return;
    // The port that loads it most.
    const best = heaviestOn(works, ks, over, (j, w) => fs[j]! * works.currentA[w]!);
    if (best < 0) return; // nothing admitted loads it: a capacity below zero, left to admission
    const x = works.currentA[best]!;
    const lowered = oneStepDown(works, best);
    works.currentA[best] = lowered;
    works.reason[best] = REASON_CIRCUIT;
    works.reasonK[best] = over;
    const end = works.kEnd[best]!;
    for (let j = works.kStart[best]!; j < end; j++) used[ks[j]!] = used[ks[j]!]! - fs[j]! * (x - lowered);
  }
}

/**
 * The admitted work with a current whose factor entry j on constraint `k` scores highest (`score(j, w)`,
 * above 0; the first on a tie), or -1: the port a repair lowers.
 */
function heaviestOn(
  works: Works,
  ks: Int32Array,
  k: number,
  score: (j: number, w: number) => number,
): number {
  let best = -1;
  let bestScore = 0;
  for (let w = 0; w < works.count; w++) {
    if (!works.admitted[w] || works.currentA[w]! <= 0) continue;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) {
      if (ks[j] !== k) continue;
      const v = score(j, w);
      if (v > bestScore) {
        bestScore = v;
        best = w;
      }
    }
  }
  return best;
}

/** Work w's current one step lower, or 0 (paused) where that is below its minimum. */
function oneStepDown(works: Works, w: number): number {
  const x = works.currentA[w]!;
  return x - works.stepA[w]! >= works.lo[w]! - EPS ? roundA(x - works.stepA[w]!) : 0;
}

/**
 * Load per constraint of the admitted works carrying `amps` (per work: the rounded limits, or the filling's
 * exact result), as phasor sums (usedRe/usedIm; im = 0 on linear ones).
 */
export function phasorLoads(scratch: Scratch, factors: FactorTable, amps: Float64Array): void {
  const { works, usedRe, usedIm } = scratch;
  const { ks, fre, fim } = factors;
  usedRe.fill(0);
  usedIm.fill(0);
  for (let w = 0; w < works.count; w++) {
    const x = amps[w]!;
    if (!works.admitted[w] || x === 0) continue;
    const end = works.kEnd[w]!;
    for (let j = works.kStart[w]!; j < end; j++) {
      usedRe[ks[j]!] = usedRe[ks[j]!]! + fre[j]! * x;
      usedIm[ks[j]!] = usedIm[ks[j]!]! + fim[j]! * x;
    }
  }
}

/**
 * On a phasor constraint, lowering one current can raise the magnitude (a phasor pointing away from the
 * sum), so rounding down may leave a line over its capacity by a fraction of a step. Until none is, the
 * port that adds most to the over-full line's magnitude gives up one step (or pauses, at its minimum).
 * Each round lowers a limit, so this ends; it is rare, and then takes a handful of rounds.
 */
function repairPhasors(scratch: Scratch, factors: FactorTable): void {
  const { works, usedRe, usedIm, capacity } = scratch;
  const { ks, fre, fim, phasor } = factors;
  for (;;) {
    let over = -1;
    for (let k = 0; k < usedRe.length && over < 0; k++) {
      if (phasor[k] && Math.hypot(usedRe[k]!, usedIm[k]!) > capacity[k]! + EPS) over = k;
    }
    if (over < 0) return;
    // The port whose phasor pulls most along the line's sum.
    const best = heaviestOn(works, ks, over, (j) => usedRe[over]! * fre[j]! + usedIm[over]! * fim[j]!);
    if (best < 0) return; // cannot happen: a non-zero sum has a member pointing along it
    const x = works.currentA[best]!;
    const lowered = oneStepDown(works, best);
    works.currentA[best] = lowered;
    if (lowered === 0) {
      works.reason[best] = REASON_CIRCUIT;
      works.reasonK[best] = over;
    }
    const end = works.kEnd[best]!;
    for (let j = works.kStart[best]!; j < end; j++) {
      const k = ks[j]!;
      scratch.used[k] = scratch.used[k]! - factors.fs[j]! * (x - lowered);
      usedRe[k] = usedRe[k]! - fre[j]! * (x - lowered);
      usedIm[k] = usedIm[k]! - fim[j]! * (x - lowered);
    }
  }
}

/**
 * Top-up order: priority (descending), then rounding loss (descending), ties in admission order. The
 * candidates come in admission order, so by priority already: each priority run is ordered by loss.
 */
function orderCandidates(scratch: Scratch, count: number): Int32Array {
  const { works, candidates, candidatesSorted: sorted, candidateKey: key } = scratch;
  for (let i = 0; i < count; i++) {
    const w = candidates[i]!;
    const loss = works.exact[w]! - works.currentA[w]!;
    const outOfOrder = i > 0 && !(works.priority[w]! <= works.priority[candidates[i - 1]!]!);
    if (Number.isNaN(loss) || outOfOrder) return orderCandidatesByComparator(works, candidates, count);
    key[w] = -loss;
  }
  let start = 0;
  while (start < count) {
    const priority = works.priority[candidates[start]!];
    let end = start + 1;
    while (end < count && works.priority[candidates[end]!] === priority) end++;
    scratch.buckets.order(key, candidates, start, end, sorted);
    start = end;
  }
  return sorted;
}

/** The general case (NaN keys, priorities out of order): the comparator sort, exactly as it always was. */
function orderCandidatesByComparator(works: Works, candidates: Int32Array, count: number): Int32Array {
  const list = Array.from(candidates.subarray(0, count));
  list.sort(
    (a, b) =>
      works.priority[b]! - works.priority[a]! ||
      works.exact[b]! - works.currentA[b]! - (works.exact[a]! - works.currentA[a]!),
  );
  candidates.set(list);
  return candidates;
}

/**
 * Gives one more step to each candidate in order, in rounds, while it fits. A candidate that does not fit
 * never will (loads only grow), so it leaves the list: each round only visits the ones still growing.
 */
function topUp(
  works: Works,
  list: Int32Array,
  count: number,
  used: Float64Array,
  cap: Float64Array,
  factors: FactorTable,
  scratch: Scratch,
): void {
  const { ks, fs, fre, fim, phasor, anyPhasor } = factors;
  const { usedRe, usedIm } = scratch;
  let live = count;
  while (live > 0) {
    let kept = 0;
    for (let i = 0; i < live; i++) {
      const w = list[i]!;
      const stepA = works.stepA[w]!;
      const x = works.currentA[w]!;
      if (x + stepA > works.hi[w]! + EPS) continue;
      const start = works.kStart[w]!;
      const end = works.kEnd[w]!;
      let fits = true;
      for (let j = start; j < end && fits; j++) {
        const k = ks[j]!;
        if (anyPhasor && phasor[k]) {
          const re = usedRe[k]! + fre[j]! * stepA;
          const im = usedIm[k]! + fim[j]! * stepA;
          const c = cap[k]! + EPS;
          if (c < 0 || re * re + im * im > c * c) fits = false;
        } else if (used[k]! + fs[j]! * stepA > cap[k]! + EPS) fits = false;
      }
      if (!fits) continue;
      works.currentA[w] = roundA(x + stepA);
      for (let j = start; j < end; j++) used[ks[j]!] = used[ks[j]!]! + fs[j]! * stepA;
      if (anyPhasor) {
        for (let j = start; j < end; j++) {
          usedRe[ks[j]!] = usedRe[ks[j]!]! + fre[j]! * stepA;
          usedIm[ks[j]!] = usedIm[ks[j]!]! + fim[j]! * stepA;
        }
      }
      list[kept++] = w;
    }
    live = kept;
  }
}
