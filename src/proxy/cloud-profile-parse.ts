/**
 * The cloud's SetChargingProfile and ClearChargingProfile payloads (1.6 and 2.0.1) checked and read into
 * profiles (src/proxy/cloud-profiles.ts): a payload that is not valid throws Invalid, naming what is wrong.
 */
import { z } from 'zod';
import type { ScheduledProfile } from '../ocpp/charging-profile.ts';
import { profileEnded, schedulePeriods } from '../ocpp/charging-profile.ts';
import type { StoredCloudProfile } from '../contracts/ocpp-repository.ts';

export type CloudProfileVersion = '1.6' | '2.0.1';
export type CloudProfilePurpose = 'TxProfile' | 'TxDefaultProfile' | 'StationMax';

/**
 * A cloud profile. Its own schedule fields are its first chargingSchedule; `alternatives` holds all of them
 * (2.0.1: up to three on a TxProfile, the ISO 15118 schedules the car chooses from; one otherwise).
 */
export interface Profile extends ScheduledProfile {
  readonly alternatives: readonly ScheduledProfile[];
  readonly stored: StoredCloudProfile;
  readonly purpose: CloudProfilePurpose;
  readonly stackLevel: number;
  /** 1.6 connectorId, 2.0.1 evseId; 0: the whole station. */
  readonly connectorId: number;
}

const dateTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a date-time');
const period = z.object({
  startPeriod: z.number().int().min(0),
  limit: z.number().min(0).finite(),
  numberPhases: z.number().int().min(1).max(3).optional(),
});
const schedule = z.object({
  duration: z.number().int().min(0).optional(),
  startSchedule: dateTime.optional(),
  chargingRateUnit: z.enum(['A', 'W']),
  chargingSchedulePeriod: z.array(period).min(1),
  minChargingRate: z.number().optional(),
});
const common = {
  stackLevel: z.number().int().min(0),
  chargingProfileKind: z.enum(['Absolute', 'Recurring', 'Relative']),
  recurrencyKind: z.enum(['Daily', 'Weekly']).optional(),
  validFrom: dateTime.optional(),
  validTo: dateTime.optional(),
};
const set16 = z.object({
  connectorId: z.number().int().min(0),
  csChargingProfiles: z.object({
    ...common,
    chargingProfileId: z.number().int(),
    transactionId: z.number().int().optional(),
    chargingProfilePurpose: z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']),
    chargingSchedule: schedule,
  }),
});
const set2 = z.object({
  evseId: z.number().int().min(0),
  chargingProfile: z.object({
    ...common,
    id: z.number().int(),
    transactionId: z.string().optional(),
    chargingProfilePurpose: z.enum(['ChargingStationMaxProfile', 'TxDefaultProfile', 'TxProfile']),
    chargingSchedule: z
      .array(schedule.extend({ id: z.number().int() }))
      .min(1)
      .max(3),
  }),
});
const clear16 = z.object({
  id: z.number().int().optional(),
  connectorId: z.number().int().min(0).optional(),
  chargingProfilePurpose: z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']).optional(),
  stackLevel: z.number().int().min(0).optional(),
});
const clear2 = z.object({
  chargingProfileId: z.number().int().optional(),
  chargingProfileCriteria: z
    .object({
      evseId: z.number().int().min(0).optional(),
      chargingProfilePurpose: z
        .enum([
          'ChargingStationMaxProfile',
          'TxDefaultProfile',
          'TxProfile',
          'ChargingStationExternalConstraints',
        ])
        .optional(),
      stackLevel: z.number().int().min(0).optional(),
    })
    .optional(),
});

/** "csChargingProfiles.chargingSchedule.chargingRateUnit: …; …" */
function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

export class Invalid extends Error {}

const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));
export const purposeOf = (p: string): CloudProfilePurpose =>
  p === 'TxProfile' || p === 'TxDefaultProfile' ? p : 'StationMax';

