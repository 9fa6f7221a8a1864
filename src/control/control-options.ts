/** Tuning of the control loop; every value has a safe default. */
import type { AllocatorOptions } from '../core/allocation.ts';
import type { SolarOptions } from '../core/solar.ts';

export interface ControlOptions {
  /** Events within this window are coalesced into one allocation run, in ms. */
  readonly coalesceMs: number;
  /** Backstop: an allocation runs at least this often, in ms. */
  readonly periodMs: number;
  /** An increase smaller than this over the limit in force is not sent (decreases always are), in A. */
  readonly deadBandA: number;
  /** Time cars get to follow confirmed decreases before any increase is sent, in ms (IEC 61851-1: 5 s). */
  readonly carResponseMs: number;
  /** Lifetime of each TxProfile: if Fusebox stops, stations fall back to their default after it, in ms. */
  readonly setpointExpiryMs: number;
  /** A port's meter values older than this are not used for its measured draw, in ms. */
  readonly portMeterMaxAgeMs: number;
  /**
   * A scheduled limit that drops is applied this long before its boundary, so that the setpoints are
   * confirmed and the cars have followed (IEC 61851-1: 5 s) by the time it is in force, in ms.
   */
  readonly scheduleLeadMs: number;
  /**
   * A fail-safe default that the limits let rise is raised only once they have not changed for this long, in
   * ms (a fall goes out at once): an EMS that moves a limit every few seconds does not have every station
   * sent a new default on every move (plan-capacity.ts followFailSafe). Default 60 s.
   */
  readonly failSafeRaiseAfterMs?: number | undefined;
  /**
   * A port whose station refuses its profiles is tried again after this long, doubling after each refusal
   * up to `uncontrolledRetryMaxMs` (uncontrolled-ports.ts), in ms. Defaults: 1 s and 5 min.
   */
  readonly uncontrolledRetryFirstMs?: number | undefined;
  readonly uncontrolledRetryMaxMs?: number | undefined;
  /**
   * What to do with an uncontrolled port the others cannot make room for (site file
   * `ocpp.uncontrolledPortAction`): 'none' (default), 'unavailable' (ChangeAvailability Inoperative) or
   * 'stop' (RemoteStop its transaction).
   */
  readonly uncontrolledAction?: 'none' | 'unavailable' | 'stop' | undefined;
  readonly allocator: Partial<AllocatorOptions>;
  readonly solar: Partial<SolarOptions>;
}

/**
 * Switches only tests set: the negative controls that show a safety rule matters by turning it off. They are
 * not ControlOptions, so `fusebox start` (FuseboxOptions.control) cannot set them; only the control loop's own
 * deps take them (tests and testing/ harnesses), and eslint.config.js fails on these keys anywhere else.
 */
export interface ControlTestSwitches {
  /**
   * After a start, ports whose state is not confirmed count at the most they may draw for this long, in ms
   * (restart-guard.ts); default: `setpointExpiryMs`, by when every profile of the previous process has
   * expired. 0 turns the guard off.
   */
  readonly restartGraceMs?: number | undefined;
  /**
   * Every port of a station that is away counts at least at its fail-safe default (a car may plug in and
   * charge under it unseen). false: its ports without a session count at 0 A, as before.
   */
  readonly countOfflineEmptyPorts?: boolean | undefined;
  /**
   * false: a refused or unanswered profile leaves the port counted as before (its higher limit, retried by
   * the dispatcher), not at its maximum as uncontrolled.
   */
  readonly uncontrolledPorts?: boolean | undefined;
}

/** What the control loop reads: its options and, in tests, the switches. */
export type ControlLoopOptions = ControlOptions & ControlTestSwitches;

/** ControlOptions.failSafeRaiseAfterMs when not given. */
export const DEFAULT_FAIL_SAFE_RAISE_AFTER_MS = 60_000;

export const DEFAULT_CONTROL_OPTIONS: ControlOptions = {
  coalesceMs: 20,
  periodMs: 10_000,
  deadBandA: 0.5,
  carResponseMs: 5_000,
  setpointExpiryMs: 5 * 60_000,
  portMeterMaxAgeMs: 60_000,
  scheduleLeadMs: 10_000,
  allocator: {},
  solar: {},
};

/** The cloud's cap per port at an instant, in A per phase (src/proxy/cloud-profiles.ts). */
export interface CloudCaps {
  /** At `nowMs`, and with `leadMs` the lowest until `nowMs + leadMs` (a drop is in force ahead of it). */
  capsA(nowMs: number, leadMs?: number): ReadonlyMap<string, number>;
  /** The next instant the caps may change (a schedule step, or one entering the look-ahead): the loop runs then. */
  nextChangeMs?(nowMs: number, leadMs?: number): number | undefined;
}
