/**
 * Effective capacity of every circuit at one instant (docs/control.md, "What a circuit can give EVs"): per phase,
 * min(static limit, schedule(t), operator override, EMS command) − non-EV load − margin, and in kW
 * min(static kW limit, schedule(t), operator override, EMS command, demand cap) − non-EV power.
 *
 * Choices (each on the safe side):
 * - The load meter measures the circuit's feeder, net: PV below it already lowers its reading. The non-EV
 *   load (reading − EV load below) may go negative only by up to the PV production measured for the
 *   circuit (its pvMeterIds); without PV it is clamped at 0, so a reading taken while EV ports ramp up
 *   (meter and EV measurements a moment apart) never shows up as phantom capacity.
 * - An SLM circuit (no load meter) ignores other loads; PV feeding it adds its production.
 * - A stale or missing meter reading means the configured worst-case non-EV load (staleNonEvLoadA) and no
 *   PV credit (docs/control.md, "Fail-safe"); with no worst case configured the whole static limit is assumed
 *   taken, so EV ports pause until the meter is back.
 * - Capacities are clamped at 0, never negative: EV ports cannot draw less than nothing, and the
 *   allocator's invariant (load ≤ capacity) stays satisfiable. No value is ever NaN. What the clamp hid is
 *   kept in overloadA / overloadKw (a discharging battery covers it before it gives EVs anything).
 * - The margin is in A and applies to the phase currents only.
 */
import type { Capacity } from './allocation.ts';
import type { CompiledSite } from './compiled-site.ts';
import type { PhaseVector } from './phases.ts';
import { phaseIndex } from './phases.ts';
import { scheduledLimitOfAll } from './schedule.ts';
import { isFresh } from './freshness.ts';
import type { SiteCircuit, SiteMeter } from './site.ts';
import { schedulesOf } from './site.ts';

/** A reading of a circuit's load meter, with the EV load measured below it. */
export interface LoadReading {
  /** Net current per phase through the circuit's feeder in A (L1, L2, L3): import positive, export negative. */
  readonly totalA: PhaseVector;
  /** Current per phase drawn by the EV ports below the circuit, as seen at this circuit, in A. */
  readonly evA: PhaseVector;
  /** Net active power through the feeder in kW, when the meter gives it (else estimated from currents). */
  readonly totalKw?: number | undefined;
  /** Active power of the EV ports below in kW; taken as 0 when missing (over-estimates non-EV load). */
  readonly evKw?: number | undefined;
  /** When the meter took the reading. */
  readonly readAtMs: number;
}

/** Production of the PV sources feeding a circuit (the sum over its pvMeterIds). */
export interface PvReading {
  /** Production per phase in A (L1, L2, L3). */
  readonly phaseA: PhaseVector;
  /** Production in kW; without it PV gives no kW credit. */
  readonly powerKw?: number | undefined;
  /** When the oldest of the summed readings was taken. */
  readonly readAtMs: number;
}

/** A temporary limit an operator set (the API's overrides); it can only lower a circuit's limit. */
export interface OperatorOverride {
  readonly limitA?: number | undefined;
  readonly limitKw?: number | undefined;
  /** In force while nowMs < untilMs. */
  readonly untilMs: number;
  /** What explanations say, e.g. "override by alice until 18:00". */
  readonly source: string;
}

/** What the control loop knows about one circuit at this instant; every field is optional. */
export interface CircuitCapacityInputs {
  /** Limits written by the site EMS (its watchdog is the control loop's job). */
  readonly emsLimitA?: number | undefined;
  readonly emsLimitKw?: number | undefined;
  /** Operator overrides; the lowest in force wins. */
  readonly overrides?: readonly OperatorOverride[] | undefined;
  /** Demand-charge cap on total power in kW. */
  readonly demandCapKw?: number | undefined;
  /** Latest reading of the circuit's load meter (DLM circuits). */
  readonly load?: LoadReading | undefined;
  /** The meter's driver reports it stale or failed, whatever the reading's age. */
  readonly meterStale?: boolean | undefined;
  /** PV production feeding the circuit; counted only for circuits that list pvMeterIds. */
  readonly pv?: PvReading | undefined;
  /**
   * Root circuits: the site runs islanded, or its grid state is not known (stale): the circuit's `islanded`
   * limit is in force too (the lower of the two wins). Absent: on the grid.
   */
  readonly gridState?: 'islanded' | 'unknown' | undefined;
}

