/**
 * Deadline mode's last step (docs/allocation.md): among ports that load every full constraint alike,
 * current moves from the sessions with the most laxity to those with the least, as least-laxity-first
 * would have shared it. The full constraints carry the same load after each move (the two ports'
 * coefficients on them are equal), and each move is capped where another constraint would overflow, so
 * the circuits carry what they carried and the filling's balance of phases is kept; only who gets it
 * changes. With a single constraint (every port on one circuit) this is least-laxity-first.
 */
import type { FactorTable, Scratch } from './allocator-scratch.ts';
import type { Works } from './allocator-works.ts';
import { phasorLoads } from './allocator-round.ts';
import { REASON_CIRCUIT, REASON_HI } from './allocator-works.ts';
import { EPS } from './current-step.ts';

/** A constraint counts as full when its load is within this share of its capacity (float noise). */
const FULL_TOLERANCE = 1e-9;

/**
 * Reorders `exact` among the admitted ports with a known laxity (works.laxityH finite), within each set of
 * ports of one priority with the same coefficients on every full constraint. Ports without a departure
 * keep what the filling gave them.
 */
export function orderByLaxity(scratch: Scratch, factors: FactorTable): void {
  const { works } = scratch;
  const n = works.count;
  phasorLoads(scratch, factors, works.exact); // the filling's result
  const full = fullConstraints(scratch, factors);
  // Candidates in laxity order (stable: ties in work order), then grouped by their key.
  const ids = scratch.laxityIds;
  let m = 0;
  for (let w = 0; w < n; w++) {
    if (!works.admitted[w] || !Number.isFinite(works.laxityH[w]!)) continue;
    if (works.givenHi[w]! - works.givenLo[w]! <= EPS) continue;
    ids[m++] = w;
  }
  if (m < 2) return;
  const sorted = scratch.laxitySorted;
  scratch.buckets.order(works.laxityH, ids, 0, m, sorted);
  const classes = scratch.laxityClasses;
  classes.clear();
  const next = scratch.laxityNext;
  const tail = scratch.laxityTail;
  let heads = 0;
  const head = scratch.laxityHeads;
  for (let i = 0; i < m; i++) {
    const w = sorted[i]!;
    next[w] = -1;
    let h = keyHash(works, factors, full, w);
    // Open addressing on the hash: a different key with the same hash takes the next slot.
    for (;;) {
      const c = classes.get(h);
      if (c === undefined) {
        classes.set(h, heads);
        head[heads] = w;
        tail[heads++] = w;
        break;
      }
      if (sameKey(works, factors, full, head[c]!, w)) {
        next[tail[c]!] = w;
        tail[c] = w;
        break;
      }
      h = (h + 1) | 0;
    }
  }
  const members = scratch.laxityMembers;
  for (let c = 0; c < heads; c++) {
    let count = 0;
    for (let w = head[c]!; w >= 0; w = next[w]!) members[count++] = w;
    if (count > 1) shift(works, factors, scratch, full, members, count);
  }
  scratch.laxityClasses.clear();
}

/** Marks the constraints whose load reaches their capacity. */
function fullConstraints(scratch: Scratch, factors: FactorTable): Uint8Array {
  const { usedRe, usedIm, capacity } = scratch;
  const full = scratch.full;
  for (let k = 0; k < full.length; k++) {
    const cap = capacity[k]!;
    if (cap === Infinity) {
      full[k] = 0;
      continue;
    }
    const load = factors.phasor[k] ? Math.hypot(usedRe[k]!, usedIm[k]!) : usedRe[k]!;
    full[k] = load >= cap - FULL_TOLERANCE * Math.max(1, Math.abs(cap)) ? 1 : 0;
  }
  return full;
}

const hashBits = new Float64Array(2);
const hashWords = new Uint32Array(hashBits.buffer);

/** A hash of the port's priority and its coefficients on full constraints. */
function keyHash(works: Works, factors: FactorTable, full: Uint8Array, w: number): number {
  const { ks, fre, fim } = factors;
  hashBits[0] = works.priority[w]!;
  let h = Math.imul(hashWords[0]! ^ 0x9e3779b9, 0x85ebca6b) ^ hashWords[1]!;
  const end = works.kEnd[w]!;
  for (let j = works.kStart[w]!; j < end; j++) {
    const k = ks[j]!;
    if (!full[k]) continue;
    hashBits[0] = fre[j]!;
    hashBits[1] = fim[j]!;
    h = Math.imul(h ^ k, 0xcc9e2d51);
    h = Math.imul(h ^ hashWords[0]!, 0x1b873593) ^ hashWords[1]!;
    h = Math.imul(h ^ hashWords[2]!, 0x85ebca6b) ^ hashWords[3]!;
    h ^= h >>> 15;
  }
  return h;
}

/** Whether two ports have the same priority and the same coefficients on the same full constraints. */
function sameKey(works: Works, factors: FactorTable, full: Uint8Array, a: number, b: number): boolean {
  if (works.priority[a] !== works.priority[b]) return false;
  const { ks, fre, fim } = factors;
  let i = works.kStart[a]!;
  let j = works.kStart[b]!;
  const ie = works.kEnd[a]!;
  const je = works.kEnd[b]!;
  for (;;) {
    while (i < ie && !full[ks[i]!]) i++;
    while (j < je && !full[ks[j]!]) j++;
    if (i === ie || j === je) return i === ie && j === je;
    if (ks[i] !== ks[j] || fre[i] !== fre[j] || fim[i] !== fim[j]) return false;
    i++;
    j++;
  }
}

