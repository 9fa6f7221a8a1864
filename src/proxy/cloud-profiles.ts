/**
 * The cloud's charging profiles as caps (issue 11, docs/proxy.md). The relay hands Fusebox every
 * SetChargingProfile / ClearChargingProfile the cloud sends to a station; Fusebox answers them itself and
 * never forwards them (they would replace its own profiles). A valid profile becomes one more cap in the
 * allocation: each port gets the lower of Fusebox's share and the cloud's limit (`limitedBy` "cloud
 * profile").
 *
 * Per port, as a station would combine them (1.6 §3.13.4, 2.0.1 K01): the TxProfile of the port's running
 * transaction, else the TxDefaultProfile of the connector, else that of connector 0; in each purpose the
 * highest stack level in force wins, and a connector's own profile beats connector 0's at the same level.
 * The station maximum (1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile, connector 0) is one
 * limit for all its ports together: the allocator has no per-station group, so it is shared among the
 * station's ports that have a car, each up to its own cap, as per-port caps that sum to it.
 *
 * Limits in W become A per phase with the port's wiring and supply voltage, counting every conductor of the
 * port (never above the cloud's power; a single-phase car on a three-phase port gets a third).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Site } from '../core/site.ts';
import type { ScheduledProfile } from '../ocpp/charging-profile.ts';
import { periodAt, profileEnded } from '../ocpp/charging-profile.ts';
import type { PortInfo } from '../ocpp/port-directory.ts';
import { PortDirectory, wattsToCurrent } from '../ocpp/port-directory.ts';
import type { CloudProfileStore, StoredCloudProfile } from '../contracts/ocpp-repository.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';

export type { CloudProfileStore, StoredCloudProfile };

export type CloudProfileVersion = '1.6' | '2.0.1';
export interface CloudProfileSink {
  /** The cloud's SetChargingProfile for a station (payload unchanged, as the cloud sent it). Returns the status Fusebox answers the cloud with ('Accepted' | 'Rejected'), never forwarded to the station. */
  set(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Rejected';
  /** The cloud's ClearChargingProfile; returns 'Accepted' | 'Unknown'. */
  clear(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Unknown';
}

/** At most this many steps of a station's schedules are looked at within the look-ahead. */
const LOOKAHEAD_STEPS = 16;

export type CloudProfilePurpose = 'TxProfile' | 'TxDefaultProfile' | 'StationMax';

export interface CloudProfilesDeps {
  readonly site: Site;
  /** The ports as the gateway sees them now (sessions). */
  readonly ports: () => readonly PortSnapshot[];
  readonly logger: Logger;
  readonly now: () => number;
  readonly store?: CloudProfileStore | undefined;
  /** Called after a profile is set, cleared or dropped (the control loop re-allocates). */
  readonly onChange?: (() => void) | undefined;
}

/**
 * A cloud profile. Its own schedule fields are its first chargingSchedule; `alternatives` holds all of them
 * (2.0.1: up to three on a TxProfile, the ISO 15118 schedules the car chooses from; one otherwise).
 */
interface Profile extends ScheduledProfile {
  readonly alternatives: readonly ScheduledProfile[];
  readonly stored: StoredCloudProfile;
  readonly purpose: CloudProfilePurpose;
  readonly stackLevel: number;
  /** 1.6 connectorId, 2.0.1 evseId; 0: the whole station. */
  readonly connectorId: number;
}

// ---- validation -------------------------------------------------------------------------------------------

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

class Invalid extends Error {}

const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));
const purposeOf = (p: string): CloudProfilePurpose =>
  p === 'TxProfile' || p === 'TxDefaultProfile' ? p : 'StationMax';

/** A stored payload as a profile; throws Invalid naming what is wrong. */
function parse(stored: StoredCloudProfile): Profile {
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
const ended = (p: Profile, nowMs: number): boolean => p.alternatives.every((a) => profileEnded(a, nowMs));

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
    periods: s.chargingSchedulePeriod.map((p) => ({
      startPeriodS: p.startPeriod,
      limit: p.limit,
      numberPhases: p.numberPhases,
    })),
  };
}

const profileIdOf = (version: CloudProfileVersion, payload: unknown): number | undefined => {
  const p = payload as Record<string, Record<string, unknown> | undefined> | null;
  const id = version === '1.6' ? p?.csChargingProfiles?.chargingProfileId : p?.chargingProfile?.id;
  return typeof id === 'number' ? id : undefined;
};

