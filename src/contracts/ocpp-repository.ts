/**
 * What the OCPP server needs from storage. Implemented by src/store (SQLite); the composition root wires
 * them. Every write resolves once it is durable: a response tells a station its message was accepted only
 * after this promise resolves, so a crash never loses what a station was told was stored.
 */
import type { OcppVersion } from './station-gateway.ts';
import type { EvChargingNeeds } from './station-gateway.ts';

export type Registration = 'accepted' | 'pending' | 'rejected';

export interface StationRecord {
  readonly stationId: string;
  readonly registration: Registration;
  readonly ocppVersion?: OcppVersion | undefined;
  readonly vendor?: string | undefined;
  readonly model?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly firmwareVersion?: string | undefined;
  /** Hash of the password an auto-registered station presented first (trust on first use). */
  readonly passwordHash?: string | undefined;
  readonly lastBootMs?: number | undefined;
  readonly lastSeenMs?: number | undefined;
  readonly connected?: boolean | undefined;
}

export interface StationUpdate {
  readonly stationId: string;
  readonly registration?: Registration | undefined;
  readonly ocppVersion?: OcppVersion | undefined;
  readonly vendor?: string | undefined;
  readonly model?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly firmwareVersion?: string | undefined;
  readonly passwordHash?: string | undefined;
  readonly lastBootMs?: number | undefined;
  readonly connected?: boolean | undefined;
  readonly atMs: number;
}

/** A connector status report (1.6 StatusNotification, 2.0.1 StatusNotification / TransactionEvent). */
export interface StatusRecord {
  readonly stationId: string;
  /** 1.6: the connectorId; 2.0.1: the EVSE id (0 = the whole station). */
  readonly evseId: number;
  /** 1.6: same as evseId; 2.0.1: the connector of the EVSE. */
  readonly connectorId: number;
  readonly portId?: string | undefined;
  /** The status as the station sent it (e.g. Charging, Occupied, Faulted). */
  readonly status: string;
  readonly errorCode?: string | undefined;
  readonly info?: string | undefined;
  readonly atMs: number;
}

export interface SessionRecord {
  /** Fusebox's id; also the OCPP 1.6 transactionId. */
  readonly sessionId: number;
  readonly stationId: string;
  readonly portId?: string | undefined;
  readonly evseId: number;
  readonly connectorId: number;
  /** The OCPP transaction id as text (2.0.1: assigned by the station; 1.6: the sessionId). */
  readonly transactionRef: string;
  readonly idTag?: string | undefined;
  /** When it started, as Fusebox counts it: the station's timestamp when plausible, else the receive time. */
  readonly startedMs: number;
  /** The station's start timestamp and when Fusebox received the start (undefined in older rows). */
  readonly startedStationMs?: number | undefined;
  readonly startedReceivedMs?: number | undefined;
  readonly stoppedMs?: number | undefined;
  /** The station's stop timestamp and when Fusebox received the stop (undefined for inferred stops). */
  readonly stoppedStationMs?: number | undefined;
  readonly stoppedReceivedMs?: number | undefined;
  readonly meterStartWh?: number | undefined;
  /** Last energy register seen during the session (meter stop once stopped). */
  readonly meterLastWh?: number | undefined;
  readonly meterStopWh?: number | undefined;
  /** Energy delivered, in Wh: meter stop (or last) minus meter start. */
  readonly energyWh?: number | undefined;
  readonly stopReason?: string | undefined;
  /** 2.0.1: highest TransactionEvent seqNo applied (duplicates are ignored). */
  readonly lastSeqNo?: number | undefined;
  /** What the car said of its needs (the last NotifyEVChargingNeeds), if anything. */
  readonly evNeeds?: EvChargingNeeds | undefined;
}