/**
 * Within one class (members in laxity order), the least-laxity port takes from the most-laxity one until
 * it reaches its maximum, the giver its minimum, or another constraint its capacity.
 */
function shift(
  works: Works,
  factors: FactorTable,
  scratch: Scratch,
  full: Uint8Array,
  members: Int32Array,
  count: number,
): void {
  let r = 0;
  let g = count - 1;
  while (r < g) {
    const to = members[r]!;
    const from = members[g]!;
    const want = works.givenHi[to]! - works.exact[to]!;
    if (want <= EPS) {
      r++;
      continue;
    }
    const have = works.exact[from]! - works.givenLo[from]!;
    if (have <= EPS) {
      g--;
      continue;
    }
    const room = roomToMove(factors, scratch, full, to, from, works, Math.min(want, have));
    if (room <= EPS) {
      r++;
      continue;
    }
    move(factors, scratch, full, to, from, works, room);
    works.exact[to] = works.exact[to]! + room;
    works.exact[from] = works.exact[from]! - room;
    settleReason(works, factors, full, to);
    settleReason(works, factors, full, from);
  }
}

/** How much (≤ limit) can move from `from` to `to` while every constraint they do not load alike holds. */
function roomToMove(
  factors: FactorTable,
  scratch: Scratch,
  full: Uint8Array,
  to: number,
  from: number,
  works: Works,
  limit: number,
): number {
  let room = limit;
  const { ks, fre, fim } = factors;
  const te = works.kEnd[to]!;
  for (let j = works.kStart[to]!; j < te && room > 0; j++) {
    const k = ks[j]!;
    if (full[k]) continue; // the same coefficient on both: no change
    const other = entryOf(works, factors, from, k);
    const dRe = fre[j]! - (other >= 0 ? fre[other]! : 0);
    const dIm = fim[j]! - (other >= 0 ? fim[other]! : 0);
    room = Math.min(room, maxStep(factors, scratch, k, dRe, dIm));
  }
  const fe = works.kEnd[from]!;
  for (let j = works.kStart[from]!; j < fe && room > 0; j++) {
    const k = ks[j]!;
    if (full[k] || entryOf(works, factors, to, k) >= 0) continue;
    room = Math.min(room, maxStep(factors, scratch, k, -fre[j]!, -fim[j]!));
  }
  return Math.max(0, room);
}

/** Applies a move of `amount` to the loads of the constraints the two ports do not load alike. */
function move(
  factors: FactorTable,
  scratch: Scratch,
  full: Uint8Array,
  to: number,
  from: number,
  works: Works,
  amount: number,
): void {
  const { ks, fre, fim } = factors;
  const { usedRe, usedIm } = scratch;
  const te = works.kEnd[to]!;
  for (let j = works.kStart[to]!; j < te; j++) {
    const k = ks[j]!;
    if (full[k]) continue;
    usedRe[k] = usedRe[k]! + fre[j]! * amount;
    usedIm[k] = usedIm[k]! + fim[j]! * amount;
  }
  const fe = works.kEnd[from]!;
  for (let j = works.kStart[from]!; j < fe; j++) {
    const k = ks[j]!;
    if (full[k]) continue;
    usedRe[k] = usedRe[k]! - fre[j]! * amount;
    usedIm[k] = usedIm[k]! - fim[j]! * amount;
  }
}

/** The factor entry of work w on constraint k, -1 when it does not load it. */
function entryOf(works: Works, factors: FactorTable, w: number, k: number): number {
  const end = works.kEnd[w]!;
  for (let j = works.kStart[w]!; j < end; j++) if (factors.ks[j] === k) return j;
  return -1;
}

/** Largest s ≥ 0 with the load of constraint k plus s·(dRe + j·dIm) within its capacity. */
function maxStep(factors: FactorTable, scratch: Scratch, k: number, dRe: number, dIm: number): number {
  const cap = scratch.capacity[k]!;
  if (cap === Infinity) return Infinity;
  const re = scratch.usedRe[k]!;
  if (!factors.phasor[k]) return dRe > 0 ? Math.max(0, (cap - re) / dRe) : Infinity;
  const im = scratch.usedIm[k]!;
  // |S + s·d|² = cap²: the larger root of a·s² + 2b·s + c = 0 (c ≤ 0 while the line is within capacity).
  const a = dRe * dRe + dIm * dIm;
  if (a <= 0) return Infinity;
  const b = re * dRe + im * dIm;
  const c = re * re + im * im - cap * cap;
  if (c >= 0) return 0;
  const root = Math.sqrt(b * b - a * c);
  return b <= 0 ? (root - b) / a : -c / (b + root);
}

/** Keeps the reason of a port whose limit moved truthful: its maximum, or a full constraint it loads. */
function settleReason(works: Works, factors: FactorTable, full: Uint8Array, w: number): void {
  if (works.exact[w]! >= works.givenHi[w]! - EPS) {
    works.reason[w] = REASON_HI;
    return;
  }
  if (works.reason[w] === REASON_CIRCUIT) return;
  const end = works.kEnd[w]!;
  for (let j = works.kStart[w]!; j < end; j++) {
    if (!full[factors.ks[j]!]) continue;
    works.reason[w] = REASON_CIRCUIT;
    works.reasonK[w] = factors.ks[j]!;
    return;
  }
}
