/**
 * Every write the store makes, as named operations on plain data: they run in the writer thread (or in
 * the main thread for an in-memory database), so their arguments and results must survive structured clone.
 */
import type Database from 'better-sqlite3';
import type {
  EventRecord,
  IdTagRecord,
  MeterSampleRecord,
  PortRecord,
  SessionRecord,
  SessionUpdate,
  SentSetpointRecord,
  SetpointRecord,
  SetpointResolution,
  StartSessionInput,
  StationUpdate,
  StatusRecord,
  StopSessionInput,
  StoredCloudProfile,
} from '../contracts/ocpp-repository.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';
import type { RetentionPolicy, RetentionReport } from './retention.ts';
import { applyRetention } from './retention.ts';
import { apiWriteOps } from './api-write-ops.ts';
import { proxyWriteOps } from './proxy-write-ops.ts';
import { demandWriteOps } from './demand-repository.ts';
import { driverNeedsWriteOps } from './driver-needs-repository.ts';
import { sessionStatements, toSession } from './session-rows.ts';

const und = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
const finiteOrNull = (v: number | undefined): number | null =>
  v !== undefined && Number.isFinite(v) ? v : null;

function prepare(db: Database.Database) {
  return {
    ...sessionStatements(db),
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
    insertSession: db.prepare(`
      INSERT INTO sessions (station_id, port_id, evse_id, connector_id, transaction_ref, id_tag, started_ms,
        started_station_ms, started_received_ms, meter_start_wh, last_seq_no, updated_ms)
      VALUES (@stationId, @portId, @evseId, @connectorId, @transactionRef, @idTag, @startedMs,
        @stationMs, @receivedMs, @meterStartWh, @seqNo, @startedMs)`),
    setRef: db.prepare('UPDATE sessions SET transaction_ref = CAST(session_id AS TEXT) WHERE session_id = ?'),
    updateSession: db.prepare(`
      UPDATE sessions SET
        port_id = COALESCE(@portId, port_id),
        evse_id = COALESCE(@evseId, evse_id),
        connector_id = COALESCE(@connectorId, connector_id),
        id_tag = COALESCE(@idTag, id_tag),
        meter_start_wh = COALESCE(meter_start_wh, @meterStartWh),
        meter_last_wh = COALESCE(@meterLastWh, meter_last_wh),
        last_seq_no = MAX(COALESCE(last_seq_no, -1), COALESCE(@seqNo, -1)),
        updated_ms = @nowMs
      WHERE session_id = @sessionId`),
    stopSession: db.prepare(`
      UPDATE sessions SET
        -- A stop timestamped before the start (a station clock that jumped back) is a zero-length session,
        -- never a negative duration.
        stopped_ms = MAX(started_ms, @stoppedMs),
        stopped_station_ms = @stationMs,
        stopped_received_ms = @receivedMs,
        meter_stop_wh = COALESCE(@meterStopWh, meter_last_wh),
        meter_last_wh = COALESCE(@meterStopWh, meter_last_wh),
        energy_wh = COALESCE(@meterStopWh, meter_last_wh) - meter_start_wh,
        stop_reason = @reason,
        last_seq_no = MAX(COALESCE(last_seq_no, -1), COALESCE(@seqNo, -1)),
        updated_ms = MAX(started_ms, @stoppedMs)
      WHERE session_id = @sessionId
        AND (stopped_ms IS NULL OR stop_reason IN (SELECT value FROM json_each(@replacesReasons)))`),
    evNeeds: db.prepare(`
      UPDATE sessions SET ev_needs_ms = @receivedAtMs, ev_departure_ms = @departureMs, ev_energy_wh = @energyWh,
        ev_needs_meter_wh = @meterWh, ev_min_current_a = @minCurrentA, ev_max_current_a = @maxCurrentA,
        ev_capacity_wh = @capacityWh, ev_target_soc_pct = @targetSocPct, updated_ms = @receivedAtMs
      WHERE session_id = @sessionId AND stopped_ms IS NULL`),
    insertMeter: db.prepare(`
      INSERT OR IGNORE INTO meter_values (station_id, evse_id, port_id, session_id, at_ms, energy_wh, power_w,
        current_l1_a, current_l2_a, current_l3_a, voltage_v, soc_pct, raw, station_at_ms, received_ms)
      VALUES (@stationId, @evseId, @portId, @sessionId, @atMs, @energyWh, @powerW,
        @l1, @l2, @l3, @voltageV, @socPct, @raw, @stationAtMs, @receivedMs)`),
    advanceEnergy: db.prepare(`
      UPDATE sessions SET
        meter_start_wh = COALESCE(meter_start_wh, @energyWh),
        meter_last_wh = MAX(COALESCE(meter_last_wh, @energyWh), @energyWh),
        updated_ms = @atMs
      WHERE session_id = @sessionId AND stopped_ms IS NULL`),
    insertSetpoint: db.prepare(`
      INSERT INTO setpoints (port_id, session_id, purpose, current_a, limit_value, unit, sent_ms, resolved_ms, outcome, reason)
      VALUES (@portId, @sessionId, @purpose, @currentA, @limit, @unit, @sentMs, @resolvedMs, @outcome, @reason)`),
    updateSetpoint: db.prepare(
      'UPDATE setpoints SET resolved_ms = @resolvedMs, outcome = @outcome, reason = @reason WHERE id = @id',
    ),
    insertEvent: db.prepare(`
      INSERT INTO events (at_ms, level, kind, station_id, port_id, session_id, message, data)
      VALUES (@atMs, @level, @kind, @stationId, @portId, @sessionId, @message, @data)`),
    upsertIdTag: db.prepare(`
      INSERT INTO id_tags (id_tag, status, expires_ms, parent_id_tag, source, updated_ms)
      VALUES (@idTag, @status, @expiresMs, @parentIdTag, @source, @updatedMs)
      ON CONFLICT (id_tag) DO UPDATE SET status = @status, expires_ms = @expiresMs,
        parent_id_tag = @parentIdTag, source = @source, updated_ms = @updatedMs`),
    upsertCloudProfile: db.prepare(`
      INSERT INTO cloud_profiles (station_id, profile_id, ocpp_version, payload, received_ms, session_id)
      VALUES (@stationId, @profileId, @version, @payload, @receivedMs, @sessionId)
      ON CONFLICT (station_id, profile_id) DO UPDATE SET ocpp_version = @version, payload = @payload,
        received_ms = @receivedMs, session_id = @sessionId`),
    dropCloudProfile: db.prepare('DELETE FROM cloud_profiles WHERE station_id = ? AND profile_id = ?'),
    dropLocalIdTag: db.prepare("DELETE FROM id_tags WHERE id_tag = ? AND source = 'local'"),
    bumpLocalList: db.prepare<[], { version: number }>(
      'UPDATE local_list SET version = version + 1 WHERE id = 1 RETURNING version',
    ),
    stationLocalList: db.prepare('UPDATE stations SET local_list_version = ? WHERE station_id = ?'),
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

    /** Idempotent: a 1.6 start retransmitted (same connector, time, meter) or a known 2.x id returns the first. */
    startSession(input: StartSessionInput): { session: SessionRecord; duplicate: boolean } {
      const existing =
        input.transactionRef !== undefined
          ? s.sessionByRef.get(input.stationId, input.transactionRef)
          : s.sessionRetransmitted.get(
              input.stationId,
              input.connectorId,
              input.stationMs ?? input.startedMs,
              und(input.meterStartWh),
            );
      if (existing) return { session: toSession(existing), duplicate: true };
      const { lastInsertRowid } = s.insertSession.run({
        stationId: input.stationId,
        portId: und(input.portId),
        evseId: input.evseId,
        connectorId: input.connectorId,
        transactionRef: und(input.transactionRef),
        idTag: und(input.idTag),
        startedMs: input.startedMs,
        stationMs: finiteOrNull(input.stationMs),
        receivedMs: und(input.receivedMs),
        meterStartWh: und(input.meterStartWh),
        seqNo: und(input.seqNo),
      });
      const id = Number(lastInsertRowid);
      if (input.transactionRef === undefined) s.setRef.run(id);
      return { session: toSession(s.sessionById.get(id)!), duplicate: false };
    },

    updateSession(u: SessionUpdate & { readonly nowMs: number }): SessionRecord | undefined {
      s.updateSession.run({
        sessionId: u.sessionId,
        portId: und(u.portId),
        evseId: und(u.evseId),
        connectorId: und(u.connectorId),
        idTag: und(u.idTag),
        meterStartWh: und(u.meterStartWh),
        meterLastWh: und(u.meterLastWh),
        seqNo: und(u.seqNo),
        nowMs: u.nowMs,
      });
      const row = s.sessionById.get(u.sessionId);
      return row && toSession(row);
    },

    stopSession(input: StopSessionInput): SessionRecord | undefined {
      s.stopSession.run({
        sessionId: input.sessionId,
        stoppedMs: input.stoppedMs,
        stationMs: finiteOrNull(input.stationMs),
        receivedMs: und(input.receivedMs),
        meterStopWh: und(input.meterStopWh),
        reason: und(input.reason),
        seqNo: und(input.seqNo),
        replacesReasons: JSON.stringify(input.replacesReasons ?? []),
      });
      const row = s.sessionById.get(input.sessionId);
      return row && toSession(row);
    },

    /** The car's needs replace what it said before (a car may renegotiate during the session). */
    recordEvNeeds(args: { readonly sessionId: number; readonly needs: EvChargingNeeds }): void {
      const n = args.needs;
      s.evNeeds.run({
        sessionId: args.sessionId,
        receivedAtMs: n.receivedAtMs,
        departureMs: und(n.departureMs),
        energyWh: und(n.energyWh),
        meterWh: und(n.meterWh),
        minCurrentA: und(n.minCurrentA),
        maxCurrentA: und(n.maxCurrentA),
        capacityWh: und(n.capacityWh),
        targetSocPct: und(n.targetSocPct),
      });
    },

    recordMeterValues(samples: readonly MeterSampleRecord[]): void {
      for (const m of samples) {
        s.insertMeter.run({
          stationId: m.stationId,
          evseId: m.evseId,
          portId: und(m.portId),
          sessionId: und(m.sessionId),
          atMs: m.atMs,
          energyWh: und(m.energyWh),
          powerW: und(m.powerW),
          l1: und(m.currentA[0]),
          l2: und(m.currentA[1]),
          l3: und(m.currentA[2]),
          voltageV: und(m.voltageV),
          socPct: und(m.socPct),
          raw: JSON.stringify(m.raw),
          stationAtMs: finiteOrNull(m.stationAtMs),
          receivedMs: und(m.receivedMs),
        });
        if (m.sessionId !== undefined && m.energyWh !== undefined) {
          s.advanceEnergy.run({ sessionId: m.sessionId, energyWh: m.energyWh, atMs: m.atMs });
        }
      }
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

    saveIdTag(rec: IdTagRecord): void {
      s.upsertIdTag.run({ ...rec, expiresMs: und(rec.expiresMs), parentIdTag: und(rec.parentIdTag) });
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

    /** An id tag of the local list, added or replaced, and the list's new version. */
    putLocalIdTag(rec: Omit<IdTagRecord, 'source'>): number {
      s.upsertIdTag.run({
        ...rec,
        source: 'local',
        expiresMs: und(rec.expiresMs),
        parentIdTag: und(rec.parentIdTag),
      });
      return s.bumpLocalList.get()!.version;
    },

    /** Removes an id tag of the local list: the list's new version, or null when it was not on it. */
    removeLocalIdTag(idTag: string): number | null {
      if (s.dropLocalIdTag.run(idTag).changes === 0) return null;
      return s.bumpLocalList.get()!.version;
    },

    setStationLocalListVersion(args: { readonly stationId: string; readonly version: number }): void {
      s.stationLocalList.run(args.version, args.stationId);
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
