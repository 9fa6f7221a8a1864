/**
 * Deadline mode (site allocation.mode 'deadline', docs/allocation.md): filling in two passes over the
 * admitted ports.
 *
 * 1. Must-have: every session with a known departure and remaining energy rises towards the current it
 *    needs to finish on time (remaining energy / time left, within its bounds), urgent ones faster: the
 *    weight is need / (laxity + a minute), laxity being the time left less the time it needs at its
 *    maximum, as in least-laxity-first. Weights are evened out over phase connections (see
 *    balancePhaseGroups), so that a crowded phase pair does not fill its lines while the others idle.
 * 2. The rest: weighted max-min from where pass 1 left every port, exactly the fair mode's filling.
 * 3. Laxity order (allocator-laxity-order.ts): among ports that load every full constraint alike, current
 *    moves from the sessions with most laxity to those with least, as least-laxity-first would share it.
 *    The passes decide how much each phase connection and circuit carries; this step decides who gets it.
 *
 * Without departure information nobody needs anything in pass 1 and the result is the fair mode's.
 */
import type { FactorTable, Scratch } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { orderByLaxity } from './allocator-laxity-order.ts';
import { DIM_COUNT } from './compiled-site.ts';
import { EPS } from './current-step.ts';
import { demandDepartureMs, demandEnergyKwh } from './demand-fields.ts';

const MS_PER_HOUR = 3_600_000;
/** Added to the laxity (h) so that a session with none left has a finite, very large weight. */
const LAXITY_FLOOR_H = 1 / 60;

/**
 * Each work's need (A) and laxity (h) from its demand's departure and remaining energy: NaN need
 * and Infinity laxity when either is missing. Admission orders by the laxity (Works.compareDeadline).
 */
export function deadlineKeys(works: Works, factors: FactorTable, nowMs: number): void {
  for (let w = 0; w < works.count; w++) {
    works.needA[w] = Number.NaN;
    works.laxityH[w] = Infinity;
    const departureMs = demandDepartureMs(works.demand[w]!);
    const energyKwh = demandEnergyKwh(works.demand[w]!);
    if (departureMs === undefined || energyKwh === undefined) continue;
    if (!Number.isFinite(departureMs) || !(energyKwh > 0)) continue;
    const kwPerA = ownKwPerA(factors, works.kStart[w]!, works.kEnd[w]!);
    if (!(kwPerA > 0)) continue;
    const leftMs = departureMs - nowMs;
    const hours = energyKwh / kwPerA;
    works.needA[w] = leftMs > 0 ? hours / (leftMs / MS_PER_HOUR) : Infinity;
    const hi = works.hi[w]!;
    if (hi > 0) works.laxityH[w] = leftMs / MS_PER_HOUR - hours / hi;
  }
}

/** Sets `exact` and the reasons of the admitted works, as Filler.run does in the fair mode. */
export function fillByDeadline(scratch: Scratch, factors: FactorTable): void {
  const { works, filler } = scratch;
  const n = works.count;
  works.givenLo.set(works.lo.subarray(0, n));
  works.givenHi.set(works.hi.subarray(0, n));
  works.givenWeight.set(works.weight.subarray(0, n));
  let anyNeed = false;
  for (let w = 0; w < n && !anyNeed; w++)
    if (works.admitted[w] && !Number.isNaN(works.needA[w])) anyNeed = true;
  if (anyNeed) {
    mustHaveBounds(works);
    balancePhaseGroups(works, factors);
    filler.run(works, factors, scratch.capacity);
    // Pass 2 starts every port where pass 1 left it.
    for (let w = 0; w < n; w++) {
      works.lo[w] = works.admitted[w] ? works.exact[w]! : works.givenLo[w]!;
      works.hi[w] = works.givenHi[w]!;
    }
    restWeights(works);
    works.frozen.fill(0, 0, n);
    works.rising.fill(0, 0, n);
  }
  filler.run(works, factors, scratch.capacity);
  if (anyNeed) orderByLaxity(scratch, factors);
  works.lo.set(works.givenLo.subarray(0, n));
  works.weight.set(works.givenWeight.subarray(0, n));
}

