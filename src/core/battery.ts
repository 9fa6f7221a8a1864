/**
 * Battery dispatch, pure (docs/control.md, "Batteries"): each control run decides every battery's power and
 * what its power counts for on the circuits above it.
 *
 * - Sign: charging positive (a load), discharging negative, as the battery meter reads it (docs/meters.md).
 * - What counts: a battery counts on its circuit and every one above at max(measured, commanded): a new
 *   charge or a smaller discharge counts at once (the battery may follow within a second), a new discharge
 *   only once its meter measures it. So whatever the battery does between what it did and what it was told,
 *   no limit is exceeded; a commanded discharge that does not happen raises nothing.
 * - Lost contact (its meter stale): it is assumed to do nothing, and it is commanded 0 kW: a discharge it
 *   was told is taken out of the readings of the meters above it (they may still show it), a charge it was
 *   told still counts (it may go on with it). Write failures: commanded 0 kW, counted
 *   at what its meter measures.
 * - Power to current: its power is shared evenly over its phases at the circuit's line-to-neutral voltage
 *   (power factor 1, as battery inverters run by default), carried up the tree like a port's load: a charge
 *   at most what it draws (batteryLoadFactors), a discharge relieving no more than it takes off each line
 *   (batteryReliefFactors).
 * - A metered circuit (fresh reading) already measures the battery: only counted − measured is added. A stale
 *   one assumes its worst-case non-EV load already, plus any charge. An unmetered circuit adds the counted
 *   power (a discharge relieves it, as PV feeding it does).
 * - Dispatch: discharge as much as the EV ports below would want beyond what every circuit above can give
 *   them (limits, schedules, EMS, demand target), down to the reserve SoC and up to its power; otherwise
 *   charge from the PV surplus exported at the grid meter, or in the cheapest band of the tariff, within the
 *   room the EVs leave on every circuit above, up to its maximum SoC and power.
 */
import type { Capacity } from './allocation.ts';
import type { CapacityInputs } from './effective-capacity.ts';
import { usesLoadReading } from './effective-capacity.ts';
import type { CompiledSite } from './compiled-site.ts';
import { carryUp, DIM_COUNT } from './compiled-site.ts';
import { phaseIndex } from './phases.ts';
import { carryPhasorsUp, PHASE_ANGLE } from './phasor-factors.ts';
import type { SiteBattery } from './site.ts';
import type { Tariff } from './tariff.ts';
import { bandAt } from './tariff.ts';

/** What the control loop knows about one battery now. */
export interface BatteryObservation {
  /** Measured power in kW (charging positive); null when its meter is stale or gives none. */
  readonly measuredKw: number | null;
  /** State of charge in %, null when unknown (then it is neither charged nor discharged). */
  readonly socPct: number | null;
  /** The last power it was commanded (kW, charging positive), null when none. */
  readonly lastCommandKw: number | null;
  /** Writing its command failed (docs/control.md): it is commanded 0 kW until a write succeeds. */
  readonly writeFailed?: boolean | undefined;
}

/** One battery's decision in a run. */
export interface BatteryDecision {
  readonly batteryId: string;
  /** Power to command in kW (charging positive); null when the site file does not let Fusebox command it. */
  readonly commandKw: number | null;
  /** What it counts at on the circuits above it, kW (charging positive): max(measured or assumed, command). */
  readonly countedKw: number;
  readonly measuredKw: number | null;
  readonly socPct: number | null;
  /** Why, in words ("discharging to hold circuit 'main'", "meter stale: assumed 0 kW"). */
  readonly reason: string;
}

export interface BatteryDispatchInputs {
  readonly observations: ReadonlyMap<string, BatteryObservation>;
  /** The capacity inputs the capacities were computed from (which metered circuits use their reading). */
  readonly inputs: CapacityInputs;
  /** Capacity of every circuit for EVs, before any battery is counted (demand target included). */
  readonly capacities: ReadonlyMap<string, Capacity>;
  /** Load the EV ports would draw at their maximum on every circuit: circuits × DIM_COUNT (loadOnCircuits). */
  readonly evWant: Float64Array;
  /** Power exported at the grid meter in kW (export positive), null when unknown. */
  readonly exportKw: number | null;
  readonly tariff?: Tariff | null | undefined;
  /**
   * The live plan's charge per battery for the running slot, kW (src/control/plan-battery.ts): for a battery
   * in it, this replaces the cheapest-band rule (0: no charge from the grid now).
   */
  readonly plannedChargeKw?: ReadonlyMap<string, number> | undefined;
  readonly nowMs: number;
}

