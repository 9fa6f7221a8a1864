/**
 * The control loop's decision state: one immutable value (docs/architecture.md, "The control plan"). The
 * shell (control-loop.ts) keeps the latest; `planRun` (plan-run.ts) and the reducers below return a new one
 * and never change the one they are given. The helper classes it holds (LimitHistory, CarObservations,
 * UncontrolledPorts, RestartGuard) are seen here through read-only views; a change works on a `clone()`.
 */
import type { AllocatorState } from '../core/allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../core/allocation.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { SolarState } from '../core/solar.ts';
import { INITIAL_SOLAR_STATE } from '../core/solar.ts';
import type { SetpointEvent } from '../contracts/station-gateway.ts';
import type { BatteryRaises } from './battery-control.ts';
import type { ControlLoopOptions } from './control-options.ts';
import type { NonEvEstimate } from './non-ev-estimate.ts';
import { CarObservations, LimitHistory } from './non-ev-estimate.ts';
import type { PriorSetpoint } from './restart-guard.ts';
import { RestartGuard } from './restart-guard.ts';
import type { UncontrolledPort, UncontrolledReason } from './uncontrolled-ports.ts';
import { DEFAULT_UNCONTROLLED_BACKOFF, refusalOf, UncontrolledPorts } from './uncontrolled-ports.ts';

/** Per uncontrolled port, the action taken and for which session ('idle' without one), and the answer. */
export interface Restriction {
  readonly key: string;
  readonly action: 'unavailable' | 'stop';
  readonly answer: string;
}

/**
 * What the fail-safe defaults were last computed from (site and commanded limits), what those limits allow
 * and what the stations are sent (plan-capacity.ts followFailSafe: a rise waits until the limits are steady).
 */
export interface FailSafeState {
  readonly key: { readonly site: CompiledSite; readonly commanded: string } | null;
  /** Per port, the default the stations are sent: `allowed`, or lower while a rise waits. */
  readonly defaults: ReadonlyMap<string, number>;
  /** Per port, the default the limits in force allow (core/fail-safe.ts failSafeLimits). */
  readonly allowed: ReadonlyMap<string, number>;
  /** Since when `allowed` is what it is, in ms; a rise waits until it has been so for the settle time. */
  readonly allowedSinceMs: number;
  /** Whether some default is below what is allowed: a rise waits. */
  readonly raiseWaits: boolean;
}

/** Before the first run: nothing computed (the first defaults are taken as computed, nothing waits). */
export const INITIAL_FAIL_SAFE_STATE: FailSafeState = {
  key: null,
  defaults: new Map(),
  allowed: new Map(),
  allowedSinceMs: -Infinity,
  raiseWaits: false,
};

export type LimitHistoryView = Pick<LimitHistory, 'has' | 'range' | 'clone'>;
export type CarObservationsView = Pick<CarObservations, 'clone'>;
export type UncontrolledView = Pick<UncontrolledPorts, 'get' | 'all' | 'due' | 'clone'>;
export type RestartGuardView = Pick<
  RestartGuard,
  'active' | 'graceEndsAtMs' | 'isConfirmed' | 'pending' | 'loadA' | 'clone'
>;

export interface ControlState {
  readonly allocator: AllocatorState;
  readonly solar: SolarState;
  /** Limits in force per port over time (non-ev-estimate.ts). */
  readonly limits: LimitHistoryView;
  /** What each port's meter values told of its car in this session. */
  readonly cars: CarObservationsView;
  /** The non-EV estimate per DLM circuit id. */
  readonly nonEv: ReadonlyMap<string, NonEvEstimate>;
  /** Ports whose station does not take limits, and their retries. */
  readonly uncontrolled: UncontrolledView;
  /** The soonest retry of an uncontrolled port that can be tried (for the backstop); null if none. */
  readonly nextProbeMs: number | null;
  readonly restricted: ReadonlyMap<string, Restriction>;
  /** What is not known of the ports since the start (restart-guard.ts); null before the start or without. */
  readonly guard: RestartGuardView | null;
  readonly failSafe: FailSafeState;
  /** Battery raises held for the cars to follow (battery-control.ts). */
  readonly batteryRaising: BatteryRaises;
}

/** The state before the first run: nothing known, nothing uncontrolled. */
export function initialControlState(opts: ControlLoopOptions): ControlState {
  return {
    allocator: INITIAL_ALLOCATOR_STATE,
    solar: INITIAL_SOLAR_STATE,
    limits: new LimitHistory(),
    cars: new CarObservations(),
    nonEv: new Map(),
    uncontrolled: new UncontrolledPorts({
      firstMs: opts.uncontrolledRetryFirstMs ?? DEFAULT_UNCONTROLLED_BACKOFF.firstMs,
      maxMs: opts.uncontrolledRetryMaxMs ?? DEFAULT_UNCONTROLLED_BACKOFF.maxMs,
    }),
    nextProbeMs: null,
    restricted: new Map(),
    guard: null,
    failSafe: INITIAL_FAIL_SAFE_STATE,
    batteryRaising: new Map(),
  };
}

