/**
 * Charging profiles as Fusebox sends them (OCPP 1.6 §3.13, 2.0.1 K01): one fail-safe TxDefaultProfile per
 * port, sent at boot, and one TxProfile per session that expires unless renewed. Each purpose has a fixed
 * profile id per port, so a new profile replaces the previous one instead of stacking up (1.6 §5.16.2,
 * 2.0.1 K01.FR.05).
 */
import type { SetChargingProfile16 } from './v16-types.ts';
import type { SetChargingProfile2 } from './v2-types.ts';

/**
 * Schedules start this far in the past, more the measured lag of the station's clock (station-clock.ts), so
 * a station whose clock is behind applies them at once.
 */
export const START_SKEW_MS = 60_000;
/**
 * A fail-safe default has no end, so it starts a day back: the first one goes out before Fusebox has seen any
 * of the station's timestamps, and a clock up to a day behind (what station-input.ts accepts) has it in
 * force at once.
 */
export const DEFAULT_START_LEAD_MS = 24 * 3_600_000;

export type ProfilePurpose = 'default' | 'session';

/** The periods of an OCPP charging schedule (ChargingSchedulePeriod: 1.6 and 2.0.1 alike) in Fusebox's words. */
export const schedulePeriods = (
  ps: readonly { startPeriod: number; limit: number; numberPhases?: number | undefined }[],
): { startPeriodS: number; limit: number; numberPhases: number | undefined }[] =>
  ps.map((p) => ({ startPeriodS: p.startPeriod, limit: p.limit, numberPhases: p.numberPhases }));
export type RateUnit = 'A' | 'W';

export interface ProfileSpec {
  readonly purpose: ProfilePurpose;
  /** 1.6 connectorId, 2.0.1 evseId. */
  readonly connectorId: number;
  /** The transaction a session profile is bound to (1.6: integer as text). */
  readonly transactionRef?: string | undefined;
  /** In `unit`: A per phase or W in total. */
  readonly limit: number;
  readonly unit: RateUnit;
  readonly numberPhases: number;
  readonly startMs: number;
  /** Schedule length in s; absent: in force until replaced. */
  readonly durationS?: number | undefined;
  readonly validToMs?: number | undefined;
}

/** The profile id Fusebox uses for a purpose on a port. */
export function profileId(purpose: ProfilePurpose, connectorId: number): number {
  return (purpose === 'default' ? 1000 : 2000) + connectorId;
}

/** Round down to what the schema accepts: A with one decimal (1.6 §7.13 limit), W whole. */
export function roundLimit(limit: number, unit: RateUnit): number {
  const r = unit === 'A' ? Math.floor(limit * 10 + 1e-9) / 10 : Math.floor(limit + 1e-9);
  return Math.max(0, r);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** SetChargingProfile.req for OCPP 1.6. */
export function profile16(spec: ProfileSpec): SetChargingProfile16 {
  const session = spec.purpose === 'session';
  return {
    connectorId: spec.connectorId,
    csChargingProfiles: {
      chargingProfileId: profileId(spec.purpose, spec.connectorId),
      ...(session ? { transactionId: Number(spec.transactionRef) } : {}),
      stackLevel: 0,
      chargingProfilePurpose: session ? 'TxProfile' : 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...(spec.validToMs !== undefined ? { validTo: iso(spec.validToMs) } : {}),
      chargingSchedule: {
        ...(spec.durationS !== undefined ? { duration: spec.durationS } : {}),
        startSchedule: iso(spec.startMs),
        chargingRateUnit: spec.unit,
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: roundLimit(spec.limit, spec.unit), numberPhases: spec.numberPhases },
        ],
      },
    },
  };
}

/** SetChargingProfile.req for OCPP 2.0.1 / 2.1. */
export function profile2(spec: ProfileSpec): SetChargingProfile2 {
  const session = spec.purpose === 'session';
  const id = profileId(spec.purpose, spec.connectorId);
  return {
    evseId: spec.connectorId,
    chargingProfile: {
      id,
      stackLevel: 0,
      chargingProfilePurpose: session ? 'TxProfile' : 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...(spec.validToMs !== undefined ? { validTo: iso(spec.validToMs) } : {}),
      ...(session ? { transactionId: spec.transactionRef } : {}),
      chargingSchedule: [
        {
          id,
          startSchedule: iso(spec.startMs),
          ...(spec.durationS !== undefined ? { duration: spec.durationS } : {}),
          chargingRateUnit: spec.unit,
          chargingSchedulePeriod: [
            { startPeriod: 0, limit: roundLimit(spec.limit, spec.unit), numberPhases: spec.numberPhases },
          ],
        },
      ],
    },
  };
}

/**
 * A charging profile received from elsewhere (a simulated station's, the cloud's), reduced to what its limit
 * at an instant depends on. Its one schedule (2.0.1: the first) in `unit`; a period's limit is A per phase or
 * W in total.
 */
export interface ScheduledProfile {
  readonly kind: 'Absolute' | 'Recurring' | 'Relative';
  readonly recurrency?: 'Daily' | 'Weekly' | undefined;
  readonly validFromMs?: number | undefined;
  readonly validToMs?: number | undefined;
  readonly startScheduleMs?: number | undefined;
  readonly durationS?: number | undefined;
  readonly unit: RateUnit;
  readonly periods: readonly {
    readonly startPeriodS: number;
    readonly limit: number;
    readonly numberPhases?: number | undefined;
  }[];
  /** When it was received: the start of an Absolute schedule without startSchedule. */
  readonly receivedMs: number;
}

/**
 * The period of a profile in force at `nowMs` (1.6 §3.13.2, 2.0.1 K01): undefined outside validFrom/validTo,
 * before the schedule starts, after its duration, or before its first period. Relative schedules start with
 * the transaction (`transactionStartMs`), recurring ones every day or week from startSchedule.
 */
export function periodAt(
  p: ScheduledProfile,
  nowMs: number,
  transactionStartMs?: number,
): ScheduledProfile['periods'][number] | undefined {
  if (p.validFromMs !== undefined && nowMs < p.validFromMs) return undefined;
  if (p.validToMs !== undefined && nowMs >= p.validToMs) return undefined;
  let start: number;
  if (p.kind === 'Relative') start = transactionStartMs ?? p.receivedMs;
  else start = p.startScheduleMs ?? p.validFromMs ?? p.receivedMs;
  let elapsedS = (nowMs - start) / 1000;
  if (p.kind === 'Recurring') {
    const periodS = p.recurrency === 'Weekly' ? 7 * 86400 : 86400;
    elapsedS = ((elapsedS % periodS) + periodS) % periodS;
  }
  if (elapsedS < 0) return undefined;
  if (p.durationS !== undefined && elapsedS >= p.durationS) return undefined;
  let current: ScheduledProfile['periods'][number] | undefined;
  for (const period of p.periods) if (period.startPeriodS <= elapsedS) current = period;
  return current;
}

/**
 * Whether a profile can never be in force again after `nowMs` (past validTo; an Absolute schedule past its
 * duration). Recurring and Relative schedules end only with validTo (Relative ones with their transaction).
 */
export function profileEnded(p: ScheduledProfile, nowMs: number): boolean {
  if (p.validToMs !== undefined && nowMs >= p.validToMs) return true;
  if (p.kind !== 'Absolute' || p.durationS === undefined) return false;
  const start = p.startScheduleMs ?? p.validFromMs ?? p.receivedMs;
  return nowMs >= start + p.durationS * 1000;
}