// ---- the profiles and their caps --------------------------------------------------------------------------

export class CloudProfiles implements CloudProfileSink {
  private readonly directory: PortDirectory;
  /** Per station, its profiles in the order they came. */
  private readonly byStation = new Map<string, Profile[]>();

  constructor(private readonly deps: CloudProfilesDeps) {
    this.directory = new PortDirectory(deps.site);
    for (const stored of deps.store?.all() ?? []) {
      try {
        if (stored.unreadable !== undefined) throw new Invalid(stored.unreadable);
        this.add(parse(stored));
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        deps.logger.warn(
          { stationId: stored.stationId, profileId: stored.profileId },
          `stored cloud charging profile dropped: ${err.message}`,
        );
        this.persistDrop(stored.stationId, stored.profileId);
      }
    }
  }

  set(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Rejected' {
    const nowMs = this.deps.now();
    const log = this.deps.logger;
    let profile: Profile;
    try {
      if (!this.directory.ofStation(stationId).length)
        throw new Invalid(`station ${stationId} is not configured`);
      const profileId = profileIdOf(version, payload) ?? 0;
      const parsed = parse({ stationId, version, profileId, payload, receivedMs: nowMs });
      let sessionId: number | undefined;
      if (parsed.connectorId !== 0 && !this.directory.at(stationId, parsed.connectorId))
        throw new Invalid(`connector ${parsed.connectorId} of station ${stationId} is not configured`);
      if (parsed.purpose === 'TxProfile') {
        const port = this.portAt(stationId, parsed.connectorId);
        sessionId = port?.sessionId;
        if (sessionId === undefined)
          throw new Invalid(
            `a TxProfile needs a transaction: no transaction on connector ${parsed.connectorId} of station ${stationId}`,
          );
      }
      if (ended(parsed, nowMs)) throw new Invalid('its schedule has already ended (validTo or duration)');
      profile = { ...parsed, stored: { ...parsed.stored, sessionId } };
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      log.warn({ stationId, version, payload }, `cloud charging profile rejected: ${err.message}`);
      return 'Rejected';
    }
    const replaced = this.add(profile);
    for (const old of replaced)
      if (old.stored.profileId !== profile.stored.profileId)
        this.persistDrop(stationId, old.stored.profileId);
    this.persistSave(profile.stored);
    log.info(
      {
        stationId,
        profileId: profile.stored.profileId,
        purpose: profile.purpose,
        connectorId: profile.connectorId,
      },
      'cloud charging profile accepted as a cap',
    );
    this.deps.onChange?.();
    return 'Accepted';
  }

  clear(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Unknown' {
    let match: (p: Profile) => boolean;
    if (version === '1.6') {
      const r = clear16.safeParse(payload ?? {});
      if (!r.success) return this.badClear(stationId, payload, issues(r.error));
      const c = r.data;
      match = (p) =>
        (c.id === undefined || p.stored.profileId === c.id) &&
        (c.connectorId === undefined || p.connectorId === c.connectorId) &&
        (c.chargingProfilePurpose === undefined || p.purpose === purposeOf(c.chargingProfilePurpose)) &&
        (c.stackLevel === undefined || p.stackLevel === c.stackLevel);
    } else {
      const r = clear2.safeParse(payload ?? {});
      if (!r.success) return this.badClear(stationId, payload, issues(r.error));
      const id = r.data.chargingProfileId;
      const c = r.data.chargingProfileCriteria ?? {};
      match = (p) =>
        (id === undefined || p.stored.profileId === id) &&
        (c.evseId === undefined || p.connectorId === c.evseId) &&
        (c.chargingProfilePurpose === undefined || p.purpose === purposeOf(c.chargingProfilePurpose)) &&
        (c.stackLevel === undefined || p.stackLevel === c.stackLevel);
    }
    const list = this.byStation.get(stationId) ?? [];
    const gone = list.filter(match);
    if (!gone.length) return 'Unknown';
    this.byStation.set(
      stationId,
      list.filter((p) => !gone.includes(p)),
    );
    for (const p of gone) this.persistDrop(stationId, p.stored.profileId);
    this.deps.logger.info(
      { stationId, profileIds: gone.map((p) => p.stored.profileId) },
      'cloud charging profiles cleared',
    );
    this.deps.onChange?.();
    return 'Accepted';
  }