export interface BatteryDispatch {
  readonly decisions: readonly BatteryDecision[];
  /** Capacities with every battery counted. */
  readonly capacities: Map<string, Capacity>;
}

/** Commands are whole tenths of a kW, rounded towards less power. */
const STEP_KW = 0.1;

const factorCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();
const reliefCache = new WeakMap<CompiledSite, Map<string, Float64Array>>();

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
    const load = batteryLoadFactors(cs, battery);
    const [phases, perPhaseA] = batteryPhases(cs, start, battery);
    let three = cs.circuits[start]!.supply.phases.length === 3;
    // Line current phasors at the current level (re, im per line), power factor 1 as batteries run.
    const v = new Float64Array(6);
    for (const p of phases) {
      v[2 * p] = perPhaseA * Math.cos(PHASE_ANGLE[p]!);
      v[2 * p + 1] = perPhaseA * Math.sin(PHASE_ANGLE[p]!);
    }
    let known = true;
    for (let c = start; c >= 0; c = cs.parent[c]!) {
      const o = c * DIM_COUNT;
      out[o + 3] = 1;
      if (known)
        for (let d = 0; d < 3; d++) out[o + d] = three ? Math.hypot(v[2 * d]!, v[2 * d + 1]!) : load[o + d]!;
      const up = cs.parent[c]!;
      if (up < 0) break;
      const m = cs.toParent[c] ?? null;
      if (!m) continue;
      if (three && cs.circuits[up]!.supply.phases.length === 3) carryPhasorsUp(m, v, 0, 0);
      else known = three = false;
    }
    return out;
  });
}

/**
 * Capacities with one battery counted at countedKw, its meter having measured measuredKw (0 when unknown):
 * see the file comment for metered, stale and unmetered circuits.
 */
export function withBatteryCounted(
  cs: CompiledSite,
  capacities: ReadonlyMap<string, Capacity>,
  inputs: CapacityInputs,
  battery: SiteBattery,
  measuredKw: number,
  countedKw: number,
  nowMs: number,
): Map<string, Capacity> {
  const load = batteryLoadFactors(cs, battery);
  const relief = batteryReliefFactors(cs, battery);
  const out = new Map(capacities);
  cs.circuits.forEach((c, ci) => {
    const o = ci * DIM_COUNT;
    if (load[o + 3] === 0) return; // not on its path
    const cap = capacities.get(c.id);
    if (!cap) return;
    let kw: number;
    if (c.meterId === undefined) kw = countedKw;
    else if (usesLoadReading(cs, inputs, c.id, nowMs)) kw = countedKw - measuredKw;
    else kw = Math.max(0, countedKw);
    if (kw === 0) return;
    // A charge at most what it draws, a discharge at most what it takes off.
    const f = kw > 0 ? load : relief;
    out.set(c.id, {
      phaseA: [cap.phaseA[0] - kw * f[o]!, cap.phaseA[1] - kw * f[o + 1]!, cap.phaseA[2] - kw * f[o + 2]!],
      powerKw: cap.powerKw - kw * f[o + 3]!,
      source: cap.source,
    });
  });
  return out;
}

/** Decide every battery's power and count it on the circuits above it. */
export function dispatchBatteries(cs: CompiledSite, inp: BatteryDispatchInputs): BatteryDispatch {
  let capacities = new Map(inp.capacities);
  const decisions: BatteryDecision[] = [];
  for (const b of cs.site.batteries ?? []) {
    const obs = inp.observations.get(b.id) ?? { measuredKw: null, socPct: null, lastCommandKw: null };
    const d = decide(cs, b, obs, { ...inp, capacities });
    capacities = withBatteryCounted(cs, capacities, inp.inputs, b, inMeters(obs), d.countedKw, inp.nowMs);
    decisions.push(d);
  }
  return { decisions, capacities };
}

