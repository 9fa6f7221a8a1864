/**
 * A battery's currents on the circuits above it (docs/control.md, "Batteries"): what 1 kW puts on or takes
 * off each line (linear factors and phasors), the angle between its line currents and the EV currents beside
 * it, and what the EVs may draw on a line with a discharge counted. Pure; cached per compiled site.
 */
import type { CompiledSite } from './compiled-site.ts';
import { carryUp, DIM_COUNT, portLoadFactors } from './compiled-site.ts';
import { phaseIndex, wiringConductors } from './phases.ts';
import { carryPhasorsUp, PHASE_ANGLE } from './phasor-factors.ts';
import type { SiteBattery, Supply } from './site.ts';
const factorCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();
const reliefCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();
const phasorCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();
const angleCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();

function cached(
  caches: WeakMap<CompiledSite, Map<string, Float64Array>>,
  cs: CompiledSite,
  battery: SiteBattery,
  make: () => Float64Array,
): Float64Array {
  let cache = caches.get(cs);
  if (!cache) caches.set(cs, (cache = new Map<string, Float64Array>()));
  let out = cache.get(battery.id);
  if (!out) cache.set(battery.id, (out = make()));
  return out;
}

/** The battery's phases its circuit has, and the current per phase of 1 kW, in A. */
function batteryPhases(cs: CompiledSite, start: number, battery: SiteBattery): [number[], number] {
  const supply = cs.circuits[start]!.supply;
  const phases = battery.phases.filter((p) => supply.phases.includes(p)).map(phaseIndex);
  return [phases, 1000 / (supply.lineToNeutralV * Math.max(1, phases.length))];
}

/**
 * Load of 1 kW of battery charge on every circuit (circuits × DIM_COUNT; zero off its path): carried up like
 * a port's load (compiled-site.ts carryUp), so at most what it really draws (a balanced load on a delta-wye
 * primary by up to 2/√3 more). For what a charge adds.
 */
export function batteryLoadFactors(cs: CompiledSite, battery: SiteBattery): Float64Array {
  return cached(factorCache, cs, battery, () => {
    const out = new Float64Array(cs.circuits.length * DIM_COUNT);
    const start = cs.circuitIndex.get(battery.circuitId);
    if (start === undefined) return out;
    const [phases, perPhaseA] = batteryPhases(cs, start, battery);
    for (const p of phases) out[start * DIM_COUNT + p] = perPhaseA;
    out[start * DIM_COUNT + 3] = 1;
    for (let c = start; cs.parent[c]! >= 0; c = cs.parent[c]!)
      carryUp(cs.toParent[c] ?? null, out, c * DIM_COUNT, cs.parent[c]! * DIM_COUNT);
    return out;
  });
}

/**
 * Relief of 1 kW of battery discharge on every circuit (circuits × DIM_COUNT; zero off its path): the
 * current it takes off each line, never more. Where the circuits share a supply that is the load factor;
 * through a three-phase transformer it is the magnitude of its line current carried up as phasors like a
 * port's (phasor-factors.ts carryPhasorsUp: 1000 / (√3 · V_LL) A per kW balanced, where the linear model
 * counts 2/√3 times that); above any other supply change, whose primary phases the model does not know, 0 A
 * on every phase. Power passes through: 1 kW on every circuit of its path.
 */
export function batteryReliefFactors(cs: CompiledSite, battery: SiteBattery): Float64Array {
  return cached(reliefCache, cs, battery, () => {
    const out = new Float64Array(cs.circuits.length * DIM_COUNT);
    const start = cs.circuitIndex.get(battery.circuitId);
    if (start === undefined) return out;
    const v = batteryPhasors(cs, battery);
    for (let c = start; c >= 0; c = cs.parent[c]!) {
      out[c * DIM_COUNT + 3] = 1;
      for (let d = 0; d < 3; d++)
        out[c * DIM_COUNT + d] = Math.hypot(v[c * 6 + 2 * d]!, v[c * 6 + 2 * d + 1]!);
    }
    return out;
  });
}

/**
 * Line current phasors of 1 kW of battery charge on every circuit (circuits × 6: re, im per line; zero off its
 * path and where unknown, see batteryReliefFactors): power factor 1, in phase with each line's voltage at its
 * own circuit, carried up through three-phase transformers as phasors.
 */
