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
 *   (batteryReliefFactors), and counted with the angle between its line current and the EV currents beside it
 *   (battery-currents.ts lineRoomWithDischarge), covering any overload first.
 * - Export bound: a discharge is never commanded above what every line and kW limit on its path carries were
 *   every other load to stop.
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
import { effectiveLimits, usesLoadReading } from './effective-capacity.ts';
import type { CompiledSite } from './compiled-site.ts';
import { DIM_COUNT } from './compiled-site.ts';
import {
  batteryEvAngles,
  batteryLoadFactors,
  batteryReliefFactors,
  lineRoom,
  lineRoomWithDischarge,
  smallestDischarge,
} from './battery-currents.ts';
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

/**
 * Capacities with one battery counted at countedKw, its meter having measured measuredKw (0 when unknown):
 * see the file comment for metered, stale and unmetered circuits. A discharge counts on each line with the
 * angles (lineRoomWithDischarge), covering any overload first, at the worse of countedKw and a larger
 * discharge measured (it may still be doing that).
 */
export function withBatteryCounted(
  cs: CompiledSite,
  capacities: ReadonlyMap<string, Capacity>,
  inputs: CapacityInputs,
  battery: SiteBattery,
  measuredKw: number,
  countedKw: number,
  nowMs: number,
  /** Count it at countedKw only, not also at what it may still be doing (what the EVs get without it). */
  settled = false,
): Map<string, Capacity> {
  const load = batteryLoadFactors(cs, battery);
  const relief = batteryReliefFactors(cs, battery);
  const angles = batteryEvAngles(cs, battery);
  const out = new Map(capacities);
  let limits: ReturnType<typeof effectiveLimits> | null = null;
  cs.circuits.forEach((c, ci) => {
    const o = ci * DIM_COUNT;
    if (load[o + 3] === 0) return; // not on its path
    const cap = capacities.get(c.id);
    if (!cap) return;
    const metered = c.meterId !== undefined && usesLoadReading(cs, inputs, c.id, nowMs);
    // Powers it may run at that count here beyond what the capacity already holds: unmetered, what it was
    // told and a larger discharge it measured (it may still do that); metered, the change from what the
    // meter read; a stale circuit's worst case holds any discharge, so only a charge.
    let kws: number[];
    if (c.meterId === undefined)
      kws = !settled && measuredKw < countedKw ? [countedKw, measuredKw] : [countedKw];
    else if (metered) kws = [countedKw - measuredKw];
    else kws = [Math.max(0, countedKw)];
    // A metered circuit reads a measured discharge with the other loads, clamped at no less than 0 (without
    // PV): the EVs beside that export at an angle get no more than with the building at 0.
    const exportA = !settled && metered && measuredKw < 0 ? -measuredKw : 0;
    if (kws.every((k) => k === 0) && exportA === 0) return;
    limits ??= effectiveLimits(cs, inputs, nowMs);
    const limitA = limits.get(c.id)!.limitA - c.marginA;
    const phaseA: [number, number, number] = [0, 0, 0];
    const overloadA: [number, number, number] = [0, 0, 0];
    for (let d = 0; d < 3; d++) {
      const unclamped = cap.phaseA[d]! - (cap.overloadA?.[d] ?? 0);
      const theta = angles[ci * 3 + d]!;
      // A charge at most what it draws (linear counting of a load is on the safe side); a discharge with the
      // angles. The line current is convex in the battery's power: the ends of its range are the worst.
      let x = Math.min(
        ...kws.map((k) =>
          k >= 0
            ? unclamped - k * load[o + d]!
            : lineRoomWithDischarge(unclamped, -k * relief[o + d]!, limitA, theta),
        ),
      );
      if (exportA > 0) x = Math.min(x, lineRoom(-exportA * load[o + d]!, limitA, theta));
      if (!Number.isFinite(unclamped)) x = unclamped;
      phaseA[d] = Math.max(0, x);
      overloadA[d] = Math.max(0, -x);
    }
    const unclampedKw = cap.powerKw - (cap.overloadKw ?? 0);
    const xKw = Math.min(...kws.map((k) => unclampedKw - k * (k >= 0 ? load[o + 3]! : relief[o + 3]!)));
    out.set(c.id, {
      ...cap,
      phaseA,
      powerKw: Math.max(0, xKw),
      overloadA: overloadA.some((x) => x > 0) ? overloadA : undefined,
      overloadKw: xKw < 0 ? -xKw : undefined,
    });
  });
  return out;
}

