/** The ports with a car in one allocation, as the allocator works on them: parallel typed arrays. */
import type { PortDemand, PortMemory } from './allocation.ts';

/** Why a port's limit is what it is, as a code; turned into a LimitedBy object only for the result. */
export const REASON_BELOW_MINIMUM = 0;
/** The port's upper bound: see hiKind. */
export const REASON_HI = 1;
/** A circuit (reasonK = its constraint) held the port. */
export const REASON_CIRCUIT = 2;
/** Paused at reasonK, see behind and rotation. */
export const REASON_PAUSED = 3;

/** What set a port's upper bound. */
export const HI_PORT_MAX = 0;
export const HI_DEMAND_MAX = 1;
export const HI_CAR = 2;
export const HI_CLOUD = 3;

/** carCapFlags bits: which of carCapA and carCapSinceMs are set (not null). */
export const CAP_SET = 1;
export const CAP_SINCE_SET = 2;

/**
 * The ports with a car in one call, as parallel arrays indexed by work number (demand order, duplicates
 * and unknown ports dropped). `order` lists the works in admission order.
 */
export class Works {
  count = 0;
  readonly port: Int32Array;
  /** Range of the port's entries in the FactorTable. */
  readonly kStart: Int32Array;
  readonly kEnd: Int32Array;
  readonly priority: Float64Array;
  readonly weight: Float64Array;
  readonly stepA: Float64Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly hiKind: Uint8Array;
  /** For HI_CAR: the measured draw the explanation shows. */
  readonly carMeasuredA: Float64Array;
  /** Admission order group: 0 recently started, 1 waiting, 2 running past the rotation interval. */
  readonly group: Uint8Array;
  readonly orderTimeMs: Float64Array;
  readonly servedMs: Float64Array;
  readonly carCapA: Float64Array;
  readonly carCapSinceMs: Float64Array;
  readonly carCapFlags: Uint8Array;
  /** demand.arrivedAtMs ?? nowMs, set only for a port that has neither run nor waited yet. */
  readonly arrivedAtMs: Float64Array;
  /** The demand and the port's memory from the state passed in (released after the call). */
  readonly demand: (PortDemand | undefined)[];
  readonly memory: (PortMemory | undefined)[];
  /** The demand's measurement, as given. */
  readonly measuredA: (number | undefined)[];
  readonly measuredAtMs: (number | undefined)[];
  readonly admitted: Uint8Array;
  readonly rising: Uint8Array;
  readonly frozen: Uint8Array;
  /** Unrounded filling result, then the final limit. */
  readonly exact: Float64Array;
  readonly currentA: Float64Array;
  readonly reason: Uint8Array;
  readonly reasonK: Int32Array;
  /** For REASON_PAUSED: the waiting work that holds the room (-1 = none), and whether it waits for rotation. */
  readonly behind: Int32Array;
  readonly rotation: Uint8Array;
  readonly order: Int32Array;
  /** Deadline mode: the current each port needs to finish by its departure (A), NaN when unknown. */
  readonly needA: Float64Array;
  /** Deadline mode: time left less the time needed at the maximum (h), Infinity when unknown. */
  readonly laxityH: Float64Array;
  /** Deadline mode: lo, hi and weight as given, while the passes fill with their own. */
  readonly givenLo: Float64Array;
  readonly givenHi: Float64Array;
  readonly givenWeight: Float64Array;
  /** Deadline mode: each port's phase group (allocator-deadline.ts). */
  readonly phaseGroup: Uint8Array;

  constructor(capacity: number) {
    this.phaseGroup = new Uint8Array(capacity);
    this.needA = new Float64Array(capacity);
    this.laxityH = new Float64Array(capacity);
    this.givenLo = new Float64Array(capacity);
    this.givenHi = new Float64Array(capacity);
    this.givenWeight = new Float64Array(capacity);
    this.port = new Int32Array(capacity);
    this.kStart = new Int32Array(capacity);
    this.kEnd = new Int32Array(capacity);
    this.priority = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
    this.stepA = new Float64Array(capacity);
    this.lo = new Float64Array(capacity);
    this.hi = new Float64Array(capacity);
    this.hiKind = new Uint8Array(capacity);
    this.carMeasuredA = new Float64Array(capacity);
    this.group = new Uint8Array(capacity);
    this.orderTimeMs = new Float64Array(capacity);
    this.servedMs = new Float64Array(capacity);
    this.carCapA = new Float64Array(capacity);
    this.carCapSinceMs = new Float64Array(capacity);
    this.carCapFlags = new Uint8Array(capacity);
    this.arrivedAtMs = new Float64Array(capacity);
    this.demand = new Array<PortDemand | undefined>(capacity).fill(undefined);
    this.memory = new Array<PortMemory | undefined>(capacity).fill(undefined);
    this.measuredA = new Array<number | undefined>(capacity).fill(undefined);
    this.measuredAtMs = new Array<number | undefined>(capacity).fill(undefined);
    this.admitted = new Uint8Array(capacity);
    this.rising = new Uint8Array(capacity);
    this.frozen = new Uint8Array(capacity);
    this.exact = new Float64Array(capacity);
    this.currentA = new Float64Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.reasonK = new Int32Array(capacity);
    this.behind = new Int32Array(capacity);
    this.rotation = new Uint8Array(capacity);
    this.order = new Int32Array(capacity);
  }

  /**
   * Admission order: priority classes, then rotation group and time, the least served, the smallest
   * minimum (more sessions fit), then configuration order.
   */
  readonly compareAdmission = (a: number, b: number): number =>
    this.priority[b]! - this.priority[a]! ||
    this.group[a]! - this.group[b]! ||
    this.orderTimeMs[a]! - this.orderTimeMs[b]! ||
    this.servedMs[a]! - this.servedMs[b]! ||
    this.lo[a]! - this.lo[b]! ||
    this.port[a]! - this.port[b]!;

  /**
   * Admission order in deadline mode: priority classes, then ports that started less than a rotation
   * interval ago (they keep running), then everyone else least laxity first, ties as compareAdmission.
   */
  readonly compareDeadline = (a: number, b: number): number => {
    const p = this.priority[b]! - this.priority[a]!;
    if (p !== 0) return p;
    const ra = this.group[a] === 0 ? 0 : 1;
    const rb = this.group[b] === 0 ? 0 : 1;
    if (ra !== rb) return ra - rb;
    if (ra === 1) {
      const l = this.laxityH[a]! - this.laxityH[b]!;
      // Both unknown (Infinity - Infinity) falls through to the fair mode's keys.
      if (l !== 0 && !Number.isNaN(l)) return l;
    }
    return this.compareAdmission(a, b);
  };

  /** Clears the per-call results of works 0..count-1 (inputs are all written by the caller). */
  resetResults(): void {
    const n = this.count;
    this.admitted.fill(0, 0, n);
    this.rising.fill(0, 0, n);
    this.frozen.fill(0, 0, n);
    this.exact.fill(0, 0, n);
    this.currentA.fill(0, 0, n);
    this.reason.fill(REASON_BELOW_MINIMUM, 0, n);
    this.behind.fill(-1, 0, n);
    this.rotation.fill(0, 0, n);
  }

  /** Drops references to the caller's objects once the call is done. */
  release(): void {
    this.demand.fill(undefined, 0, this.count);
    this.memory.fill(undefined, 0, this.count);
  }
}