export function batteryPhasors(cs: CompiledSite, battery: SiteBattery): Float64Array {
  return cached(phasorCache, cs, battery, () => {
    const out = new Float64Array(cs.circuits.length * 6);
    const start = cs.circuitIndex.get(battery.circuitId);
    if (start === undefined) return out;
    const supply = cs.circuits[start]!.supply;
    const [phases, perPhaseA] = batteryPhases(cs, start, battery);
    const angles = voltageAngles(supply);
    const three = supply.phases.length === 3;
    const v = new Float64Array(6);
    for (const p of phases) {
      v[2 * p] = perPhaseA * Math.cos(angles[p]!);
      v[2 * p + 1] = perPhaseA * Math.sin(angles[p]!);
    }
    for (let c = start; c >= 0; c = cs.parent[c]!) {
      out.set(v, c * 6);
      const up = cs.parent[c]!;
      if (up < 0) break;
      const m = cs.toParent[c] ?? null;
      if (!m) continue;
      if (!three || cs.circuits[up]!.supply.phases.length !== 3) break;
      carryPhasorsUp(m, v, 0, 0);
    }
    return out;
  });
}

/**
 * Power factor the cars are assumed to draw at, at least (chargers run close to 1): a car's current on a line
 * is then within acos(0.95) = 18.2° of where it would be at power factor 1. Batteries run at power factor 1.
 */
export const EV_MIN_POWER_FACTOR = 0.95;
const EV_PF_ANGLE = Math.acos(EV_MIN_POWER_FACTOR);
/**
 * A delta-wye transformer shifts its secondary's phase angles by 30° against its primary's, one way or the
 * other by vector group (not in the site model): a current carried up through one (carryPhasorsUp, without
 * that shift) compared with one that was not may be 30° further off.
 */
const TRANSFORMER_SHIFT = Math.PI / 6;

/** Angle of each line's voltage (L1, L2, L3 by index) of a supply, radians: only differences matter. */
function voltageAngles(supply: Supply): number[] {
  if (supply.phases.length === 3) return [...PHASE_ANGLE];
  const out = [0, 0, 0];
  if (supply.phases.length === 2) {
    // Two lines of a split-phase (180° apart) or of a wye (120° apart) supply, from the voltages.
    const apart = 2 * Math.asin(Math.min(1, supply.lineToLineV / (2 * supply.lineToNeutralV)));
    out[phaseIndex(supply.phases[1]!)] = apart;
  }
  return out;
}

/**
 * Per circuit and line (circuits × 3), the largest angle in radians (0 to π) between the battery's line
 * current there and the current any EV port below puts on that line, power factor allowance included: π
 * where a port's current reaches the line through a supply change whose phase angles the model does not know.
 * 0 where the battery takes nothing off the line or no port draws on it.
 */
