/**
 * Which ports the allocator shares capacity among and which count as fixed loads (docs/control.md), for one
 * control run (plan-run.ts). Pure: time is an argument; it changes only the clones it is given.
 */
import { isFresh } from '../core/freshness.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { PortConductorLoad } from '../core/port-load.ts';
import type { PortMeterEvent, PortSnapshot } from '../contracts/station-gateway.ts';
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';
import type { ControlLoopOptions } from './control-options.ts';
import type { CarObservations, EstimatePort, LimitHistory } from './non-ev-estimate.ts';
import type { RestartGuard, UnknownReason } from './restart-guard.ts';
import type { UncontrolledPorts } from './uncontrolled-ports.ts';
import { uncontrolledLoadA } from './uncontrolled-ports.ts';

/**
 * Ports that have a car wanting energy: a session, in any state but finished or faulted. 'unknown' counts:
 * after a restart a station that reconnects without booting reports no status until it changes, and its
 * session must still be counted and limited.
 */
const SESSION_STATES: ReadonlySet<string> = new Set([
  'occupied',
  'charging',
  'suspended-ev',
  'suspended-evse',
  'unknown',
]);

/** A port in this state has a car the allocator serves (or may have one: 'unknown'). */
export function isSessionState(status: string): boolean {
  return SESSION_STATES.has(status);
}

/** What the run changes as it classifies (clones of the state's, plan-state.ts). */
export interface ClassifyScratch {
  readonly guard: RestartGuard | null;
  readonly uncontrolled: UncontrolledPorts;
  readonly limits: LimitHistory;
  readonly cars: CarObservations;
}

export interface PortClasses {
  /** Ports with a car the allocator may serve (some may still be among `fixed`). */
  readonly active: PortSnapshot[];
  /** Ports counted at a fixed current they may be drawing. */
  readonly fixed: PortConductorLoad[];
  /** Ports with a car, as the non-EV estimate sees them. */
  readonly estimated: EstimatePort[];
  readonly unknownPorts: Map<string, UnknownReason>;
  /** Unknown ports with a session on a connected station: their limit is re-asserted at once. */
  readonly reassert: Map<string, number>;
  /** Uncontrolled ports: what each counts at. */
  readonly uncontrolledA: Map<string, number>;
  /** Uncontrolled ports tried again in this run, with the value to send. */
  readonly probes: Map<string, number>;
  /** Uncontrolled ports with a session: the dispatcher drops its own retries of them. */
  readonly release: string[];
  /** Ports newly found without smart charging (a warning each). */
  readonly noSmartCharging: string[];
}

/**
 * Classifies every port: unknown since the start (restart-guard.ts), uncontrolled (uncontrolled-ports.ts),
 * away, with a decrease not accepted, or with a car to serve. Changes `s` (the run's clones).
 */
export function classifyPorts(
  cs: CompiledSite,
  opts: ControlLoopOptions,
  ports: readonly PortSnapshot[],
  failedDecreases: ReadonlySet<string>,
  s: ClassifyScratch,
  nowMs: number,
): PortClasses {
  const out: PortClasses = {
    active: [],
    fixed: [],
    estimated: [],
    unknownPorts: new Map(),
    reassert: new Map(),
    uncontrolledA: new Map(),
    probes: new Map(),
    release: [],
    noSmartCharging: [],
  };
  const { fixed, uncontrolledA } = out;
  for (const p of ports) {
    const unknown = s.guard?.pending(p, nowMs) ?? null;
    if (unknown !== null) out.unknownPorts.set(p.portId, unknown);
    if (
      p.smartCharging === false &&
      opts.uncontrolledPorts !== false &&
      s.uncontrolled.noSmartCharging(p.portId, nowMs)
    )
      out.noSmartCharging.push(p.portId);
    if (s.uncontrolled.get(p.portId) !== undefined) uncontrolledA.set(p.portId, 0);
    if (p.sessionId === undefined) {
      // No session known, no draw; but a car may have begun there under the default unseen: on a station
      // that is away (it plugs in and charges while nobody listens), or after a start.
      if (unknown !== null) {
        const a = s.guard!.loadA(p, 0, nowMs);
        fixed.push({ portId: p.portId, conductorA: [a, a, a] });
      } else if (!p.connected && opts.countOfflineEmptyPorts !== false) {
        const a = offlineLoadA(p, p.effectiveLimitA);
        fixed.push({ portId: p.portId, conductorA: [a, a, a] });
      }
      continue;
    }
    // The highest limit it may be drawing under now, as the gateway read it at the run's start.
    const limitA = p.effectiveLimitA;
    if (uncontrolledA.has(p.portId)) {
      // Its station does not take limits: it counts at what it can draw (its maximum, more if measured so),
      // the others share the rest; it is tried again with a backoff (uncontrolled-ports.ts), at no more than
      // its default, which is within what it counts at.
      out.release.push(p.portId);
      const idx = cs.portIndex.get(p.portId);
      const maxA = idx === undefined ? limitA : cs.ports[idx]!.maxCurrentA;
      let a = Math.max(limitA, uncontrolledLoadA(p, maxA, opts.portMeterMaxAgeMs, nowMs));
      if (unknown !== null) a = Math.max(a, s.guard!.loadA(p, limitA, nowMs));
      if (!p.connected && opts.countOfflineEmptyPorts !== false) a = offlineLoadA(p, a);
      fixed.push({ portId: p.portId, conductorA: [a, a, a] });
      uncontrolledA.set(p.portId, a);
      if (p.connected && s.uncontrolled.due(p.portId, nowMs)) out.probes.set(p.portId, p.failSafeA);
      continue;
    }
    const failed = failedDecreases.has(p.portId);
    if (!p.connected || failed || unknown !== null) {
      // docs/control.md: an offline station's port, one that did not confirm a decrease, or one whose state is
      // not confirmed since the start counts at what it may draw (its last profile, one of the previous
      // process, or its default) until it is back / confirms.
      let a = unknown !== null ? s.guard!.loadA(p, limitA, nowMs) : limitA;
      // Away, its session may end and a new car start under the default while Fusebox cannot see it.
      if (!p.connected && opts.countOfflineEmptyPorts !== false) a = offlineLoadA(p, a);
      fixed.push({ portId: p.portId, conductorA: [a, a, a] });
      // Its limit is re-asserted no higher than its default (safe with every port at it), which is within
      // what it is counted at; the dispatcher retries a failed one by itself.
      if (p.connected && !failed) out.reassert.set(p.portId, p.failSafeA);
      continue;
    }
    if (!SESSION_STATES.has(p.status)) continue; // finishing, faulted, unavailable: no car to serve
    out.active.push(p);
    out.estimated.push(estimatePort(cs, opts, p, limitA, s, nowMs));
  }
  const withCar = new Set<string>();
  for (const e of out.estimated) withCar.add(e.portId);
  s.cars.retain(withCar);
  return out;
}

