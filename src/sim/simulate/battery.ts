/**
 * What a car accepts in one step: an ideal battery follows the pilot up to its max power; the optional
 * two-stage battery (ACN-Sim's Linear2StageBattery) takes full power up to a state-of-charge threshold and
 * then a power falling linearly to zero at full.
 */

/** The optional taper model: each car's battery is `capacityKwh` (at least its demand) and ends full. */
export interface TaperModel {
  /** State of charge (0–1) where the taper starts. */
  readonly thresholdSoc: number;
  readonly capacityKwh: number;
}

const SUBSTEPS = 10;

/**
 * Energy in kWh a car takes in one step of `hours` when offered `offeredKw`, capped by its max power and
 * by what it still needs; with a taper model, also by its battery's acceptance.
 */
export function acceptedKwh(
  offeredKw: number,
  maxPowerKw: number,
  remainingKwh: number,
  demandKwh: number,
  hours: number,
  taper?: TaperModel,
): number {
  const p = Math.min(offeredKw, maxPowerKw);
  if (!(p > 0) || !(remainingKwh > 0)) return 0;
  if (!taper) return Math.min(p * hours, remainingKwh);
  // The session's demand fills the battery: state of charge = 1 − remaining / capacity.
  const cap = Math.max(taper.capacityKwh, demandKwh);
  const th = Math.min(Math.max(taper.thresholdSoc, 0), 0.999);
  const dt = hours / SUBSTEPS;
  let left = remainingKwh;
  let got = 0;
  for (let s = 0; s < SUBSTEPS && left > 0; s++) {
    const soc = 1 - left / cap;
    const limitKw = soc <= th ? maxPowerKw : (maxPowerKw * (1 - soc)) / (1 - th);
    const e = Math.min(Math.min(p, limitKw) * dt, left);
    got += e;
    left -= e;
  }
  return got;
}
