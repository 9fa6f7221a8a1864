/**
 * Every write the store makes, as named operations on plain data: they run in the writer thread (or in
 * the main thread for an in-memory database), so their arguments and results must survive structured clone.
 */
import type Database from 'better-sqlite3';
import type {
  EventRecord,
  PortRecord,
  SentSetpointRecord,
  SetpointRecord,
  SetpointResolution,
  StationUpdate,
  StatusRecord,
  StoredCloudProfile,
} from '../contracts/ocpp-repository.ts';
import type { RetentionPolicy, RetentionReport } from './retention.ts';
import { applyRetention } from './retention.ts';
import { apiWriteOps } from './api-write-ops.ts';
import { proxyWriteOps } from './proxy-write-ops.ts';
import { demandWriteOps } from './demand-repository.ts';
import { driverNeedsWriteOps } from './driver-needs-repository.ts';
import { idTagWriteOps } from './id-tag-write-ops.ts';
import { sessionWriteOps } from './session-write-ops.ts';
import { und } from './write-values.ts';

/** The statements of the station, port, setpoint, event and cloud-profile writes. */
function prepare(db: Database.Database) {
  return {
    upsertStation: db.prepare(`
      INSERT INTO stations (station_id, registration, ocpp_version, vendor, model, serial_number,
        firmware_version, password_hash, last_boot_ms, last_seen_ms, connected, created_ms)
      VALUES (@stationId, COALESCE(@registration, 'pending'), @ocppVersion, @vendor, @model, @serialNumber,
        @firmwareVersion, @passwordHash, @lastBootMs, @atMs, COALESCE(@connected, 0), @atMs)
      ON CONFLICT (station_id) DO UPDATE SET
        registration = COALESCE(@registration, registration),
        ocpp_version = COALESCE(@ocppVersion, ocpp_version),
        vendor = COALESCE(@vendor, vendor),
        model = COALESCE(@model, model),
        serial_number = COALESCE(@serialNumber, serial_number),
        firmware_version = COALESCE(@firmwareVersion, firmware_version),
        password_hash = COALESCE(@passwordHash, password_hash),
        last_boot_ms = COALESCE(@lastBootMs, last_boot_ms),
        last_seen_ms = @atMs,
        connected = COALESCE(@connected, connected)`),
    upsertPort: db.prepare(`
      INSERT INTO ports (port_id, station_id, evse_id, fail_safe_a, updated_ms)
      VALUES (@portId, @stationId, @evseId, @failSafeA, @atMs)
      ON CONFLICT (port_id) DO UPDATE SET station_id = @stationId, evse_id = @evseId,
        fail_safe_a = @failSafeA, updated_ms = @atMs`),
    portDefault: db.prepare(
      'UPDATE ports SET default_outcome = ?, default_outcome_ms = ?, updated_ms = ? WHERE port_id = ?',
    ),
    statusHistory: db.prepare(`
      INSERT INTO connector_status_history (station_id, evse_id, connector_id, port_id, status, error_code, info, at_ms)
      VALUES (@stationId, @evseId, @connectorId, @portId, @status, @errorCode, @info, @atMs)`),
    upsertConnector: db.prepare(`
      INSERT INTO connectors (station_id, evse_id, connector_id, port_id, status, error_code, info, updated_ms)
      VALUES (@stationId, @evseId, @connectorId, @portId, @status, @errorCode, @info, @atMs)
      ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE SET port_id = @portId, status = @status,
        error_code = @errorCode, info = @info, updated_ms = @atMs
      WHERE @atMs >= updated_ms`),
    insertSetpoint: db.prepare(`
      INSERT INTO setpoints (port_id, session_id, purpose, current_a, limit_value, unit, sent_ms, resolved_ms, outcome, reason)
      VALUES (@portId, @sessionId, @purpose, @currentA, @limit, @unit, @sentMs, @resolvedMs, @outcome, @reason)`),
    updateSetpoint: db.prepare(
      'UPDATE setpoints SET resolved_ms = @resolvedMs, outcome = @outcome, reason = @reason WHERE id = @id',
    ),
    insertEvent: db.prepare(`
      INSERT INTO events (at_ms, level, kind, station_id, port_id, session_id, message, data)
      VALUES (@atMs, @level, @kind, @stationId, @portId, @sessionId, @message, @data)`),
    upsertCloudProfile: db.prepare(`
      INSERT INTO cloud_profiles (station_id, profile_id, ocpp_version, payload, received_ms, session_id)
      VALUES (@stationId, @profileId, @version, @payload, @receivedMs, @sessionId)
      ON CONFLICT (station_id, profile_id) DO UPDATE SET ocpp_version = @version, payload = @payload,
        received_ms = @receivedMs, session_id = @sessionId`),
    dropCloudProfile: db.prepare('DELETE FROM cloud_profiles WHERE station_id = ? AND profile_id = ?'),
  };
}