export interface CapacityInputs {
  /** Inputs per circuit id; a circuit not listed has none (no EMS, no cap, no reading). */
  readonly circuits: ReadonlyMap<string, CircuitCapacityInputs>;
}

const NO_INPUTS: CircuitCapacityInputs = {};
const STALE_SOURCE = 'stale meter fallback';

/** Per-phase and kW capacity available to EV ports for every circuit at nowMs, with what bound it. */
export function effectiveCapacities(
  cs: CompiledSite,
  inputs: CapacityInputs,
  nowMs: number,
): Map<string, Capacity> {
  const meters = new Map(cs.site.meters.map((m) => [m.id, m]));
  const out = new Map<string, Capacity>();
  for (const c of cs.circuits) {
    out.set(
      c.id,
      circuitCapacity(c, inputs.circuits.get(c.id) ?? NO_INPUTS, meters, cs.site.timeZone, nowMs),
    );
  }
  return out;
}

/** The next instant after nowMs at which effectiveCapacities may change without a new input, or null. */
export function nextCapacityChangeMs(cs: CompiledSite, inputs: CapacityInputs, nowMs: number): number | null {
  const meters = new Map(cs.site.meters.map((m) => [m.id, m]));
  let nextMs = Infinity;
  const consider = (ms: number | null): void => {
    if (ms !== null && ms > nowMs && ms < nextMs) nextMs = ms;
  };
  for (const c of cs.circuits) {
    const schedules = schedulesOf(c);
    if (schedules.length > 0) consider(scheduledLimitOfAll(schedules, cs.site.timeZone, nowMs).nextChangeMs);
    const inp = inputs.circuits.get(c.id);
    for (const o of inp?.overrides ?? []) consider(o.untilMs);
    // A reading turns stale the first millisecond after its timeout.
    const loadTimeoutMs = c.meterId === undefined ? undefined : meters.get(c.meterId)?.timeoutMs;
    if (inp?.load && loadTimeoutMs !== undefined) consider(inp.load.readAtMs + loadTimeoutMs + 1);
    const pvTimeoutMs = pvTimeout(c, meters);
    if (inp?.pv && pvTimeoutMs !== undefined) consider(inp.pv.readAtMs + pvTimeoutMs + 1);
  }
  return nextMs === Infinity ? null : nextMs;
}

/** A circuit's limits at one instant, before other loads: the lowest of static, schedule, override, EMS. */
export interface CircuitLimit {
  /** Per phase, in A. */
  readonly limitA: number;
  /** Total, in kW; Infinity when none. */
  readonly limitKw: number;
  /** What set limitA ('static limit' when nothing lowered it). */
  readonly sourceA: string;
  readonly sourceKw: string;
}

/** Limits of every circuit at nowMs (the API shows them next to the capacities). */
export function effectiveLimits(
  cs: CompiledSite,
  inputs: CapacityInputs,
  nowMs: number,
): Map<string, CircuitLimit> {
  const out = new Map<string, CircuitLimit>();
  for (const c of cs.circuits)
    out.set(c.id, circuitLimit(c, inputs.circuits.get(c.id) ?? NO_INPUTS, cs.site.timeZone, nowMs));
  return out;
}