export function batteryEvAngles(cs: CompiledSite, battery: SiteBattery): Float64Array {
  return cached(angleCache, cs, battery, () => {
    const bat = batteryPhasors(cs, battery);
    const out = new Float64Array(cs.circuits.length * 3);
    // Transformer steps from the battery up to each circuit of its path (-1 off it).
    const batSteps = new Int32Array(cs.circuits.length).fill(-1);
    const start = cs.circuitIndex.get(battery.circuitId);
    for (let c = start ?? -1, n = 0; c >= 0; c = cs.parent[c]!) {
      batSteps[c] = n;
      if (cs.toParent[c]) n++;
    }
    cs.ports.forEach((port, i) => {
      const path = cs.portPath[i]!;
      if (!path.some((c) => bat.subarray(c * 6, c * 6 + 6).some((x) => x !== 0))) return;
      const linear = portLoadFactors(cs, i);
      const angles = voltageAngles(cs.circuits[path[0]!]!.supply);
      // Every conductor alone: a car may draw on any of them.
      for (const phases of wiringConductors(port.wiring)) {
        const v = new Float64Array(6);
        const p = phases[0]!;
        if (phases.length === 1) {
          v[2 * p] = Math.cos(angles[p]!);
          v[2 * p + 1] = Math.sin(angles[p]!);
        } else {
          const q = phases[1]!;
          const re = Math.cos(angles[p]!) - Math.cos(angles[q]!);
          const im = Math.sin(angles[p]!) - Math.sin(angles[q]!);
          const r = Math.hypot(re, im) || 1;
          [v[2 * p], v[2 * p + 1], v[2 * q], v[2 * q + 1]] = [re / r, im / r, -re / r, -im / r];
        }
        let known = true;
        let steps = 0;
        let shift = -1;
        path.forEach((c, level) => {
          if (level > 0) {
            const below = path[level - 1]!;
            const m = cs.toParent[below] ?? null;
            const threeBoth =
              cs.circuits[below]!.supply.phases.length === 3 && cs.circuits[c]!.supply.phases.length === 3;
            if (m && known && threeBoth) carryPhasorsUp(m, v, 0, 0);
            else if (m) known = false;
            if (m) steps++;
          }
          // Where the port's path joins the battery's: every transformer on one side only shifts one current
          // against the other by its vector group's 30° (Dyn1 or Dyn11), which carryPhasorsUp leaves out.
          if (shift < 0 && batSteps[c]! >= 0) shift = (steps + batSteps[c]!) * TRANSFORMER_SHIFT;
          for (let d = 0; d < 3; d++) {
            const br = bat[c * 6 + 2 * d]!;
            const bi = bat[c * 6 + 2 * d + 1]!;
            if (br === 0 && bi === 0) continue;
            let theta: number;
            if (known) {
              const [er, ei] = [v[2 * d]!, v[2 * d + 1]!];
              if (Math.hypot(er, ei) < 1e-9) continue;
              theta = Math.abs(Math.atan2(br * ei - bi * er, br * er + bi * ei));
            } else {
              if (!(linear[level * DIM_COUNT + d]! > 0)) continue;
              theta = Math.PI;
            }
            const k = c * 3 + d;
            out[k] = Math.max(out[k]!, Math.min(Math.PI, theta + EV_PF_ANGLE + Math.max(0, shift)));
          }
        });
      }
    });
    return out;
  });
}

/**
 * What EVs may draw on one line with a discharge counted (A): the most X with |y + X·e^{iθ}| ≤ limitA, y the
 * non-EV current with the discharge (limitA − unclamped capacity − reliefA, negative when it exports), θ the
 * angle between the EV currents and the battery's (batteryEvAngles). With y ≥ 0 the worst angle is 0 (the
 * linear sum); with y < 0 it is the largest. The result may be negative: an overload left uncovered.
 * Any EV load from 0 to X is safe too (|y + x·e^{iθ}|² is convex in x), so a car stopping cannot break it.
 */
export function lineRoomWithDischarge(
  unclampedA: number,
  reliefA: number,
  limitA: number,
  theta: number,
): number {
  return lineRoom(limitA - unclampedA - reliefA, limitA, theta);
}

/** lineRoomWithDischarge from y, the non-EV current on the line (A, negative when exporting). */
export function lineRoom(y: number, limitA: number, theta: number): number {
  if (y >= 0 || theta === 0) return limitA - y;
  if (-y > limitA) return 0; // its export alone is over the limit (the dispatch never commands that)
  const s = Math.sin(theta);
  return -y * Math.cos(theta) + Math.sqrt(Math.max(0, limitA * limitA - y * y * s * s));
}

/**
 * The smallest discharge in [0, maxKw] at which room(kw) reaches want. room rises and then may fall (a large
 * export beside EV currents at an angle adds to them): searched on its rising part; when want is out of reach
 * the discharge giving the most room.
 */
export function smallestDischarge(room: (kw: number) => number, want: number, maxKw: number): number {
  if (!(maxKw > 0)) return 0;
  // The peak: golden-section search (room is unimodal in kw).
  let [lo, hi] = [0, maxKw];
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
    const a = hi - g * (hi - lo);
    const c = lo + g * (hi - lo);
    if (room(a) < room(c)) lo = a;
    else hi = c;
  }
  const peak = room(maxKw) >= room(hi) ? maxKw : hi;
  if (room(peak) < want) return peak;
  [lo, hi] = [0, peak];
  for (let i = 0; i < 60 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (room(mid) >= want) hi = mid;
    else lo = mid;
  }
  return hi;
}
