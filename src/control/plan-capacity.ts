/**
 * What each circuit can give the controlled ports in one control run (plan-run.ts): capacity inputs from the
 * meters and the non-EV estimate, the demand cap, the fail-safe defaults that fit them, a scheduled drop
 * within the lead time taken as in force, the EMS switch, less every fixed load. And when the next run must
 * come at the latest (`nextRunDelayMs`). Pure: time is an argument.
 */
import type { Capacity } from '../core/allocation.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { CapacityInputs, OperatorOverride } from '../core/effective-capacity.ts';
import { effectiveCapacities, nextCapacityChangeMs } from '../core/effective-capacity.ts';
import type { UncontrolledLoad } from '../core/fail-safe.ts';
import { commandedLimits, failSafeLimits } from '../core/fail-safe.ts';
import { isFresh } from '../core/freshness.ts';
import { loadOnCircuits, subtractLoad } from '../core/port-load.ts';
import { scheduledLimitOfAll } from '../core/schedule.ts';
import { schedulesOf } from '../core/site.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import { capacityInputs } from './capacity-inputs.ts';
import type { ControlLoopOptions } from './control-options.ts';
import { DEFAULT_FAIL_SAFE_RAISE_AFTER_MS } from './control-options.ts';
import type { LimitHistory, NonEvEstimate } from './non-ev-estimate.ts';
import { evLoadForMeters } from './non-ev-estimate.ts';
import type { PortClasses } from './plan-ports.ts';
import type { PlanInputs } from './plan-run.ts';
import type { ControlState, FailSafeState, RestartGuardView } from './plan-state.ts';
import type { UncontrolledPorts } from './uncontrolled-ports.ts';

/** What a run's capacity pass reads of its inputs. */
export type RunCapacityInputs = Pick<
  PlanInputs,
  'site' | 'options' | 'meters' | 'ems' | 'overrides' | 'gridState' | 'cloudCaps' | 'previous' | 'demandCap'
>;

/** Readings of the load meters of DLM circuits, null where stale or past their timeout. */
export function freshLoadReadings(
  cs: CompiledSite,
  meters: ReadonlyMap<string, MeterObservation>,
  nowMs: number,
): Map<string, MeterReading | null> {
  const out = new Map<string, MeterReading | null>();
  for (const m of cs.site.meters) {
    if (m.role !== 'load') continue;
    const o = meters.get(m.id);
    const r = o && !o.stale ? o.reading : null;
    out.set(m.id, r && isFresh(r.atMs, nowMs, m.timeoutMs) ? r : null);
  }
  return out;
}

/**
 * The fail-safe defaults for the limits in force, recomputed when the site's limits, its schedules or the
 * commanded limits (operator overrides, EMS) changed. Each fits the lowest limit that may be in force while
 * Fusebox is away: every level of the schedules, the overrides until they end, the EMS command until it is
 * lifted (core/fail-safe.ts). A cloud cap (Fusebox as OCPP proxy, `cloudCaps`) lower than a port's default
 * lowers it: the cloud's limit holds while Fusebox is away too; re-sent when the cap in force changes.
 * `uncontrolled`: ports whose station does not take limits, at what each may draw; it comes off what the
 * others' defaults share on every circuit above it (core/fail-safe.ts).
 *
 * A default that falls is sent at once. One that may rise is raised only once what the limits allow has not
 * changed for `raiseAfterMs` (docs/control.md, "The fail-safe defaults follow the limits"): an EMS that moves
 * the site limit every few seconds would otherwise have every station of the site sent a new default on
 * every move. Until then the port keeps the lower default, which is safe (the sum only gets smaller).
 * `changed`: the defaults that differ from the previous ones (none: nothing to send).
 */
export function followFailSafe(
  cs: CompiledSite,
  prev: FailSafeState,
  inputs: CapacityInputs,
  ems: EmsCommands | null,
  cloudCaps: ReadonlyMap<string, number> | null,
  nowMs: number,
  uncontrolled: ReadonlyMap<string, UncontrolledLoad> = new Map(),
  raiseAfterMs: number = DEFAULT_FAIL_SAFE_RAISE_AFTER_MS,
): { readonly state: FailSafeState; readonly changed: ReadonlyMap<string, number> } {
  const commanded = commandedLimits(inputs, nowMs, ems !== null && !ems.enabled);
  const cloud = cloudCaps ?? new Map<string, number>();
  const key = JSON.stringify([[...commanded], [...cloud], [...uncontrolled]]);
  const same = prev.key?.site === cs && prev.key.commanded === key;
  const settled = (sinceMs: number): boolean => nowMs - sinceMs >= raiseAfterMs;
  if (same && !(prev.raiseWaits && settled(prev.allowedSinceMs))) return { state: prev, changed: new Map() };
  let { allowed, allowedSinceMs } = prev;
  if (!same) {
    const computed = new Map(
      failSafeLimits(cs, commanded, uncontrolled).map((l) => [
        l.portId,
        Math.min(l.currentA, cloud.get(l.portId) ?? Infinity),
      ]),
    );
    if (!sameValues(computed, allowed)) {
      allowed = computed;
      allowedSinceMs = nowMs;
    }
  }
  // Each port at what is allowed, except that a rise waits while what is allowed is not settled. An
  // uncontrolled port's own default is its draw at once: the others' already leave room for that draw.
  const raise = settled(allowedSinceMs);
  const defaults = new Map<string, number>();
  let raiseWaits = false;
  for (const [id, a] of allowed) {
    const held = prev.defaults.get(id);
    const d = held === undefined || raise || uncontrolled.has(id) ? a : Math.min(held, a);
    if (d < a) raiseWaits = true;
    defaults.set(id, d);
  }
  const changed = new Map([...defaults].filter(([id, a]) => prev.defaults.get(id) !== a));
  return {
    state: { key: { site: cs, commanded: key }, defaults, allowed, allowedSinceMs, raiseWaits },
    changed,
  };
}