export {
  batteryEvAngles,
  batteryLoadFactors,
  batteryPhasors,
  batteryReliefFactors,
  EV_MIN_POWER_FACTOR,
  lineRoomWithDischarge,
} from './battery-currents.ts';

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
  const without = withBatteryCounted(cs, inp.capacities, inp.inputs, b, inMeters(obs), 0, inp.nowMs, true);
  const load = batteryLoadFactors(cs, b);
  const relief = batteryReliefFactors(cs, b);
  const angles = batteryEvAngles(cs, b);
  const limits = effectiveLimits(cs, inp.inputs, inp.nowMs);
  const bound = exportBound(cs, b, limits);
  const maxKw = Math.min(b.maxDischargeKw, bound.kw);
  let needKw = 0;
  let needAt = '';
  let roomKw = Infinity;
  cs.circuits.forEach((c, ci) => {
    const cap = without.get(c.id);
    if (!cap) return;
    const o = ci * DIM_COUNT;
    const limitA = limits.get(c.id)!.limitA - c.marginA;
    for (let dim = 0; dim < DIM_COUNT; dim++) {
      const avail = dim < 3 ? cap.phaseA[dim]! : cap.powerKw;
      const spare = avail - inp.evWant[o + dim]!;
      if (!Number.isFinite(spare)) continue;
      const per = load[o + dim]!;
      if (per > 0) roomKw = Math.min(roomKw, Math.max(0, spare / per));
      // The discharge that covers a shortfall (overload first) with what it really gives the EVs.
      const unclamped = avail - (dim < 3 ? (cap.overloadA?.[dim] ?? 0) : (cap.overloadKw ?? 0));
      const want = inp.evWant[o + dim]!;
      const off = relief[o + dim]!;
      if (!(off > 0) || want <= unclamped) continue;
      const room = (kw: number): number =>
        dim < 3
          ? lineRoomWithDischarge(unclamped, kw * off, limitA, angles[ci * 3 + dim]!)
          : unclamped + kw * off;
      const kw = smallestDischarge(room, want, maxKw);
      if (kw > needKw) [needKw, needAt] = [kw, c.id];
    }
  });

  if (needKw > 0) {
    if (soc <= b.reserveSocPct)
      return finish(0, `at its reserve (${b.reserveSocPct} % SoC): not discharging`);
    const kw = floorStep(Math.min(needKw, maxKw));
    const capped =
      bound.kw < b.maxDischargeKw && needKw >= bound.kw - 1e-9
        ? `; discharge capped at ${fmtKw(floorStep(bound.kw))} kW by circuit '${bound.circuitId}' ${bound.what}`
        : '';
    if (kw > 0) return finish(-kw, `discharging to hold circuit '${needAt}'${capped}`);
    if (capped) return finish(0, `not discharging${capped}`);
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

/**
 * The largest discharge whose own current stays within every limit on its path, were the EVs and every other
 * load to stop (limit in force less margin, per line, at what it puts on the line at most: its load factors;
 * and the kW limit), with what binds it.
 */
function exportBound(
  cs: CompiledSite,
  b: SiteBattery,
  limits: ReturnType<typeof effectiveLimits>,
): { kw: number; circuitId: string; what: string } {
  const load = batteryLoadFactors(cs, b);
  let out = { kw: Infinity, circuitId: '', what: '' };
  cs.circuits.forEach((c, ci) => {
    const o = ci * DIM_COUNT;
    if (load[o + 3] === 0) return;
    const limit = limits.get(c.id)!;
    for (let d = 0; d < DIM_COUNT; d++) {
      const per = load[o + d]!;
      const lim = d < 3 ? limit.limitA - c.marginA : limit.limitKw;
      if (!(per > 0) || !Number.isFinite(lim)) continue;
      const kw = Math.max(0, lim) / per;
      if (kw < out.kw) out = { kw, circuitId: c.id, what: d < 3 ? `line L${d + 1}` : 'kW limit' };
    }
  });
  return out;
}

function fmtKw(kw: number): string {
  return String(Math.round(kw * 10) / 10);
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