/** A stored payload as a profile; throws Invalid naming what is wrong. */
export function parse(stored: StoredCloudProfile): Profile {
  let fields: Omit<Profile, 'stored' | 'receivedMs' | 'alternatives'>;
  let alternatives: Omit<ScheduledProfile, 'receivedMs'>[];
  let connectorName: string;
  if (stored.version === '1.6') {
    const r = set16.safeParse(stored.payload);
    if (!r.success) throw new Invalid(issues(r.error));
    const cp = r.data.csChargingProfiles;
    connectorName = 'connector';
    fields = {
      purpose: purposeOf(cp.chargingProfilePurpose),
      stackLevel: cp.stackLevel,
      connectorId: r.data.connectorId,
      ...scheduleFields(cp, cp.chargingSchedule),
    };
    alternatives = [fields];
  } else {
    const r = set2.safeParse(stored.payload);
    if (!r.success) throw new Invalid(issues(r.error));
    const cp = r.data.chargingProfile;
    connectorName = 'EVSE';
    // Several schedules: the ISO 15118 alternatives the car chooses from, allowed on a TxProfile only
    // (2.0.1 ChargingProfileType.chargingSchedule). Fusebox does not forward them, so no car chooses: the cap
    // is the lowest of them in force at each instant (bestIn), which keeps every one of them.
    if (cp.chargingSchedule.length > 1 && cp.chargingProfilePurpose !== 'TxProfile')
      throw new Invalid(
        `several chargingSchedules (${cp.chargingSchedule.length}) are allowed on a TxProfile only, not on a ${cp.chargingProfilePurpose}`,
      );
    alternatives = cp.chargingSchedule.map((x) => scheduleFields(cp, x));
    fields = {
      purpose: purposeOf(cp.chargingProfilePurpose),
      stackLevel: cp.stackLevel,
      connectorId: r.data.evseId,
      ...alternatives[0]!,
    };
  }
  if (fields.kind === 'Recurring' && fields.recurrency === undefined)
    throw new Invalid('a Recurring profile needs recurrencyKind');
  for (const a of alternatives) {
    let last = -1;
    for (const p of a.periods) {
      if (p.startPeriodS <= last) throw new Invalid('chargingSchedulePeriod: startPeriod must increase');
      last = p.startPeriodS;
    }
  }
  if (fields.purpose === 'TxProfile' && fields.connectorId === 0)
    throw new Invalid(`a TxProfile cannot be set on ${connectorName} 0 (the whole station)`);
  if (fields.purpose === 'StationMax' && fields.connectorId !== 0)
    throw new Invalid(`a station maximum profile belongs on ${connectorName} 0, not ${fields.connectorId}`);
  const receivedMs = stored.receivedMs;
  return { ...fields, alternatives: alternatives.map((a) => ({ ...a, receivedMs })), stored, receivedMs };
}

/** Every schedule of the profile is over (see profileEnded). */
export const ended = (p: Profile, nowMs: number): boolean =>
  p.alternatives.every((a) => profileEnded(a, nowMs));

function scheduleFields(
  cp: z.infer<typeof set16>['csChargingProfiles'] | z.infer<typeof set2>['chargingProfile'],
  s: z.infer<typeof schedule>,
): Omit<ScheduledProfile, 'receivedMs'> {
  return {
    kind: cp.chargingProfileKind,
    recurrency: cp.recurrencyKind,
    validFromMs: ms(cp.validFrom),
    validToMs: ms(cp.validTo),
    startScheduleMs: ms(s.startSchedule),
    durationS: s.duration,
    unit: s.chargingRateUnit,
    periods: schedulePeriods(s.chargingSchedulePeriod),
  };
}

export const profileIdOf = (version: CloudProfileVersion, payload: unknown): number | undefined => {
  const p = payload as Record<string, Record<string, unknown> | undefined> | null;
  const id = version === '1.6' ? p?.csChargingProfiles?.chargingProfileId : p?.chargingProfile?.id;
  return typeof id === 'number' ? id : undefined;
};

/** Which profiles a ClearChargingProfile takes, or what is wrong with it. */
export function clearMatcher(
  version: CloudProfileVersion,
  payload: unknown,
): ((p: Profile) => boolean) | { readonly invalid: string } {
  if (version === '1.6') {
    const r = clear16.safeParse(payload ?? {});
    if (!r.success) return { invalid: issues(r.error) };
    const c = r.data;
    return (p) =>
      (c.id === undefined || p.stored.profileId === c.id) &&
      (c.connectorId === undefined || p.connectorId === c.connectorId) &&
      (c.chargingProfilePurpose === undefined || p.purpose === purposeOf(c.chargingProfilePurpose)) &&
      (c.stackLevel === undefined || p.stackLevel === c.stackLevel);
  }
  const r = clear2.safeParse(payload ?? {});
  if (!r.success) return { invalid: issues(r.error) };
  const id = r.data.chargingProfileId;
  const c = r.data.chargingProfileCriteria ?? {};
  return (p) =>
    (id === undefined || p.stored.profileId === id) &&
    (c.evseId === undefined || p.connectorId === c.evseId) &&
    (c.chargingProfilePurpose === undefined || p.purpose === purposeOf(c.chargingProfilePurpose)) &&
    (c.stackLevel === undefined || p.stackLevel === c.stackLevel);
}