  /** The profiles in force or still to come, per station in the order they came. */
  list(): readonly StoredCloudProfile[] {
    return [...this.byStation.values()].flat().map((p) => p.stored);
  }

  /**
   * The next instant after `nowMs` at which the caps of capsA(·, leadMs) may change, for the control loop
   * to run then: a step of a schedule (a period starts, a schedule or its validity begins or ends; Relative
   * ones from the start of the port's transaction) is seen `leadMs` ahead (a drop enters the look-ahead)
   * and when it starts (a rise); undefined when none is known.
   */
  nextChangeMs(nowMs: number, leadMs = 0): number | undefined {
    let next: number | undefined;
    const consider = (t: number): void => {
      if (t > nowMs && (next === undefined || t < next)) next = t;
    };
    const starts = transactionStarts(this.deps.ports());
    for (const [stationId, profiles] of this.byStation) {
      const s = starts.get(stationId) ?? [];
      for (const t of boundaries(s, profiles, nowMs, Infinity, 1)) {
        consider(t - leadMs);
        consider(t);
      }
      // A step beyond the look-ahead's edge: when it enters it.
      if (leadMs > 0)
        for (const t of boundaries(s, profiles, nowMs + leadMs, Infinity, 1)) consider(t - leadMs);
    }
    return next;
  }

