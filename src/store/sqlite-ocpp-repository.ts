/** OcppRepository on SQLite: reads on this thread's connection, writes through the StoreWriter. */
import type Database from 'better-sqlite3';
import type {
  EventRecord,
  IdTagRecord,
  MeterSampleRecord,
  OcppRepository,
  PortRecord,
  SessionRecord,
  SessionUpdate,
  SentSetpointRecord,
  SetpointRecord,
  SetpointResolution,
  StartSessionInput,
  StationRecord,
  StationUpdate,
  StatusRecord,
  StopSessionInput,
} from '../contracts/ocpp-repository.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';
import { sessionStatements, toSession } from './session-rows.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface StationRow {
  station_id: string;
  registration: StationRecord['registration'];
  ocpp_version: string | null;
  vendor: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  password_hash: string | null;
  last_boot_ms: number | null;
  last_seen_ms: number | null;
  connected: number;
}

interface IdTagRow {
  id_tag: string;
  status: IdTagRecord['status'];
  expires_ms: number | null;
  parent_id_tag: string | null;
  source: IdTagRecord['source'];
  updated_ms: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export class SqliteOcppRepository implements OcppRepository {
  private readonly s;
  private readonly eventListeners = new Set<(event: EventRecord & { readonly id: number }) => void>();

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    this.s = {
      ...sessionStatements(db),
      station: db.prepare<[string], StationRow>('SELECT * FROM stations WHERE station_id = ?'),
      idTag: db.prepare<[string], IdTagRow>('SELECT * FROM id_tags WHERE id_tag = ?'),
    };
  }

  getStation(stationId: string): Promise<StationRecord | undefined> {
    const r = this.s.station.get(stationId);
    return Promise.resolve(
      r && {
        stationId: r.station_id,
        registration: r.registration,
        ocppVersion: opt(r.ocpp_version) as OcppVersion | undefined,
        vendor: opt(r.vendor),
        model: opt(r.model),
        serialNumber: opt(r.serial_number),
        firmwareVersion: opt(r.firmware_version),
        passwordHash: opt(r.password_hash),
        lastBootMs: opt(r.last_boot_ms),
        lastSeenMs: opt(r.last_seen_ms),
        connected: r.connected === 1,
      },
    );
  }

  findSession(stationId: string, transactionRef: string): Promise<SessionRecord | undefined> {
    const row = this.s.sessionByRef.get(stationId, transactionRef);
    return Promise.resolve(row && toSession(row));
  }

  openSessions(): Promise<readonly SessionRecord[]> {
    return Promise.resolve(this.s.openSessions.all().map(toSession));
  }

  findIdTag(idTag: string): Promise<IdTagRecord | undefined> {
    const r = this.s.idTag.get(idTag);
    return Promise.resolve(
      r && {
        idTag: r.id_tag,
        status: r.status,
        expiresMs: opt(r.expires_ms),
        parentIdTag: opt(r.parent_id_tag),
        source: r.source,
        updatedMs: r.updated_ms,
      },
    );
  }

  updateStation(update: StationUpdate): Promise<void> {
    return this.writer.run('updateStation', update);
  }

  syncPorts(ports: readonly PortRecord[], atMs: number): Promise<void> {
    return this.writer.run('syncPorts', { ports, atMs });
  }

  recordStatus(status: StatusRecord): Promise<void> {
    return this.writer.run('recordStatus', status);
  }

  startSession(input: StartSessionInput): Promise<{ session: SessionRecord; duplicate: boolean }> {
    return this.writer.run('startSession', input);
  }

  updateSession(update: SessionUpdate): Promise<SessionRecord | undefined> {
    return this.writer.run('updateSession', { ...update, nowMs: this.clock.nowMs() });
  }

  stopSession(input: StopSessionInput): Promise<SessionRecord | undefined> {
    return this.writer.run('stopSession', input);
  }

  recordEvNeeds(sessionId: number, needs: EvChargingNeeds): Promise<void> {
    return this.writer.run('recordEvNeeds', { sessionId, needs });
  }

  recordMeterValues(samples: readonly MeterSampleRecord[]): Promise<void> {
    if (!samples.length) return Promise.resolve();
    return this.writer.run('recordMeterValues', samples);
  }

  recordSetpoint(setpoint: SetpointRecord): Promise<void> {
    return this.writer.run('recordSetpoint', setpoint);
  }

  beginSetpoint(setpoint: SentSetpointRecord): Promise<number> {
    return this.writer.run('beginSetpoint', setpoint);
  }

  resolveSetpoint(resolution: SetpointResolution): Promise<void> {
    return this.writer.run('resolveSetpoint', resolution);
  }

  /** Records the event; once committed, listeners (the API's live stream) get it with its row id. */
  async recordEvent(event: EventRecord): Promise<void> {
    const id = await this.writer.run('recordEvent', event);
    for (const fn of this.eventListeners) fn({ ...event, id });
  }

  /** Calls `fn` with every event recorded from now on; returns the unsubscribe function. */
  onEvent(fn: (event: EventRecord & { readonly id: number }) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  saveIdTag(record: IdTagRecord): Promise<void> {
    return this.writer.run('saveIdTag', record);
  }
}
