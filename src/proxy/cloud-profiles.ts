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
import type { Site } from '../core/site.ts';
import { PortDirectory, wattsToCurrent } from '../ocpp/port-directory.ts';
import type { CloudProfileStore, StoredCloudProfile } from '../contracts/ocpp-repository.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import type { CloudProfilePurpose, CloudProfileVersion, Profile } from './cloud-profile-parse.ts';
import { clearMatcher, ended, Invalid, parse, profileIdOf } from './cloud-profile-parse.ts';
import {
  best,
  bestProfile,
  boundaries,
  LOOKAHEAD_STEPS,
  transactionStarts,
  waterFill,
} from './cloud-profile-limits.ts';

export type { CloudProfileStore, StoredCloudProfile };
export type { CloudProfilePurpose, CloudProfileVersion };

export interface CloudProfileSink {
  /** The cloud's SetChargingProfile for a station (payload unchanged, as the cloud sent it). Returns the status Fusebox answers the cloud with ('Accepted' | 'Rejected'), never forwarded to the station. */
  set(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Rejected';
  /** The cloud's ClearChargingProfile; returns 'Accepted' | 'Unknown'. */
  clear(stationId: string, version: CloudProfileVersion, payload: unknown): 'Accepted' | 'Unknown';
}

export interface CloudProfilesDeps {
  readonly site: Site;
  /**
   * A port as the gateway sees it now (its session), by port id. Asked only for the ports of stations that
   * have a cloud profile: the control loop asks for caps and their next change on every run, and a site of
   * 2,000 ports without cloud profiles must not pay for a snapshot of every port each time.
   */
  readonly port: (portId: string) => PortSnapshot | undefined;
  readonly logger: Logger;
  readonly now: () => number;
  readonly store?: CloudProfileStore | undefined;
  /** Called after a profile is set, cleared or dropped (the control loop re-allocates). */
  readonly onChange?: (() => void) | undefined;
}

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
    const match = clearMatcher(version, payload);
    if (typeof match !== 'function') return this.badClear(stationId, payload, match.invalid);
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
    for (const [stationId, profiles] of this.byStation) {
      const s = transactionStarts(this.portsOf(stationId)).get(stationId) ?? [];
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
    let dropped = false;
    for (const [stationId, profiles] of this.byStation) {
      const stationPorts = this.portsOf(stationId);
      const starts = transactionStarts(stationPorts);
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
              {
                profiles,
                nowMs,
                transactionStartMs: start,
                matches: (p) =>
                  p.purpose === 'TxProfile' &&
                  p.connectorId === port.connectorId &&
                  p.stored.sessionId === port.sessionId,
                connectorId: port.connectorId,
              },
              info,
            );
      const cap =
        tx ??
        best(
          {
            profiles,
            nowMs,
            transactionStartMs: start,
            matches: (p) =>
              p.purpose === 'TxDefaultProfile' && (p.connectorId === port.connectorId || p.connectorId === 0),
            connectorId: port.connectorId,
          },
          info,
        );
      if (cap !== undefined) own.set(port.portId, cap);
    }
    // The station maximum, shared in its unit among the ports with a car (water filling up to their caps).
    const max = bestProfile({
      profiles,
      nowMs,
      transactionStartMs: undefined,
      matches: (p) => p.purpose === 'StationMax',
      connectorId: 0,
    });
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
    const info = this.directory.at(stationId, connectorId);
    return info ? this.deps.port(info.port.id) : undefined;
  }

  /** The station's ports as the gateway sees them now. */
  private portsOf(stationId: string): PortSnapshot[] {
    const out: PortSnapshot[] = [];
    for (const info of this.directory.ofStation(stationId)) {
      const p = this.deps.port(info.port.id);
      if (p) out.push(p);
    }
    return out;
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