/** Limits: the lowest wins; the static limit wins ties (a schedule equal to it did not lower anything). */
export function circuitLimit(
  c: SiteCircuit,
  inp: CircuitCapacityInputs,
  timeZone: string,
  nowMs: number,
): CircuitLimit {
  const schedules = schedulesOf(c);
  const sched = schedules.length > 0 ? scheduledLimitOfAll(schedules, timeZone, nowMs) : undefined;
  let limitA = c.limitA;
  let sourceA = 'static limit';
  const lowerA = (v: number | undefined, source: string): void => {
    if (isNum(v) && v < limitA) [limitA, sourceA] = [v, source];
  };
  lowerA(sched?.limitA, `schedule '${sched?.label}'`);
  const overrides = (inp.overrides ?? []).filter((o) => nowMs < o.untilMs);
  for (const o of overrides) lowerA(o.limitA, o.source);
  lowerA(inp.emsLimitA, 'EMS command');
  const islandSource = inp.gridState === 'islanded' ? 'islanded' : 'grid state unknown: islanded limit';
  if (inp.gridState !== undefined) lowerA(c.islanded?.limitA, islandSource);

  let limitKw = isNum(c.limitKw) ? c.limitKw : Infinity;
  let sourceKw = 'static limit';
  const lowerKw = (v: number | undefined, source: string): void => {
    if (isNum(v) && v < limitKw) [limitKw, sourceKw] = [v, source];
  };
  lowerKw(sched?.limitKw, `schedule '${sched?.labelKw}'`);
  for (const o of overrides) lowerKw(o.limitKw, o.source);
  lowerKw(inp.emsLimitKw, 'EMS command');
  lowerKw(inp.demandCapKw, 'demand cap');
  if (inp.gridState !== undefined) lowerKw(c.islanded?.limitKw, islandSource);
  return { limitA, limitKw, sourceA, sourceKw };
}

function circuitCapacity(
  c: SiteCircuit,
  inp: CircuitCapacityInputs,
  meters: ReadonlyMap<string, SiteMeter>,
  timeZone: string,
  nowMs: number,
): Capacity {
  const { limitA, limitKw, sourceA, sourceKw } = circuitLimit(c, inp, timeZone, nowMs);

  const pv = pvCredit(c, inp.pv, meters, nowMs);
  const load = c.meterId === undefined ? null : freshLoad(inp, meters.get(c.meterId), nowMs);
  const stale = c.meterId !== undefined && load === null;
  const v = c.supply.lineToNeutralV / 1000;

  let nonEvA: [number, number, number];
  let nonEvKw: number;
  if (c.meterId === undefined) {
    // SLM: other loads are not looked at (docs/configuration.md, circuits, `meter`); PV feeding the
    // circuit relieves its breaker.
    nonEvA = [-pv.phaseA[0], -pv.phaseA[1], -pv.phaseA[2]];
    nonEvKw = -pv.powerKw;
  } else if (load === null) {
    // Fail-safe (docs/control.md): worst-case non-EV load on every phase, no PV credit.
    const worstA = isNum(c.staleNonEvLoadA) ? c.staleNonEvLoadA : c.limitA;
    nonEvA = [worstA, worstA, worstA];
    nonEvKw = worstA * v * c.supply.phases.length;
  } else {
    // DLM: non-EV = metered − EV below, down to −PV production at most (see the file comment).
    nonEvA = [0, 1, 2].map((p) => Math.max(load.totalA[p]! - load.evA[p]!, -pv.phaseA[p]!)) as [
      number,
      number,
      number,
    ];
    if (isNum(load.totalKw)) {
      nonEvKw = Math.max(load.totalKw - (isNum(load.evKw) ? load.evKw : 0), -pv.powerKw);
    } else {
      // V × I ≥ P: estimating power from currents over-counts the load; PV credit needs totalKw.
      nonEvKw = 0;
      for (const phase of c.supply.phases) nonEvKw += Math.max(0, nonEvA[phaseIndex(phase)]) * v;
    }
  }

  const rawA = nonEvA.map((n) => limitA - n - c.marginA);
  const phaseA = rawA.map(atLeastZero) as [number, number, number];
  const rawKw = limitKw - nonEvKw;
  const powerKw = limitKw === Infinity ? Infinity : atLeastZero(rawKw);
  const source = describe(sourceA, limitKw === Infinity ? null : sourceKw, stale);
  // What the clamp hid (a battery's discharge covers it first, battery.ts); absent when nothing.
  const over = rawA.map((x) => atLeastZero(-x)) as [number, number, number];
  const overKw = limitKw === Infinity ? 0 : atLeastZero(-rawKw);
  return {
    phaseA,
    powerKw,
    source,
    ...(over.some((x) => x > 0) ? { overloadA: over } : {}),
    ...(overKw > 0 ? { overloadKw: overKw } : {}),
  };
}