export interface StartSessionInput {
  readonly stationId: string;
  readonly portId?: string | undefined;
  readonly evseId: number;
  readonly connectorId: number;
  /** 2.0.1 transaction id; absent for 1.6 (the new session id is used). */
  readonly transactionRef?: string | undefined;
  readonly idTag?: string | undefined;
  readonly startedMs: number;
  /** The station's timestamp (a retransmitted 1.6 start is recognised by it) and the receive time. */
  readonly stationMs?: number | undefined;
  readonly receivedMs?: number | undefined;
  readonly meterStartWh?: number | undefined;
  readonly seqNo?: number | undefined;
}

export interface SessionUpdate {
  readonly sessionId: number;
  readonly portId?: string | undefined;
  readonly evseId?: number | undefined;
  readonly connectorId?: number | undefined;
  readonly idTag?: string | undefined;
  readonly meterStartWh?: number | undefined;
  readonly meterLastWh?: number | undefined;
  readonly seqNo?: number | undefined;
}

export interface StopSessionInput {
  readonly sessionId: number;
  readonly stoppedMs: number;
  /** The station's timestamp and the receive time of its stop (undefined for a stop Fusebox inferred). */
  readonly stationMs?: number | undefined;
  readonly receivedMs?: number | undefined;
  readonly meterStopWh?: number | undefined;
  readonly reason?: string | undefined;
  readonly seqNo?: number | undefined;
  /**
   * Stop reasons of a stop Fusebox inferred (no stop message from the station) that this stop replaces: the
   * station's own stop, arriving late, carries the real time, meter stop and reason. Absent: an already
   * stopped session is left as it is.
   */
  readonly replacesReasons?: readonly string[] | undefined;
}

/** One sampled instant of one port, normalised, with the sampled values as the station sent them. */
export interface MeterSampleRecord {
  readonly stationId: string;
  readonly evseId: number;
  readonly portId?: string | undefined;
  readonly sessionId?: number | undefined;
  readonly atMs: number;
  readonly energyWh?: number | undefined;
  readonly powerW?: number | undefined;
  /** Per station conductor (L1, L2, L3 terminals), in A. */
  readonly currentA: readonly (number | undefined)[];
  readonly voltageV?: number | undefined;
  readonly socPct?: number | undefined;
  readonly raw: unknown;
  /** The station's timestamp when `atMs` is not it (implausible: replaced by the receive time). */
  readonly stationAtMs?: number | undefined;
  readonly receivedMs?: number | undefined;
}

export type SetpointOutcome = 'accepted' | 'rejected' | 'timeout' | 'error';

export interface SetpointRecord {
  readonly portId: string;
  readonly sessionId?: number | undefined;
  readonly purpose: 'default' | 'session';
  readonly currentA: number;
  /** The limit as sent, in `unit`. */
  readonly limit: number;
  readonly unit: 'A' | 'W';
  readonly sentMs: number;
  readonly resolvedMs: number;
  readonly outcome: SetpointOutcome;
  readonly reason?: string | undefined;
}

/** A setpoint about to be sent: stored, committed, before the frame goes out (see beginSetpoint). */
export type SentSetpointRecord = Omit<SetpointRecord, 'resolvedMs' | 'outcome' | 'reason'>;

/** The answer to a setpoint stored by beginSetpoint. */
export interface SetpointResolution {
  readonly id: number;
  readonly portId: string;
  readonly purpose: 'default' | 'session';
  readonly resolvedMs: number;
  readonly outcome: SetpointOutcome;
  readonly reason?: string | undefined;
}

export type EventLevel = 'info' | 'warn' | 'error';

export interface EventRecord {
  readonly atMs: number;
  readonly level: EventLevel;
  /** Stable machine-readable kind, e.g. 'setpoint-rejected', 'station-connected'. */
  readonly kind: string;
  readonly stationId?: string | undefined;
  readonly portId?: string | undefined;
  readonly sessionId?: number | undefined;
  readonly message: string;
  readonly data?: unknown;
}

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTagRecord {
  readonly idTag: string;
  readonly status: IdTagStatus;
  readonly expiresMs?: number | undefined;
  readonly parentIdTag?: string | undefined;
  /** 'local': the operator's list; 'cache': an answer remembered from elsewhere (a future cloud). */
  readonly source: 'local' | 'cache';
  readonly updatedMs: number;
}

