/**
 * The writes of charging sessions: start (idempotent), update, stop, the car's needs, and the meter values
 * measured in them. Part of writeOps (write-ops.ts): they run in the writer thread on plain data.
 */
import type Database from 'better-sqlite3';
import type {
  MeterSampleRecord,
  SessionRecord,
  SessionUpdate,
  StartSessionInput,
  StopSessionInput,
} from '../contracts/ocpp-repository.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';
import { sessionStatements, toSession } from './session-rows.ts';
import { finiteOrNull, und } from './write-values.ts';

function prepare(db: Database.Database) {
  return {
    ...sessionStatements(db),
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
  };
}

/** A meter sample as its meter_values row. */
function meterRow(m: MeterSampleRecord) {
  return {
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
  };
}

export function sessionWriteOps(db: Database.Database) {
  const s = prepare(db);
  return {
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
        s.insertMeter.run(meterRow(m));
        if (m.sessionId !== undefined && m.energyWh !== undefined) {
          s.advanceEnergy.run({ sessionId: m.sessionId, energyWh: m.energyWh, atMs: m.atMs });
        }
      }
    },
  };
}
