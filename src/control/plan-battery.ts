/**
 * The site battery in the live plan (docs/control.md, "The planner" and "Batteries"): the first battery of
 * the site file that Fusebox commands (`control`), with a state of charge the control loop read, becomes the
 * planner's `PlanInput.battery` (src/core/planner/battery-lp.ts): its energy now, its reserve and maximum
 * state of charge, its power limits and, per limit row, the load 1 kW of its charge puts on it (its circuit
 * and every one above, as the real-time dispatch counts a charge: core/battery.ts batteryLoadFactors). Its
 * one-way efficiency is taken as √0.9 (the site file does not give one), and a kWh through it costs 1e-4
 * (no cycling for nothing). Pure.
 */
import { batteryLoadFactors } from '../core/battery.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import { lpRows } from '../core/planner/lp-rows.ts';
import type { Plan, PlanBattery } from '../core/planner/plan-types.ts';
import { runningSlot } from '../core/planner/plan-targets.ts';
import { networkFromSite } from '../core/planner/site-network.ts';
import type { SiteBattery } from '../core/site.ts';

/** One-way efficiency assumed for a site battery (90 % round trip, as the offline study's default). */
export const BATTERY_ONE_WAY_EFFICIENCY = Math.sqrt(0.9);

/** A weight against cycling the battery for nothing, $/kWh through it (below any real price difference). */
export const BATTERY_WEAR_PER_KWH = 1e-4;

/** The planned battery: which one, and its numbers for the LP. */
export interface PlannedBatteryInput {
  readonly battery: SiteBattery;
  readonly input: PlanBattery;
}

const rowFactors = new WeakMap<CompiledSite, Map<string, Float64Array>>();

/**
 * Per limit row of `planConstraints(networkFromSite(cs).network)` (same order), the units 1 kW of the
 * battery's charge adds: A per phase on its circuit's and its ancestors' phase limits, 1 per kW limit.
 */
export function batteryRowFactors(cs: CompiledSite, b: SiteBattery): Float64Array {
  let m = rowFactors.get(cs);
  if (!m) rowFactors.set(cs, (m = new Map<string, Float64Array>()));
  const hit = m.get(b.id);
  if (hit) return hit;
  const load = batteryLoadFactors(cs, b);
  const { network } = networkFromSite(cs);
  const out: number[] = [];
  for (const c of network.constraints) {
    const ci = cs.circuitIndex.get(c.circuitId);
    const d = c.phase === 'kW' ? 3 : c.phase === 'L1' ? 0 : c.phase === 'L2' ? 1 : c.phase === 'L3' ? 2 : -1;
    const f = ci === undefined || d < 0 ? 0 : load[ci * DIM_COUNT + d]!;
    for (let r = lpRows(network, c).length; r > 0; r--) out.push(f);
  }
  const f = Float64Array.from(out);
  m.set(b.id, f);
  return f;
}

/** The battery to plan and its LP input; null when none is commanded or its state of charge is unknown. */
export function planBatteryInput(
  cs: CompiledSite,
  socPct: ReadonlyMap<string, number>,
): PlannedBatteryInput | null {
  for (const b of cs.site.batteries ?? []) {
    const soc = socPct.get(b.id);
    if (!b.control || soc === undefined || !Number.isFinite(soc)) continue;
    const minKwh = (b.reserveSocPct / 100) * b.capacityKwh;
    const maxKwh = (b.maxSocPct / 100) * b.capacityKwh;
    const energyKwh = (Math.min(100, Math.max(0, soc)) / 100) * b.capacityKwh;
    return {
      battery: b,
      input: {
        energyKwh,
        // Below its reserve (or above its maximum) now: the plan may not take it further that way.
        minKwh: Math.min(minKwh, energyKwh),
        maxKwh: Math.max(maxKwh, energyKwh),
        maxChargeKw: b.maxChargeKw,
        maxDischargeKw: b.maxDischargeKw,
        efficiency: BATTERY_ONE_WAY_EFFICIENCY,
        perKw: batteryRowFactors(cs, b),
        wearPerKwh: BATTERY_WEAR_PER_KWH,
      },
    };
  }
  return null;
}

/** The battery's planned power for the slot running at nowMs, kW (charging positive); null without. */
export function plannedBatteryKw(p: Plan, nowMs: number): number | null {
  if (!p.battery) return null;
  return p.battery.kw[runningSlot(p, nowMs)] ?? null;
}

/** The battery's schedule per slot from `fromSlot`, for the API: kW and state of charge after the slot, %. */
export function batterySlots(
  p: Plan,
  b: SiteBattery | undefined,
  fromSlot: number,
): { kw: number; socPct: number }[] | null {
  if (!p.battery || !b) return null;
  const out = [];
  for (let k = fromSlot; k < p.battery.kw.length; k++)
    out.push({ kw: p.battery.kw[k]!, socPct: (100 * p.battery.energyKwh[k]!) / b.capacityKwh });
  return out;
}