/** A configured port as the store keeps it. */
export interface PortRecord {
  readonly portId: string;
  readonly stationId: string;
  readonly evseId: number;
  readonly failSafeA: number;
}

export interface OcppRepository {
  /** Record the configured ports (at start). */
  syncPorts(ports: readonly PortRecord[], atMs: number): Promise<void>;
  getStation(stationId: string): Promise<StationRecord | undefined>;
  updateStation(update: StationUpdate): Promise<void>;
  recordStatus(status: StatusRecord): Promise<void>;
  /** Idempotent: a retransmitted start returns the session it created first, with `duplicate: true`. */
  startSession(
    input: StartSessionInput,
  ): Promise<{ readonly session: SessionRecord; readonly duplicate: boolean }>;
  updateSession(update: SessionUpdate): Promise<SessionRecord | undefined>;
  stopSession(input: StopSessionInput): Promise<SessionRecord | undefined>;
  findSession(stationId: string, transactionRef: string): Promise<SessionRecord | undefined>;
  /** Store what the car said of its needs for an open session (replacing what it said before). */
  recordEvNeeds(sessionId: number, needs: EvChargingNeeds): Promise<void>;
  openSessions(): Promise<readonly SessionRecord[]>;
  /** Store readings (a retransmitted one is ignored) and advance their open session's energy register. */
  recordMeterValues(samples: readonly MeterSampleRecord[]): Promise<void>;
  recordSetpoint(setpoint: SetpointRecord): Promise<void>;
  /**
   * Store a setpoint about to be sent; resolves once committed, so a crash before its answer leaves it as
   * sent with no answer ('timeout': it may be in force). Returns its id for `resolveSetpoint`.
   */
  beginSetpoint(setpoint: SentSetpointRecord): Promise<number>;
  /** Store the answer to a setpoint of `beginSetpoint`. */
  resolveSetpoint(resolution: SetpointResolution): Promise<void>;
  recordEvent(event: EventRecord): Promise<void>;
  findIdTag(idTag: string): Promise<IdTagRecord | undefined>;
  saveIdTag(record: IdTagRecord): Promise<void>;
}

/** The cloud's charging profiles when Fusebox relays stations to a cloud CSMS (src/proxy/cloud-profiles.ts). */
/** A cloud profile as stored: the payload as the cloud sent it, and what it was bound to when accepted. */
export interface StoredCloudProfile {
  readonly stationId: string;
  /** The OCPP version of the payload (src/proxy/cloud-profiles.ts CloudProfileVersion). */
  readonly version: '1.6' | '2.0.1';
  /** 1.6 chargingProfileId, 2.0.1 id. */
  readonly profileId: number;
  readonly payload: unknown;
  readonly receivedMs: number;
  /** A TxProfile's Fusebox session (it ends with it). */
  readonly sessionId?: number | undefined;
  /** Set by a store that could not read the stored payload: why. */
  readonly unreadable?: string | undefined;
}

/** Where cloud profiles survive a restart (src/store, table cloud_profiles). */
export interface CloudProfileStore {
  all(): readonly StoredCloudProfile[];
  save(profile: StoredCloudProfile): Promise<void>;
  drop(stationId: string, profileId: number): Promise<void>;
}

/** An id tag of the operator's local list (the `id_tags` rows with source 'local'). */
export type LocalIdTag = Omit<IdTagRecord, 'source'>;

/** What SendLocalList needs of the store (src/ocpp/local-list-sync.ts; src/store implements it). */
export interface LocalListSource {
  /** The list's version: 0 until the first change. */
  version(): number;
  /** Its id tags, by id tag. */
  list(): readonly LocalIdTag[];
  /** The version a station last accepted by SendLocalList; null when never sent. */
  stationVersion(stationId: string): number | null;
  setStationVersion(stationId: string, version: number): Promise<void>;
}