function decide(
  cs: CompiledSite,
  b: SiteBattery,
  obs: BatteryObservation,
  inp: BatteryDispatchInputs,
): BatteryDecision {
  const stale = obs.measuredKw === null;
  // Lost contact: it does nothing that Fusebox counts on; a charge it was told may go on.
  const assumedKw = obs.measuredKw ?? Math.max(0, obs.lastCommandKw ?? 0);
  const base = { batteryId: b.id, measuredKw: obs.measuredKw, socPct: obs.socPct };
  const finish = (commandKw: number | null, reason: string): BatteryDecision => ({
    ...base,
    commandKw,
    countedKw: Math.max(assumedKw, commandKw ?? assumedKw),
    reason,
  });
  if (stale) return finish(b.control ? 0 : null, 'battery meter stale: assumed 0 kW (no discharge counted)');
  if (!b.control) return finish(null, 'read only (control: false)');
  if (obs.writeFailed) return finish(0, 'writes to the battery fail: commanded 0 kW, counted as measured');
  const soc = obs.socPct;
  if (soc === null || !Number.isFinite(soc)) return finish(0, 'state of charge unknown: idle');

  // Capacities as if the battery did nothing: what the EVs would get without it.
  const without = withBatteryCounted(cs, inp.capacities, inp.inputs, b, inMeters(obs), 0, inp.nowMs);
  const load = batteryLoadFactors(cs, b);
  const relief = batteryReliefFactors(cs, b);
  let needKw = 0;
  let needAt = '';
  let roomKw = Infinity;
  cs.circuits.forEach((c, ci) => {
    const cap = without.get(c.id);
    if (!cap) return;
    const o = ci * DIM_COUNT;
    const avail = [...cap.phaseA, cap.powerKw];
    for (let dim = 0; dim < DIM_COUNT; dim++) {
      const spare = avail[dim]! - inp.evWant[o + dim]!;
      if (!Number.isFinite(spare)) continue;
      // The discharge that covers a shortfall at what it really takes off; the charge that fits at most.
      const off = relief[o + dim]!;
      if (off > 0 && -spare / off > needKw) [needKw, needAt] = [-spare / off, c.id];
      const per = load[o + dim]!;
      if (per > 0) roomKw = Math.min(roomKw, Math.max(0, spare / per));
    }
  });

  if (needKw > 0) {
    if (soc <= b.reserveSocPct)
      return finish(0, `at its reserve (${b.reserveSocPct} % SoC): not discharging`);
    const kw = floorStep(Math.min(needKw, b.maxDischargeKw));
    if (kw > 0) return finish(-kw, `discharging to hold circuit '${needAt}'`);
  }
  if (soc >= b.maxSocPct) return finish(0, 'full: idle');
  const surplusKw = inp.exportKw === null ? 0 : inp.exportKw + assumedKw;
  if (surplusKw > 0) {
    const kw = floorStep(Math.min(surplusKw, roomKw, b.maxChargeKw));
    if (kw > 0) return finish(kw, 'charging from PV surplus');
  }
  const planned = inp.plannedChargeKw?.get(b.id);
  if (planned !== undefined) {
    const kw = floorStep(Math.min(planned, roomKw, b.maxChargeKw));
    if (kw > 0) return finish(kw, 'charging as the plan says');
  } else if (inp.tariff && cheapNow(inp.tariff, inp.nowMs)) {
    const kw = floorStep(Math.min(roomKw, b.maxChargeKw));
    if (kw > 0) return finish(kw, 'charging in the cheap band of the tariff');
  }
  return finish(0, 'idle');
}

/**
 * What the battery's power may be in the readings of the meters above it: the measured power; with its meter
 * stale, the last discharge it was told (removed from the readings, so none is counted on).
 */
function inMeters(obs: BatteryObservation): number {
  return obs.measuredKw ?? Math.min(0, obs.lastCommandKw ?? 0);
}

/** The energy price now is the lowest of the day's schedule and below its highest. */
export function cheapNow(tariff: Tariff, nowMs: number): boolean {
  const { schedule, band } = bandAt(tariff, nowMs);
  const prices = schedule.bands.map((x) => x.pricePerKwh);
  const lo = Math.min(...prices);
  return band.pricePerKwh <= lo && lo < Math.max(...prices);
}

function floorStep(kw: number): number {
  if (!(kw > 0)) return 0;
  return Math.floor(kw / STEP_KW + 1e-9) * STEP_KW;
}