/** The write operations bound to a database. */
export function writeOps(db: Database.Database) {
  const s = prepare(db);
  return {
    ...apiWriteOps(db),
    ...proxyWriteOps(db),
    ...demandWriteOps(db),
    ...driverNeedsWriteOps(db),
    ...sessionWriteOps(db),
    ...idTagWriteOps(db),
    updateStation(u: StationUpdate): void {
      s.upsertStation.run({
        stationId: u.stationId,
        registration: und(u.registration),
        ocppVersion: und(u.ocppVersion),
        vendor: und(u.vendor),
        model: und(u.model),
        serialNumber: und(u.serialNumber),
        firmwareVersion: und(u.firmwareVersion),
        passwordHash: und(u.passwordHash),
        lastBootMs: und(u.lastBootMs),
        connected: u.connected === undefined ? null : u.connected ? 1 : 0,
        atMs: u.atMs,
      });
    },

    syncPorts(args: { ports: readonly PortRecord[]; atMs: number }): void {
      for (const p of args.ports) s.upsertPort.run({ ...p, atMs: args.atMs });
    },

    recordStatus(st: StatusRecord): void {
      const row = {
        stationId: st.stationId,
        evseId: st.evseId,
        connectorId: st.connectorId,
        portId: und(st.portId),
        status: st.status,
        errorCode: und(st.errorCode),
        info: und(st.info),
        atMs: st.atMs,
      };
      s.statusHistory.run(row);
      s.upsertConnector.run(row);
    },

    recordSetpoint(sp: SetpointRecord): void {
      s.insertSetpoint.run({ ...sp, sessionId: und(sp.sessionId), reason: und(sp.reason) });
      if (sp.purpose === 'default') s.portDefault.run(sp.outcome, sp.resolvedMs, sp.resolvedMs, sp.portId);
    },

    /**
     * A setpoint before it is sent: stored as sent with no answer ('timeout', resolved when sent), which is
     * what it stays if Fusebox stops before the answer; returns the row id for resolveSetpoint.
     */
    beginSetpoint(sp: SentSetpointRecord): number {
      const { lastInsertRowid } = s.insertSetpoint.run({
        ...sp,
        sessionId: und(sp.sessionId),
        resolvedMs: sp.sentMs,
        outcome: 'timeout',
        reason: 'sent; no answer recorded',
      });
      return Number(lastInsertRowid);
    },

    resolveSetpoint(r: SetpointResolution): void {
      s.updateSetpoint.run({ id: r.id, resolvedMs: r.resolvedMs, outcome: r.outcome, reason: und(r.reason) });
      if (r.purpose === 'default') s.portDefault.run(r.outcome, r.resolvedMs, r.resolvedMs, r.portId);
    },

    /** Returns the new row's id (the API's live stream sends it). */
    recordEvent(e: EventRecord): number {
      const { lastInsertRowid } = s.insertEvent.run({
        atMs: e.atMs,
        level: e.level,
        kind: e.kind,
        stationId: und(e.stationId),
        portId: und(e.portId),
        sessionId: und(e.sessionId),
        message: e.message,
        data: e.data === undefined ? null : JSON.stringify(e.data),
      });
      return Number(lastInsertRowid);
    },

    saveCloudProfile(p: StoredCloudProfile): void {
      s.upsertCloudProfile.run({
        stationId: p.stationId,
        profileId: p.profileId,
        version: p.version,
        payload: JSON.stringify(p.payload),
        receivedMs: p.receivedMs,
        sessionId: und(p.sessionId),
      });
    },

    dropCloudProfile(args: { readonly stationId: string; readonly profileId: number }): void {
      s.dropCloudProfile.run(args.stationId, args.profileId);
    },

    applyRetention(args: { readonly policy: RetentionPolicy; readonly nowMs: number }): RetentionReport {
      return applyRetention(db, args.policy, args.nowMs);
    },
  };
}

export type WriteOps = ReturnType<typeof writeOps>;
export type WriteOpName = keyof WriteOps;
export type WriteArgs<K extends WriteOpName> = Parameters<WriteOps[K]>[0];
export type WriteResult<K extends WriteOpName> = ReturnType<WriteOps[K]>;