/** need / (laxity + floor): how fast a session rises in both passes (need capped at its maximum). */
function urgency(works: Works, w: number): number {
  const need = Math.min(works.needA[w]!, works.givenHi[w]!);
  return Math.max(need, EPS) / (Math.max(0, works.laxityH[w]!) + LAXITY_FLOOR_H);
}

/**
 * Pass 2 weights: the urgency again, now up to the maximum and without phase balancing; a session without
 * a departure counts as averagely urgent (the mean of the others), so it keeps its share of the rest.
 */
function restWeights(works: Works): void {
  let sum = 0;
  let count = 0;
  for (let w = 0; w < works.count; w++) {
    if (!works.admitted[w] || Number.isNaN(works.needA[w])) continue;
    sum += urgency(works, w);
    count++;
  }
  const mean = count > 0 ? sum / count : 1;
  for (let w = 0; w < works.count; w++) {
    const u = Number.isNaN(works.needA[w]) ? mean : urgency(works, w);
    works.weight[w] = works.givenWeight[w]! * u;
  }
}

/** Pass 1 bounds and weights: up to the need, weight need / (laxity + floor); no need: stays at minimum. */
function mustHaveBounds(works: Works): void {
  for (let w = 0; w < works.count; w++) {
    if (!works.admitted[w]) continue;
    const lo = works.givenLo[w]!;
    const hi = works.givenHi[w]!;
    const need = works.needA[w]!;
    if (Number.isNaN(need) || hi <= EPS) {
      works.hi[w] = lo;
      continue;
    }
    works.hi[w] = Math.min(hi, Math.max(lo, need));
    works.weight[w] = works.givenWeight[w]! * urgency(works, w);
  }
}

/**
 * Evens out the pass-1 weights over phase connections: ports are grouped by the phases they draw on at
 * their own circuit (L1, L1-L2, ...), and each group present gets the same total weight, the mean of the
 * groups' totals. On line-to-line ports this keeps the three line pairs level, where a line's current is
 * lowest for a given power (|I_AB - I_CA| is √3·I when balanced, 2·I with one pair only). Three-phase
 * ports are balanced by themselves and keep their weights.
 */
function balancePhaseGroups(works: Works, factors: FactorTable): void {
  const total = [0, 0, 0, 0, 0, 0, 0, 0];
  const group = works.phaseGroup;
  for (let w = 0; w < works.count; w++) {
    group[w] = 0;
    if (!works.admitted[w] || works.hi[w]! - works.lo[w]! <= EPS) continue;
    const g = phaseMask(factors, works.kStart[w]!, works.kEnd[w]!);
    if (g === 0 || g === 7) continue;
    group[w] = g;
    total[g] = total[g]! + works.weight[w]!;
  }
  let sum = 0;
  let count = 0;
  for (let g = 1; g < 7; g++) {
    if (total[g]! <= 0) continue;
    sum += total[g]!;
    count++;
  }
  if (count < 2) return;
  const mean = sum / count;
  for (let w = 0; w < works.count; w++) {
    const g = group[w]!;
    if (g !== 0) works.weight[w] = (works.weight[w]! * mean) / total[g]!;
  }
}

/** Bits 0-2: the phases a port loads on its own circuit (the first level of its factors). */
function phaseMask(factors: FactorTable, start: number, end: number): number {
  const circuit = Math.floor(factors.ks[start]! / DIM_COUNT);
  let mask = 0;
  for (let j = start; j < end; j++) {
    const k = factors.ks[j]!;
    if (Math.floor(k / DIM_COUNT) !== circuit) break;
    if (k % DIM_COUNT < 3) mask |= 1 << (k % DIM_COUNT);
  }
  return mask;
}

/** kW per A of a port on its own circuit: its first kW factor (factors are in path order). */
function ownKwPerA(factors: FactorTable, start: number, end: number): number {
  for (let j = start; j < end; j++) if (factors.ks[j]! % DIM_COUNT === 3) return factors.fs[j]!;
  return 0;
}
