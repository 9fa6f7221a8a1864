/**
 * The discrete-time simulator: steps through a workload, asks the policy for pilots, lets each car take
 * what it accepts, and books energy, load and limit violations. Pure computation apart from the clock
 * used to time the policy.
 */
import { performance } from 'node:perf_hooks';
import type { TaperModel } from '../world/ev-model.ts';
import { acceptedKwh } from '../world/ev-model.ts';
import type { Network } from '../../core/planner/network.ts';
import { constraintValues, withExternalLoad } from '../../core/planner/network.ts';
import type { ActiveEv, Policy } from './policy.ts';
import type { AssignPortsMode, PortAssignment } from './port-assignment.ts';
import { assignPorts } from './port-assignment.ts';
import type { SimSession } from '../sessions/sim-session.ts';
import type { SiteBatterySpec } from './site-battery.ts';
import { stepBattery } from './site-battery.ts';

export interface EngineOptions {
  readonly stepMs: number;
  readonly taper?: TaperModel | undefined;
  /** Building load and PV production in kW at an instant (step lookup), when profiles are given. */
  readonly buildingKwAt?: ((tMs: number) => number) | undefined;
  readonly pvKwAt?: ((tMs: number) => number) | undefined;
  /** Car max power when the session has none, kW. */
  readonly defaultMaxPowerKw?: number | undefined;
  /** Where cars plug in (port-assignment.ts); default as in the data. */
  readonly assignPorts?: AssignPortsMode | undefined;
  readonly onProgress?: ((doneSteps: number, totalSteps: number) => void) | undefined;
  /** A site battery at the grid connection (site-battery.ts): the policy commands it, every step. */
  readonly battery?: SiteBatterySpec | undefined;
}

/** Everything a run produced; metrics.ts turns it into numbers. */
export interface RunTrace {
  readonly policy: string;
  readonly sessions: readonly SimSession[];
  /** Per session: EVSE index (-1: turned away, no port for it), demand and energy delivered. */
  readonly evseOf: Int32Array;
  /** How the sessions were placed on ports, and how many found none. */
  readonly assignment: PortAssignment;
  readonly requestedKwh: Float64Array;
  readonly deliveredKwh: Float64Array;
  readonly startMs: number;
  readonly stepMs: number;
  /** Per step: EV load, and the grid load (EV + building − PV) in kW. */
  readonly evKw: Float64Array;
  readonly gridKw: Float64Array;
  /** Per constraint: seconds over the limit and ampere-seconds above it (of what the cars drew). */
  readonly violationSeconds: Float64Array;
  readonly violationAmpSeconds: Float64Array;
  /** Per constraint: highest value / limit seen. */
  readonly peakUtilisation: Float64Array;
  /** Per step with at least one car: time the policy took, ms. */
  readonly policyMs: Float64Array;
  readonly network: Network;
  /** With a site battery: its power per step (kW, charging positive) and its state of charge at the end, %. */
  readonly battery?:
    { readonly spec: SiteBatterySpec; readonly kw: Float64Array; readonly finalSocPct: number } | undefined;
}

/** Tolerance before a constraint counts as violated: floating-point noise, not current. */
const VIOLATION_TOL_A = 1e-6;