  /**
   * The cloud's cap per port, in A per phase, at `nowMs` and, with `leadMs`, the lowest of it until
   * `nowMs + leadMs`: a drop of a cloud schedule is in force `leadMs` ahead, as a drop of a site schedule
   * is (control.md), so the cars and the stations' fail-safe defaults follow by its start. Ports without
   * a cap are not listed. Drops profiles that ended (schedule over, transaction over) on the way.
   */
  capsA(nowMs: number, leadMs = 0): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    if (this.byStation.size === 0) return out;
    const ports = this.deps.ports();
    const starts = transactionStarts(ports);
    const byStation = new Map<string, PortSnapshot[]>();
    for (const p of ports) {
      let list = byStation.get(p.stationId);
      if (!list) byStation.set(p.stationId, (list = []));
      list.push(p);
    }
    let dropped = false;
    for (const [stationId, profiles] of this.byStation) {
      const stationPorts = byStation.get(stationId) ?? [];
      const sessions = new Map(stationPorts.map((p) => [p.connectorId, p]));
      const live = profiles.filter((p) => {
        const sessionOver =
          p.purpose === 'TxProfile' && sessions.get(p.connectorId)?.sessionId !== p.stored.sessionId;
        if (!sessionOver && !ended(p, nowMs)) return true;
        this.persistDrop(stationId, p.stored.profileId);
        this.deps.logger.info(
          { stationId, profileId: p.stored.profileId },
          sessionOver ? 'cloud TxProfile ended with its transaction' : 'cloud charging profile ended',
        );
        dropped = true;
        return false;
      });
      if (live.length !== profiles.length) {
        if (live.length) this.byStation.set(stationId, live);
        else this.byStation.delete(stationId);
      }
      const caps = new Map<string, number>();
      this.stationCaps(live, stationPorts, nowMs, caps);
      if (leadMs > 0)
        for (const t of boundaries(
          starts.get(stationId) ?? [],
          live,
          nowMs,
          nowMs + leadMs,
          LOOKAHEAD_STEPS,
        )) {
          const later = new Map<string, number>();
          this.stationCaps(live, stationPorts, t, later);
          for (const [portId, a] of later) caps.set(portId, Math.min(caps.get(portId) ?? Infinity, a));
        }
      for (const [portId, a] of caps) out.set(portId, a);
    }
    if (dropped) this.deps.onChange?.();
    return out;
  }

  private stationCaps(
    profiles: readonly Profile[],
    ports: readonly PortSnapshot[],
    nowMs: number,
    out: Map<string, number>,
  ): void {
    const own = new Map<string, number>();
    for (const port of ports) {
      const info = this.directory.get(port.portId);
      if (!info) continue;
      const start = port.sessionStartedAtMs;
      const tx =
        port.sessionId === undefined
          ? undefined
          : best(
              profiles,
              nowMs,
              start,
              (p) =>
                p.purpose === 'TxProfile' &&
                p.connectorId === port.connectorId &&
                p.stored.sessionId === port.sessionId,
              port.connectorId,
              info,
            );
      const cap =
        tx ??
        best(
          profiles,
          nowMs,
          start,
          (p) =>
            p.purpose === 'TxDefaultProfile' && (p.connectorId === port.connectorId || p.connectorId === 0),
          port.connectorId,
          info,
        );
      if (cap !== undefined) own.set(port.portId, cap);
    }
    // The station maximum, shared in its unit among the ports with a car (water filling up to their caps).
    const max = bestProfile(profiles, nowMs, undefined, (p) => p.purpose === 'StationMax', 0);
    const withCar = ports.filter((p) => p.sessionId !== undefined && this.directory.get(p.portId));
    if (max && withCar.length) {
      const perA = withCar.map((p) => {
        const info = this.directory.get(p.portId)!;
        // Units of the station limit per A of this port: 1 for A, its W per A for W.
        return max.profile.unit === 'A' ? 1 : 1 / wattsToCurrent(1, info, info.conductors);
      });
      const ceilings = withCar.map((p, i) => {
        const capA = Math.min(own.get(p.portId) ?? Infinity, this.directory.get(p.portId)!.port.maxCurrentA);
        return capA * perA[i]!;
      });
      const shares = waterFill(max.limit, ceilings);
      withCar.forEach((p, i) => {
        const shareA = shares[i]! / perA[i]!;
        own.set(p.portId, Math.min(own.get(p.portId) ?? Infinity, shareA));
      });
    }
    for (const [portId, a] of own) out.set(portId, a);
  }

  /** Adds a profile; one with the same id, or the same purpose, stack level and connector, is replaced. */
  private add(profile: Profile): Profile[] {
    const list = this.byStation.get(profile.stored.stationId) ?? [];
    const replaced = list.filter(
      (p) =>
        p.stored.profileId === profile.stored.profileId ||
        (p.purpose === profile.purpose &&
          p.stackLevel === profile.stackLevel &&
          p.connectorId === profile.connectorId),
    );
    this.byStation.set(profile.stored.stationId, [...list.filter((p) => !replaced.includes(p)), profile]);
    return replaced;
  }

  private portAt(stationId: string, connectorId: number): PortSnapshot | undefined {
    return this.deps.ports().find((p) => p.stationId === stationId && p.connectorId === connectorId);
  }

  private badClear(stationId: string, payload: unknown, why: string): 'Unknown' {
    this.deps.logger.warn({ stationId, payload }, `cloud ClearChargingProfile ignored: ${why}`);
    return 'Unknown';
  }

  private persistSave(stored: StoredCloudProfile): void {
    this.deps.store
      ?.save(stored)
      .catch((err: unknown) =>
        this.deps.logger.error(
          { err, stationId: stored.stationId },
          'could not store a cloud charging profile',
        ),
      );
  }

  private persistDrop(stationId: string, profileId: number): void {
    this.deps.store
      ?.drop(stationId, profileId)
      .catch((err: unknown) =>
        this.deps.logger.error({ err, stationId }, 'could not drop a stored cloud charging profile'),
      );
  }
}

/**
 * The steps of a station's profiles in (fromMs, toMs], soonest first, at most `max`: those of the
 * Relative schedules counted from each of `starts` (its transactions' starts).
 */
function boundaries(
  starts: readonly number[],
  profiles: readonly Profile[],
  fromMs: number,
  toMs: number,
  max: number,
): number[] {
  const out = new Set<number>();
  for (const p of profiles)
    for (const a of p.alternatives)
      for (const start of a.kind === 'Relative' ? starts : [undefined]) {
        let t = fromMs;
        for (let i = 0; i < max; i++) {
          const next = nextBoundaryMs(a, t, start);
          if (next === undefined || next > toMs) break;
          out.add(next);
          t = next;
        }
      }
  return [...out].sort((x, y) => x - y).slice(0, max);
}

/** The start of each transaction, per station. */
function transactionStarts(ports: readonly PortSnapshot[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of ports) {
    if (p.sessionStartedAtMs === undefined) continue;
    let list = out.get(p.stationId);
    if (!list) out.set(p.stationId, (list = []));
    list.push(p.sessionStartedAtMs);
  }
  return out;
}

