/**
 * The site battery of `fusebox simulate --battery-kwh KWH --battery-kw KW` (docs/simulate.md, "Site
 * battery"): a stationary battery at the grid connection, where the building load and PV also count. Its
 * power (charging positive, as a battery meter reads it: docs/meters.md) adds to the grid import and to
 * every limit the building load counts on.
 *
 * Physics per step, at the AC side: the power is held within ±maxKw and within the energy window between
 * the reserve and the maximum state of charge (the window the site file's `reserveSocPct` and `maxSocPct`
 * set live); the round-trip efficiency is split evenly between the two ways (√η charging, √η discharging),
 * so that a kWh stored and taken back returns η kWh.
 */

export interface SiteBatterySpec {
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** Never discharged below / charged above these states of charge, %. */
  readonly reserveSocPct: number;
  readonly maxSocPct: number;
  /** AC to AC, 0–1. */
  readonly roundTripEfficiency: number;
  /** State of charge at the start of the run, %. */
  readonly initialSocPct: number;
}

/** Defaults of the command line (docs/simulate.md). */
export const SITE_BATTERY_DEFAULTS = {
  reserveSocPct: 10,
  maxSocPct: 100,
  roundTripEfficiency: 0.9,
  initialSocPct: 50,
} as const;

/** A spec from the command line's numbers, with the defaults; the initial SoC within the window. */
export function siteBatterySpec(o: {
  capacityKwh: number;
  maxKw: number;
  reserveSocPct?: number | undefined;
  roundTripEfficiency?: number | undefined;
  initialSocPct?: number | undefined;
}): SiteBatterySpec {
  const reserveSocPct = o.reserveSocPct ?? SITE_BATTERY_DEFAULTS.reserveSocPct;
  const maxSocPct = SITE_BATTERY_DEFAULTS.maxSocPct;
  const initial = o.initialSocPct ?? SITE_BATTERY_DEFAULTS.initialSocPct;
  return {
    capacityKwh: o.capacityKwh,
    maxChargeKw: o.maxKw,
    maxDischargeKw: o.maxKw,
    reserveSocPct,
    maxSocPct,
    roundTripEfficiency: o.roundTripEfficiency ?? SITE_BATTERY_DEFAULTS.roundTripEfficiency,
    initialSocPct: Math.min(maxSocPct, Math.max(reserveSocPct, initial)),
  };
}

/** One-way efficiency (√ of the round trip). */
export function oneWayEfficiency(spec: SiteBatterySpec): number {
  return Math.sqrt(spec.roundTripEfficiency);
}

/**
 * What the battery does in one step of `hours` when told `commandKw` (charging positive) at `socKwh`:
 * the power it takes or gives at its AC side and its energy after the step.
 */
export function stepBattery(
  spec: SiteBatterySpec,
  socKwh: number,
  commandKw: number,
  hours: number,
): { readonly kw: number; readonly socKwh: number } {
  const eta = oneWayEfficiency(spec);
  const lo = (spec.reserveSocPct / 100) * spec.capacityKwh;
  const hi = (spec.maxSocPct / 100) * spec.capacityKwh;
  if (!(commandKw !== 0) || !(hours > 0) || !Number.isFinite(commandKw)) return { kw: 0, socKwh };
  if (commandKw > 0) {
    const kw = Math.min(commandKw, spec.maxChargeKw, Math.max(0, hi - socKwh) / (eta * hours));
    return { kw, socKwh: Math.min(hi, socKwh + kw * hours * eta) };
  }
  const kw = Math.min(-commandKw, spec.maxDischargeKw, (Math.max(0, socKwh - lo) * eta) / hours);
  return { kw: -kw, socKwh: Math.max(lo, socKwh - (kw * hours) / eta) };
}

/** What a policy sees of the battery at the start of a step. */
export interface BatteryView {
  readonly spec: SiteBatterySpec;
  readonly socPct: number;
  /** Its power in the step before, kW (charging positive): what its meter measured. */
  readonly lastKw: number;
}