/** Runs one policy over the workload on the network. */
export async function simulate(
  sessionsIn: readonly SimSession[],
  network: Network,
  policy: Policy,
  opts: EngineOptions,
): Promise<RunTrace> {
  const stepMs = opts.stepMs;
  const hours = stepMs / 3_600_000;
  const sessions = [...sessionsIn].sort((a, b) => a.arrivalMs - b.arrivalMs || a.id.localeCompare(b.id));
  const assignment = assignPorts(sessions, network, opts.assignPorts ?? 'as-in-data');
  const evseOf = assignment.evseOf;
  const n = sessions.length;
  const requestedKwh = Float64Array.from(sessions, (s) => Math.max(0, s.energyKwh));
  const deliveredKwh = new Float64Array(n);
  // Steps are aligned to multiples of the step since the epoch, as ACN-Sim's periods: a car is present in
  // the steps from floor(arrival) to floor(departure), excluding the last.
  const firstStep = n === 0 ? 0 : Math.floor(sessions[0]!.arrivalMs / stepMs);
  const lastStep = n === 0 ? 0 : Math.max(...sessions.map((s) => Math.floor(s.departureMs / stepMs)));
  const steps = Math.max(0, lastStep - firstStep);
  const startMs = firstStep * stepMs;
  const evKw = new Float64Array(steps);
  const gridKw = new Float64Array(steps);
  const nc = network.constraints.length;
  const violationSeconds = new Float64Array(nc);
  const violationAmpSeconds = new Float64Array(nc);
  const peakUtilisation = new Float64Array(nc);
  const policyMs: number[] = [];
  const evseA = new Float64Array(network.evses.length);
  const battery = opts.battery;
  const batteryKw = new Float64Array(battery ? steps : 0);
  let socKwh = battery ? (battery.initialSocPct / 100) * battery.capacityKwh : 0;

  if (policy.plan) await policy.plan(sessions, network, stepMs, evseOf);
  const cars: Cars = { sessions, evseOf, requestedKwh, deliveredKwh };

  const present: number[] = [];
  let next = 0;
  const progressEvery = Math.max(1, Math.floor(steps / 200));
  for (let k = 0; k < steps; k++) {
    const tMs = startMs + k * stepMs;
    const stepIdx = firstStep + k;
    next = plugInAndOut(present, next, cars, stepIdx, stepMs);
    const buildingKw = opts.buildingKwAt ? opts.buildingKwAt(tMs) : 0;
    const pvKw = opts.pvKwAt ? opts.pvKwAt(tMs) : 0;
    const stepNetwork =
      opts.buildingKwAt || opts.pvKwAt ? withExternalLoad(network, buildingKw - pvKw) : network;

    const { activeIdx, active } = activeCars(present, cars, network, opts);

    evseA.fill(0);
    let stepKw = 0;
    let storedKw = 0;
    // With a battery the policy decides every step (it may charge or discharge with no car plugged in).
    if (active.length > 0 || battery) {
      const t0 = performance.now();
      const pilots = policy.step({
        tMs,
        stepMs,
        active,
        network: stepNetwork,
        other: opts.buildingKwAt || opts.pvKwAt ? { buildingKw, pvKw } : undefined,
        past: { startMs, gridKw: gridKw.subarray(0, k) },
        battery: battery
          ? {
              spec: battery,
              socPct: (100 * socKwh) / battery.capacityKwh,
              lastKw: k > 0 ? batteryKw[k - 1]! : 0,
            }
          : undefined,
      });
      policyMs.push(performance.now() - t0);
      if (battery) {
        const b = stepBattery(battery, socKwh, policy.batteryCommandKw?.() ?? 0, hours);
        storedKw = b.kw;
        socKwh = b.socKwh;
        batteryKw[k] = storedKw;
      }
      stepKw = deliver(pilots, active, activeIdx, cars, evseA, network, opts);
      // The battery counts where the building load does: at the grid connection and above.
      const loaded = storedKw === 0 ? stepNetwork : withExternalLoad(stepNetwork, storedKw);
      // A step with no car and the battery idle is the building's alone: not counted, as without a battery.
      if (active.length > 0 || storedKw !== 0)
        countViolations(loaded, evseA, stepMs, { violationSeconds, violationAmpSeconds, peakUtilisation });
    }
    evKw[k] = stepKw;
    gridKw[k] = stepKw + buildingKw - pvKw + storedKw;
    if (opts.onProgress && (k % progressEvery === 0 || k === steps - 1)) opts.onProgress(k + 1, steps);
  }
  return {
    policy: policy.name,
    sessions,
    evseOf,
    assignment,
    requestedKwh,
    deliveredKwh,
    startMs,
    stepMs,
    evKw,
    gridKw,
    violationSeconds,
    violationAmpSeconds,
    peakUtilisation,
    policyMs: Float64Array.from(policyMs),
    network,
    battery: battery
      ? { spec: battery, kw: batteryKw, finalSocPct: (100 * socKwh) / battery.capacityKwh }
      : undefined,
  };
}

/** The sessions of a run, their ports and the energy they asked for and got so far. */
interface Cars {
  readonly sessions: readonly SimSession[];
  readonly evseOf: Int32Array;
  readonly requestedKwh: Float64Array;
  readonly deliveredKwh: Float64Array;
}