/**
 * The first instant after `nowMs` at which the schedule's limit may change (see CloudProfiles.nextChangeMs);
 * a Relative schedule's steps only with the start of its transaction, `transactionStartMs`.
 */
function nextBoundaryMs(p: ScheduledProfile, nowMs: number, transactionStartMs?: number): number | undefined {
  const at: number[] = [];
  if (p.validFromMs !== undefined) at.push(p.validFromMs);
  if (p.validToMs !== undefined) at.push(p.validToMs);
  if (p.kind !== 'Relative' || transactionStartMs !== undefined) {
    const start =
      p.kind === 'Relative' ? transactionStartMs! : (p.startScheduleMs ?? p.validFromMs ?? p.receivedMs);
    const offsetsMs = [
      ...p.periods.map((x) => x.startPeriodS),
      ...(p.durationS !== undefined ? [p.durationS] : []),
    ].map((s) => s * 1000);
    if (p.kind !== 'Recurring') for (const o of offsetsMs) at.push(start + o);
    else {
      const cycleMs = (p.recurrency === 'Weekly' ? 7 : 1) * 86_400_000;
      const cycle = Math.floor((nowMs - start) / cycleMs);
      for (const c of [cycle, cycle + 1]) for (const o of offsetsMs) at.push(start + c * cycleMs + o);
    }
  }
  let next: number | undefined;
  for (const t of at) if (t > nowMs && (next === undefined || t < next)) next = t;
  return next;
}

/** The winning profile of those matching and in force, with its limit in its unit. */
function bestProfile(
  profiles: readonly Profile[],
  nowMs: number,
  transactionStartMs: number | undefined,
  matches: (p: Profile) => boolean,
  connectorId: number,
): { profile: Profile; limit: number; numberPhases?: number | undefined } | undefined {
  let chosen:
    { profile: Profile; limit: number; numberPhases?: number | undefined; rank: number } | undefined;
  for (const p of profiles) {
    if (!matches(p)) continue;
    const period = periodAt(p, nowMs, transactionStartMs);
    if (!period && !p.alternatives.some((a) => periodAt(a, nowMs, transactionStartMs))) continue;
    // Higher stack level first; at the same level the connector's own profile beats connector 0's.
    const rank = p.stackLevel * 2 + (p.connectorId === connectorId ? 1 : 0);
    if (!chosen || rank > chosen.rank)
      chosen = { profile: p, limit: period?.limit ?? Infinity, numberPhases: period?.numberPhases, rank };
  }
  return chosen;
}

/** As bestProfile, in A per phase for the port. */
function best(
  profiles: readonly Profile[],
  nowMs: number,
  transactionStartMs: number | undefined,
  matches: (p: Profile) => boolean,
  connectorId: number,
  info: PortInfo,
): number | undefined {
  const b = bestProfile(profiles, nowMs, transactionStartMs, matches, connectorId);
  if (!b) return undefined;
  // The lowest of its schedules in force (one but for a 2.0.1 TxProfile with ISO 15118 alternatives).
  let a = Infinity;
  for (const s of b.profile.alternatives) {
    const period = periodAt(s, nowMs, transactionStartMs);
    if (!period) continue;
    a = Math.min(a, s.unit === 'A' ? period.limit : wattsToCurrent(period.limit, info, info.conductors));
  }
  return a;
}

/** Shares `total` equally, none above its ceiling; what a capped one leaves goes to the others. */
export function waterFill(total: number, ceilings: readonly number[]): number[] {
  const out = ceilings.map(() => 0);
  const order = ceilings.map((c, i) => [c, i] as const).sort((a, b) => a[0] - b[0]);
  let left = Math.max(0, total);
  for (let k = 0; k < order.length; k++) {
    const [ceiling, i] = order[k]!;
    const share = left / (order.length - k);
    out[i] = Math.min(ceiling, share);
    left -= out[i];
  }
  return out;
}

/**
 * A sink that takes no cloud profile: every profile is answered Rejected and every clear Unknown, so the
 * cloud knows its limit is not in force. The relay's default when it is given no sink (tests); `fusebox
 * start` gives it CloudProfiles.
 */
export class RejectingCloudProfiles implements CloudProfileSink {
  set(): 'Rejected' {
    return 'Rejected';
  }

  clear(): 'Unknown' {
    return 'Unknown';
  }
}