/** When the rise of the fail-safe defaults that waits is due; null if none waits. */
export function failSafeRaiseMs(state: FailSafeState, raiseAfterMs: number | undefined): number | null {
  return state.raiseWaits ? state.allowedSinceMs + (raiseAfterMs ?? DEFAULT_FAIL_SAFE_RAISE_AFTER_MS) : null;
}

function sameValues(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * The capacities for the run from its (capped) inputs: a scheduled drop coming within the lead time is in
 * force already (cars have followed by its boundary); the EMS switch off gives nothing to anyone.
 */
export function runCapacities(
  cs: CompiledSite,
  inputs: CapacityInputs,
  ems: EmsCommands | null,
  scheduleLeadMs: number,
  nowMs: number,
): Map<string, Capacity> {
  let capacities: Map<string, Capacity> = effectiveCapacities(cs, inputs, nowMs);
  for (const atMs of scheduleBoundaries(cs, nowMs, nowMs + scheduleLeadMs)) {
    capacities = lowerOf(capacities, effectiveCapacities(cs, shiftedInputs(inputs, atMs - nowMs), atMs));
  }
  if (ems && !ems.enabled) {
    capacities = new Map(
      cs.circuits.map((c) => [c.id, { phaseA: [0, 0, 0], powerKw: 0, source: 'EMS: charging disabled' }]),
    );
  }
  return capacities;
}

/**
 * The delay to the next periodic run: the period, or sooner when a capacity input changes (a schedule
 * boundary, a meter timeout), a battery raise held for the cars falls due, a scheduled boundary enters the
 * lead window, a cloud profile's schedule step starts, an uncontrolled port's backoff ends, or the restart
 * guard's grace ends (it then releases what it still holds). At least 1 ms.
 */
export function nextRunDelayMs(
  cs: CompiledSite,
  opts: ControlLoopOptions,
  inputs: {
    readonly meters: ReadonlyMap<string, MeterObservation>;
    readonly ems: EmsCommands | null;
    readonly overrides: ReadonlyMap<string, readonly OperatorOverride[]>;
    readonly gridState: 'islanded' | 'unknown' | undefined;
    /** When a battery raise held for the cars is due (battery-control.ts nextBatterySendMs). */
    readonly batterySendMs: number | null;
    /** The next instant a cloud cap may change (CloudCaps.nextChangeMs). */
    readonly cloudStepMs: number | undefined;
    readonly nextProbeMs: number | null;
    readonly guard: RestartGuardView | null;
    /** When a rise of the fail-safe defaults that waits is due (followFailSafe); null if none waits. */
    readonly failSafeRaiseMs: number | null;
  },
  nowMs: number,
): number {
  let delayMs = opts.periodMs;
  const zero = new Float64Array(cs.circuits.length * DIM_COUNT);
  const next = nextCapacityChangeMs(
    cs,
    capacityInputs(cs, inputs.meters, zero, inputs.ems, inputs.overrides, inputs.gridState),
    nowMs,
  );
  if (next !== null) delayMs = Math.max(1, Math.min(delayMs, next - nowMs));
  if (inputs.batterySendMs !== null) delayMs = Math.max(1, Math.min(delayMs, inputs.batterySendMs - nowMs));
  const [boundary] = scheduleBoundaries(cs, nowMs + opts.scheduleLeadMs, Infinity, 1);
  if (boundary !== undefined)
    delayMs = Math.max(1, Math.min(delayMs, boundary - opts.scheduleLeadMs - nowMs));
  const cloudStep = inputs.cloudStepMs;
  if (cloudStep !== undefined) delayMs = Math.max(1, Math.min(delayMs, cloudStep - nowMs));
  if (inputs.nextProbeMs !== null) delayMs = Math.max(1, Math.min(delayMs, inputs.nextProbeMs - nowMs));
  if (inputs.failSafeRaiseMs !== null)
    delayMs = Math.max(1, Math.min(delayMs, inputs.failSafeRaiseMs - nowMs));
  const guard = inputs.guard;
  if (guard?.active(nowMs)) delayMs = Math.max(1, Math.min(delayMs, guard.graceEndsAtMs - nowMs));
  return delayMs;
}

/** Schedule boundaries of any circuit in (fromMs, toMs], soonest first, at most `max` of them. */
export function scheduleBoundaries(cs: CompiledSite, fromMs: number, toMs: number, max = 16): number[] {
  const out = new Set<number>();
  for (const c of cs.circuits) {
    const schedules = schedulesOf(c);
    if (schedules.length === 0) continue;
    let t = fromMs;
    for (let i = 0; i < max; i++) {
      const next = scheduledLimitOfAll(schedules, cs.site.timeZone, t).nextChangeMs;
      if (next === null || next > toMs) break;
      out.add(next);
      t = next;
    }
  }
  return [...out].sort((a, b) => a - b).slice(0, max);
}

/** Inputs as they would be `shiftMs` later with the readings just as fresh (only the schedule moves). */
function shiftedInputs(inputs: CapacityInputs, shiftMs: number): CapacityInputs {
  const circuits = new Map(
    [...inputs.circuits].map(([id, c]) => [
      id,
      {
        ...c,
        ...(c.load ? { load: { ...c.load, readAtMs: c.load.readAtMs + shiftMs } } : {}),
        ...(c.pv ? { pv: { ...c.pv, readAtMs: c.pv.readAtMs + shiftMs } } : {}),
      },
    ]),
  );
  return { circuits };
}

/** Per circuit, the lower of two capacities on every phase and in kW (and what set the lower). */
function lowerOf(a: ReadonlyMap<string, Capacity>, b: ReadonlyMap<string, Capacity>): Map<string, Capacity> {
  const out = new Map<string, Capacity>();
  for (const [id, ca] of a) {
    const cb = b.get(id);
    if (!cb) {
      out.set(id, ca);
      continue;
    }
    const phaseA = ca.phaseA.map((v, p) => Math.min(v, cb.phaseA[p]!)) as [number, number, number];
    const lowered = phaseA.some((v, p) => v < ca.phaseA[p]!) || cb.powerKw < ca.powerKw;
    out.set(id, {
      phaseA,
      powerKw: Math.min(ca.powerKw, cb.powerKw),
      source: lowered ? `${cb.source ?? 'schedule'} (ahead)` : ca.source,
    });
  }
  return out;
}

/**
 * The capacities left to the controlled ports: the non-EV estimate (updating `nonEv` and pruning `limits`,
 * the run's copies), the demand cap, the fail-safe defaults that fit the capped inputs, the look-ahead,
 * less every fixed load.
 */
export function capacitiesOfRun(
  state: Pick<ControlState, 'failSafe'>,
  inputs: RunCapacityInputs,
  classes: PortClasses,
  scratch: { readonly limits: LimitHistory; readonly uncontrolled: UncontrolledPorts },
  nonEv: Map<string, NonEvEstimate>,
  nowMs: number,
): {
  readonly capInputs: CapacityInputs;
  readonly failSafe: ReturnType<typeof followFailSafe>;
  readonly capacities: Map<string, Capacity>;
} {
  const cs = inputs.site;
  const opts = inputs.options;
  const { limits } = scratch;
  const readings = freshLoadReadings(cs, inputs.meters, nowMs);
  const evLoad = evLoadForMeters(cs, classes.estimated, limits, readings, nonEv, opts.carResponseMs);
  limits.prune(nowMs - opts.carResponseMs - 60_000);
  const uncapped = capacityInputs(cs, inputs.meters, evLoad, inputs.ems, inputs.overrides, inputs.gridState);
  const capCtx = { site: cs, meters: inputs.meters, evLoad, previous: inputs.previous, nowMs };
  const capInputs = inputs.demandCap?.(uncapped, capCtx) ?? uncapped;
  const failSafe = followFailSafe(
    cs,
    state.failSafe,
    capInputs,
    inputs.ems,
    inputs.cloudCaps,
    nowMs,
    uncontrolledLoads(cs, classes.uncontrolledA, scratch.uncontrolled),
    opts.failSafeRaiseAfterMs,
  );
  let capacities = runCapacities(cs, capInputs, inputs.ems, opts.scheduleLeadMs, nowMs);
  const { fixed } = classes;
  if (fixed.length > 0) capacities = subtractLoad(cs, capacities, loadOnCircuits(cs, fixed));
  return { capInputs, failSafe, capacities };
}

/**
 * What each uncontrolled port may draw while Fusebox is away, for the fail-safe defaults: its maximum (a car
 * may start under it at any time), or what it is counted at when more (measured), in whole A so that a
 * reading's noise does not re-send the defaults.
 */
function uncontrolledLoads(
  cs: CompiledSite,
  uncontrolledA: ReadonlyMap<string, number>,
  uncontrolled: Pick<UncontrolledPorts, 'get'>,
): Map<string, UncontrolledLoad> {
  const out = new Map<string, UncontrolledLoad>();
  for (const [portId, a] of uncontrolledA) {
    const idx = cs.portIndex.get(portId);
    const u = uncontrolled.get(portId);
    if (idx === undefined || u === undefined) continue;
    out.set(portId, { countedA: Math.max(cs.ports[idx]!.maxCurrentA, Math.ceil(a)), reason: u.reason });
  }
  return out;
}