/** A port with a car as the non-EV estimate sees it; notes what its meter value shows of the car. */
function estimatePort(
  cs: CompiledSite,
  opts: ControlLoopOptions,
  p: PortSnapshot,
  limitA: number,
  s: ClassifyScratch,
  nowMs: number,
): EstimatePort {
  // Unknown history (a restart): count the limit the gateway knows as set now.
  if (!s.limits.has(p.portId)) s.limits.record(p.portId, nowMs, limitA);
  const m = p.lastMeter;
  const fresh = m && isFresh(m.atMs, nowMs, opts.portMeterMaxAgeMs, CLOCK_AHEAD_MS);
  const idx = cs.portIndex.get(p.portId);
  const minCurrentA = idx === undefined ? 0 : cs.ports[idx]!.minCurrentA;
  const measured = fresh ? measuredOf(m) : undefined;
  return {
    portId: p.portId,
    minCurrentA,
    measured,
    effectiveLimitA: limitA,
    car: s.cars.observe(
      { portId: p.portId, sessionId: p.sessionId, minCurrentA },
      measured,
      s.limits,
      opts.carResponseMs,
    ),
  };
}

type Measured = NonNullable<EstimatePort['measured']> & { readonly inUse: readonly boolean[] | undefined };
/** Per meter value, its Measured: made once per value, not once per control run (a dozen a second). */
const measuredByValue = new WeakMap<PortMeterEvent, Measured>();

/** One object for both: the estimate's measured value and what the car observations read (with `inUse`). */
function measuredOf(m: PortMeterEvent): Measured {
  let measured = measuredByValue.get(m);
  if (measured === undefined) {
    measured = { conductorA: conductorCurrents(m.currentA), atMs: m.atMs, inUse: m.conductorsInUse };
    measuredByValue.set(m, measured);
  }
  return measured;
}

/** A meter value's per-conductor currents with NaN where none was reported (the value's own array if all were). */
function conductorCurrents(currentA: readonly (number | undefined)[]): readonly number[] {
  for (const a of currentA) if (a === undefined) return currentA.map((x) => x ?? NaN);
  return currentA as readonly number[];
}

/**
 * What a port of a station that is away counts at, in A: what it may draw as far as Fusebox knows
 * (`knownA`: its profile until it expires, else its default; the port maximum if the station never took its
 * default), and never less than its fail-safe default, under which a car that plugs in meanwhile charges.
 */
function offlineLoadA(p: PortSnapshot, knownA: number): number {
  return Math.max(p.failSafeA, knownA);
}

/** The soonest retry of an uncontrolled port that can be tried (connected, with a session); null if none. */
export function nextProbeMs(
  uncontrolled: Pick<UncontrolledPorts, 'get'>,
  ports: readonly PortSnapshot[],
): number | null {
  let next = Infinity;
  for (const p of ports) {
    const u = uncontrolled.get(p.portId);
    if (u && p.connected && p.sessionId !== undefined) next = Math.min(next, u.retryAtMs);
  }
  return Number.isFinite(next) ? next : null;
}