/** The cars present in step `stepIdx` (`present`, in arrival order) from `next` on; returns the next to come. */
function plugInAndOut(
  present: number[],
  nextIn: number,
  cars: Cars,
  stepIdx: number,
  stepMs: number,
): number {
  const { sessions, evseOf } = cars;
  const n = sessions.length;
  let next = nextIn;
  // A car turned away never plugs in. Placement keeps one car per port at any instant, so per step too.
  for (; next < n && Math.floor(sessions[next]!.arrivalMs / stepMs) <= stepIdx; next++)
    if (evseOf[next]! >= 0) present.push(next);
  // Leave at the departure step; keep arrival order.
  for (let j = present.length - 1; j >= 0; j--) {
    if (Math.floor(sessions[present[j]!]!.departureMs / stepMs) <= stepIdx) present.splice(j, 1);
  }
  return next;
}

/** The cars plugged in that still need energy, as the policy sees them; `activeIdx` their sessions' indices. */
function activeCars(
  present: readonly number[],
  { sessions, evseOf, requestedKwh, deliveredKwh }: Cars,
  network: Network,
  opts: EngineOptions,
): { activeIdx: number[]; active: ActiveEv[] } {
  const activeIdx: number[] = [];
  const active: ActiveEv[] = [];
  for (const i of present) {
    const remaining = requestedKwh[i]! - deliveredKwh[i]!;
    if (remaining <= 1e-9) continue;
    const s = sessions[i]!;
    const evse = network.evses[evseOf[i]!]!;
    const carMaxA = ((s.maxPowerKw ?? opts.defaultMaxPowerKw ?? Infinity) * 1000) / evse.voltageV;
    activeIdx.push(i);
    active.push({
      sessionId: s.id,
      evseIndex: evseOf[i]!,
      arrivalMs: s.arrivalMs,
      departureMs: s.departureMs,
      estimatedDepartureMs: s.estimatedDepartureMs ?? s.departureMs,
      remainingKwh: remaining,
      maxA: Math.min(evse.maxA, carMaxA),
      minA: evse.minA,
    });
  }
  return { activeIdx, active };
}

/** What the cars take of the policy's pilots in the step: adds it to `deliveredKwh` and `evseA`; the kW. */
function deliver(
  pilots: ArrayLike<number>,
  active: readonly ActiveEv[],
  activeIdx: readonly number[],
  { sessions, requestedKwh, deliveredKwh }: Cars,
  evseA: Float64Array,
  network: Network,
  opts: EngineOptions,
): number {
  const hours = opts.stepMs / 3_600_000;
  let stepKw = 0;
  for (let a = 0; a < active.length; a++) {
    const i = activeIdx[a]!;
    const ev = active[a]!;
    const pilot = pilots[a]!;
    if (!(pilot > 0)) continue; // NaN and negatives offer nothing
    const evse = network.evses[ev.evseIndex]!;
    const s = sessions[i]!;
    const e = acceptedKwh(
      (Math.min(pilot, evse.maxA) * evse.voltageV) / 1000,
      s.maxPowerKw ?? opts.defaultMaxPowerKw ?? Infinity,
      ev.remainingKwh,
      requestedKwh[i]!,
      hours,
      opts.taper,
    );
    deliveredKwh[i] = deliveredKwh[i]! + e;
    const drawnA = (e * 1000) / evse.voltageV / hours;
    evseA[ev.evseIndex] = evseA[ev.evseIndex]! + drawnA;
    stepKw += e / hours;
  }
  return stepKw;
}

/** Adds the step's time and ampere-seconds over each constraint's limit, and its peak utilisation. */
function countViolations(
  loaded: Network,
  evseA: Float64Array,
  stepMs: number,
  out: { violationSeconds: Float64Array; violationAmpSeconds: Float64Array; peakUtilisation: Float64Array },
): void {
  const { violationSeconds, violationAmpSeconds, peakUtilisation } = out;
  const values = constraintValues(loaded, evseA);
  for (let c = 0; c < violationSeconds.length; c++) {
    const limit = loaded.constraints[c]!.limitA;
    const over = values[c]! - limit;
    if (limit > 0) peakUtilisation[c] = Math.max(peakUtilisation[c]!, values[c]! / limit);
    if (over > VIOLATION_TOL_A) {
      violationSeconds[c] = violationSeconds[c]! + stepMs / 1000;
      violationAmpSeconds[c] = violationAmpSeconds[c]! + (over * stepMs) / 1000;
    }
  }
}