/** The loop starts at `nowMs`: the restart guard (when its grace is > 0) counts what is not confirmed yet. */
export function started(
  state: ControlState,
  opts: ControlLoopOptions,
  nowMs: number,
  priorSetpoints: readonly PriorSetpoint[] | undefined,
): ControlState {
  const graceMs = opts.restartGraceMs ?? opts.setpointExpiryMs;
  const guard = graceMs > 0 ? new RestartGuard(nowMs, graceMs, opts.setpointExpiryMs, priorSetpoints) : null;
  return { ...state, guard };
}

/**
 * What happened at the stations since the last run, folded into the state at the start of the next
 * (planRun). They are kept as a list rather than applied one by one so that a burst of answers costs one
 * copy of the history, not one per answer.
 */
export type PlanEvent =
  /** The port's limit in force changed (a setpoint accepted, a session's default). */
  | { readonly kind: 'limit'; readonly portId: string; readonly atMs: number; readonly limitA: number }
  /** Nothing is known of the port's limit any more (its session started or ended). */
  | { readonly kind: 'forget-limits'; readonly portId: string }
  /** The station told something that settles what the port runs under (restart-guard.ts `confirm`). */
  | { readonly kind: 'confirm'; readonly portId: string };

/** Folds the events in, in order, into the run's clones of the state's history and restart guard. */
export function applyEvents(
  events: readonly PlanEvent[],
  limits: LimitHistory,
  guard: RestartGuard | null,
): void {
  for (const e of events) {
    if (e.kind === 'confirm') guard?.confirm(e.portId);
    else if (e.kind === 'limit') limits.record(e.portId, e.atMs, e.limitA);
    else limits.forget(e.portId);
  }
}

/** True when confirming the port is news (its state was not confirmed since the start). */
export function confirmIsNews(state: ControlState, events: readonly PlanEvent[], portId: string): boolean {
  if (!state.guard || state.guard.isConfirmed(portId)) return false;
  return !events.some((e) => e.kind === 'confirm' && e.portId === portId);
}

/** What a setpoint's answer changed of the uncontrolled ports, for the log and a new run. */
export type SetpointNews =
  | { readonly kind: 'controlled-again' }
  | {
      readonly kind: 'refused';
      readonly first: boolean;
      readonly reason: UncontrolledReason;
      readonly detail: string;
      readonly retryAtMs: number;
    }
  | null;

/**
 * Every setpoint's answer (the dispatcher's and the gateway's renewals): a refusal makes the port
 * uncontrolled, an acceptance brings it back under control (uncontrolled-ports.ts). `smartCharging`: what
 * the station said of it at its set-up.
 */
export function setpointAnswered(
  state: ControlState,
  e: SetpointEvent,
  smartCharging: boolean | undefined,
): { readonly state: ControlState; readonly news: SetpointNews } {
  if (e.result === 'accepted' && smartCharging !== false && state.uncontrolled.get(e.portId) === undefined)
    return { state, news: null };
  const uncontrolled = state.uncontrolled.clone();
  if (e.result === 'accepted') {
    if (!uncontrolled.accepted(e.portId, smartCharging))
      return { state: { ...state, uncontrolled }, news: null };
    const restricted = new Map(state.restricted);
    restricted.delete(e.portId);
    return { state: { ...state, uncontrolled, restricted }, news: { kind: 'controlled-again' } };
  }
  const refusal = refusalOf(e);
  if (refusal === null) {
    uncontrolled.untried(e.portId, e.atMs);
    return { state: { ...state, uncontrolled }, news: null };
  }
  const first = uncontrolled.refused(e.portId, refusal.reason, refusal.detail, e.atMs);
  const u: UncontrolledPort = uncontrolled.get(e.portId)!;
  return {
    state: { ...state, uncontrolled },
    news: { kind: 'refused', first, ...refusal, retryAtMs: u.retryAtMs },
  };
}

/** A station (re)connected: what it says of smart charging is read again; its ports' restrictions end. */
export function stationConnected(state: ControlState, portIds: readonly string[]): ControlState {
  const uncontrolled = state.uncontrolled.clone();
  uncontrolled.stationConnected(portIds);
  let restricted = state.restricted;
  if (portIds.some((id) => restricted.has(id))) {
    const next = new Map(restricted);
    for (const id of portIds) next.delete(id);
    restricted = next;
  }
  return { ...state, uncontrolled, restricted };
}

/** A new session on the port: an uncontrolled one is tried again at once (a car now draws). */
export function sessionStarted(state: ControlState, portId: string, nowMs: number): ControlState {
  if (state.uncontrolled.get(portId) === undefined) return state;
  const uncontrolled = state.uncontrolled.clone();
  uncontrolled.sessionStarted(portId, nowMs);
  return { ...state, uncontrolled };
}

/** The station answered the restriction `entry` of the port (kept only while it is still the one in force). */
export function restrictionAnswered(
  state: ControlState,
  portId: string,
  entry: Restriction,
  answer: string,
): ControlState {
  if (state.restricted.get(portId) !== entry) return state;
  return { ...state, restricted: new Map(state.restricted).set(portId, { ...entry, answer }) };
}