/** Whether a metered circuit's capacity uses its load reading now (false: unmetered, or the stale fallback). */
export function usesLoadReading(
  cs: CompiledSite,
  inputs: CapacityInputs,
  circuitId: string,
  nowMs: number,
): boolean {
  const c = cs.circuits[cs.circuitIndex.get(circuitId) ?? -1];
  if (c?.meterId === undefined) return false;
  const meter = cs.site.meters.find((m) => m.id === c.meterId);
  return freshLoad(inputs.circuits.get(circuitId) ?? NO_INPUTS, meter, nowMs) !== null;
}

/** The load reading if it can be trusted now: present, finite, not flagged, not older than its timeout. */
function freshLoad(
  inp: CircuitCapacityInputs,
  meter: SiteMeter | undefined,
  nowMs: number,
): LoadReading | null {
  const load = inp.load;
  if (!load || inp.meterStale === true) return null;
  if (!load.totalA.every(isNum) || !load.evA.every(isNum) || !isNum(load.readAtMs)) return null;
  if (meter && !isFresh(load.readAtMs, nowMs, meter.timeoutMs)) return null;
  return load;
}

/** Timeout of a circuit's PV readings: that of its quickest PV meter, undefined when none is known. */
function pvTimeout(c: SiteCircuit, meters: ReadonlyMap<string, SiteMeter>): number | undefined {
  let timeoutMs: number | undefined;
  for (const id of c.pvMeterIds ?? []) {
    const m = meters.get(id);
    if (m && (timeoutMs === undefined || m.timeoutMs < timeoutMs)) timeoutMs = m.timeoutMs;
  }
  return timeoutMs;
}

/** PV production the circuit may count now (≥ 0 per phase): none unless it lists PV and the reading is fresh. */
function pvCredit(
  c: SiteCircuit,
  pv: PvReading | undefined,
  meters: ReadonlyMap<string, SiteMeter>,
  nowMs: number,
): { phaseA: PhaseVector; powerKw: number } {
  const none = { phaseA: [0, 0, 0] as const, powerKw: 0 };
  if (!pv || !c.pvMeterIds || c.pvMeterIds.length === 0) return none;
  const timeoutMs = pvTimeout(c, meters);
  if (!isNum(pv.readAtMs) || (timeoutMs !== undefined && !isFresh(pv.readAtMs, nowMs, timeoutMs)))
    return none;
  // An inverter's own night-time draw can read as negative production: it never lowers capacity here.
  const phaseA = pv.phaseA.map((a) => (isNum(a) && a > 0 ? a : 0)) as [number, number, number];
  return { phaseA, powerKw: isNum(pv.powerKw) && pv.powerKw > 0 ? pv.powerKw : 0 };
}

/** "static limit", or the lowering sources joined ("schedule 'peak' + demand cap"), plus the fail-safe. */
function describe(sourceA: string, sourceKw: string | null, stale: boolean): string {
  const parts: string[] = [];
  if (sourceA !== 'static limit') parts.push(sourceA);
  if (sourceKw !== null && sourceKw !== 'static limit' && !parts.includes(sourceKw)) parts.push(sourceKw);
  if (stale) parts.push(STALE_SOURCE);
  return parts.length > 0 ? parts.join(' + ') : 'static limit';
}

function isNum(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** x, or 0 when negative or NaN (Infinity stays). */
function atLeastZero(x: number): number {
  return x > 0 ? x : 0;
}
