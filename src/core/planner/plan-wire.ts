/**
 * A PlanInput as plain data, to cross to a worker thread (structured clone carries no functions): the
 * price and the net building load forecast are sampled per slot of the plan's grid (now, then every
 * multiple of slotMs up to the horizon) and read back per slot. Pure.
 */
import type { PlanInput } from './plan-types.ts';

export interface WirePlanInput extends Omit<PlanInput, 'pricePerKwh' | 'externalKw'> {
  /** Sample k holds for [gridMs[k], gridMs[k + 1]): gridMs[0] = nowMs, then the multiples of slotMs. */
  readonly gridMs: Float64Array;
  readonly pricePerKwh: Float64Array;
  readonly externalKw: Float64Array | null;
}

/** The instants the plan's slots can start at: now, then every multiple of slotMs before the horizon. */
function grid(nowMs: number, slotMs: number, horizonMs: number): Float64Array {
  const out = [nowMs];
  for (let t = (Math.floor(nowMs / slotMs) + 1) * slotMs; t < nowMs + horizonMs; t += slotMs) out.push(t);
  return Float64Array.from(out);
}

/** The input as plain data (see the file comment). */
export function toWire(input: PlanInput): WirePlanInput {
  const { pricePerKwh, externalKw, ...rest } = input;
  if (!(input.slotMs > 0) || !(input.horizonMs > 0) || !Number.isFinite(input.nowMs))
    throw new RangeError(
      `planner: slotMs (${input.slotMs}) and horizonMs (${input.horizonMs}) must be above 0, nowMs a number`,
    );
  const gridMs = grid(input.nowMs, input.slotMs, input.horizonMs);
  return {
    ...rest,
    gridMs,
    pricePerKwh: gridMs.map((t) => pricePerKwh(t)),
    externalKw: externalKw ? gridMs.map((t) => externalKw(t)) : null,
  };
}

/** The sample holding tMs: the last grid instant at or before it. */
function sampleAt(gridMs: Float64Array, values: Float64Array, tMs: number): number {
  let lo = 0;
  let hi = gridMs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (gridMs[mid]! <= tMs) lo = mid;
    else hi = mid - 1;
  }
  return values[lo] ?? 0;
}

/** The plain data as a PlanInput again. */
export function fromWire(w: WirePlanInput): PlanInput {
  const { gridMs, pricePerKwh, externalKw, ...rest } = w;
  return {
    ...rest,
    pricePerKwh: (t) => sampleAt(gridMs, pricePerKwh, t),
    externalKw: externalKw ? (t) => sampleAt(gridMs, externalKw, t) : undefined,
  };
}
