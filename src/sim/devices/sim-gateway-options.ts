/** The SimGateway's options (sim-gateway.ts): its timings, defaults as the OCPP server's, and its counters. */
import { DEFAULT_OCPP_SERVER_SETTINGS } from '../../ocpp/ocpp-settings.ts';
import type { SetpointResult } from '../../contracts/station-gateway.ts';
import { EXPIRY_MARGIN_MS } from '../../ocpp/setpoint-tracker.ts';

/**
 * How a station answers SetChargingProfile. 'late': it applies the profile and answers only after the
 * call timed out (a late CALLRESULT, which the OCPP server drops): Fusebox sees 'timeout'.
 */
export type StationBehaviour = 'accept' | 'reject' | 'no-answer' | 'late';

export interface SimGatewayOptions {
  /** Time a station takes to answer a setpoint, in ms (default 200). */
  readonly setpointLatencyMs?: number | undefined;
  /** A call unanswered after this long resolves 'timeout', in ms (default: the OCPP server's, 15 s). */
  readonly callTimeoutMs?: number | undefined;
  /** TxProfile lifetime when the caller gives none, in ms (default: the OCPP server's, 5 min). */
  readonly setpointExpiresAfterMs?: number | undefined;
  /**
   * The gateway renews a setpoint when this share of its lifetime has passed (default: the OCPP server's,
   * 0.5; 0: never).
   */
  readonly renewAtFraction?: number | undefined;
  /** How often due renewals are looked for, in ms (default 5 s; the OCPP server looks every second). */
  readonly renewCheckMs?: number | undefined;
  /**
   * A TxProfile this close to its expiry may already have lapsed: the default counts too, in ms (default: the
   * OCPP server's, 10 s).
   */
  readonly expiryMarginMs?: number | undefined;
  /** Meter values of each session every this many ms (default: the sample interval the server sets, 10 s). */
  readonly meterValuesIntervalMs?: number | undefined;
  /** Send meter values at multiples of the interval (clock-aligned) rather than from each session start. */
  readonly meterValuesAligned?: boolean | undefined;
  /** Fail-safe default per port id; default: core failSafeLimits. */
  readonly failSafeA?: ReadonlyMap<string, number> | undefined;
  /** How long after its time-out a 'late' station applies a profile and answers, in ms (default 5 s). */
  readonly lateAnswerMs?: number | undefined;
}

/** Switches only tests set (negative controls); not SimGatewayOptions (see ControlTestSwitches). */
export interface SimGatewayTestSwitches {
  /** Stations that do not apply profile expiry (a faulty firmware). */
  readonly ignoreExpiry?: boolean | undefined;
}

const SERVER = DEFAULT_OCPP_SERVER_SETTINGS;
export const DEFAULTS = {
  setpointLatencyMs: 200,
  callTimeoutMs: SERVER.callTimeoutMs,
  setpointExpiresAfterMs: SERVER.setpointExpiresAfterMs,
  renewAtFraction: SERVER.setpointRenewAtFraction,
  renewCheckMs: 5_000,
  expiryMarginMs: EXPIRY_MARGIN_MS,
  meterValuesIntervalMs: SERVER.meterValueSampleIntervalS * 1000,
  meterValuesAligned: false,
  lateAnswerMs: 5_000,
};

/** The options in force: the defaults, what was given, and the test switches. */
export type GatewayOptions = typeof DEFAULTS & SimGatewayOptions & SimGatewayTestSwitches;

/** Counters of setpoint traffic, for tests and benchmarks. */
export interface SetpointStats {
  sent: number;
  accepted: number;
  rejected: number;
  timeout: number;
  offline: number;
  noSession: number;
  renewals: number;
}

export function newStats(): SetpointStats {
  return { sent: 0, accepted: 0, rejected: 0, timeout: 0, offline: 0, noSession: 0, renewals: 0 };
}

/** Counts one setpoint's result (and a renewal) in `stats`. */
export function countResult(stats: SetpointStats, result: SetpointResult, renewal: boolean): void {
  if (renewal) stats.renewals++;
  if (result === 'accepted') stats.accepted++;
  else if (result === 'rejected') stats.rejected++;
  else if (result === 'timeout') stats.timeout++;
  else if (result === 'offline') stats.offline++;
  else if (result === 'no-session') stats.noSession++;
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
