/** Session rows as SQLite holds them, and the statements that read them (shared by readers and writers). */
import type Database from 'better-sqlite3';
import type { SessionRecord } from '../contracts/ocpp-repository.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';

export interface SessionRow {
  session_id: number;
  station_id: string;
  port_id: string | null;
  evse_id: number;
  connector_id: number;
  transaction_ref: string;
  id_tag: string | null;
  started_ms: number;
  stopped_ms: number | null;
  meter_start_wh: number | null;
  meter_last_wh: number | null;
  meter_stop_wh: number | null;
  energy_wh: number | null;
  stop_reason: string | null;
  last_seq_no: number | null;
  ev_needs_ms: number | null;
  ev_departure_ms: number | null;
  ev_energy_wh: number | null;
  ev_needs_meter_wh: number | null;
  ev_min_current_a: number | null;
  ev_max_current_a: number | null;
  ev_capacity_wh: number | null;
  ev_target_soc_pct: number | null;
  started_station_ms: number | null;
  started_received_ms: number | null;
  stopped_station_ms: number | null;
  stopped_received_ms: number | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function toSession(r: SessionRow): SessionRecord {
  return {
    sessionId: r.session_id,
    stationId: r.station_id,
    portId: opt(r.port_id),
    evseId: r.evse_id,
    connectorId: r.connector_id,
    transactionRef: r.transaction_ref,
    idTag: opt(r.id_tag),
    startedMs: r.started_ms,
    startedStationMs: opt(r.started_station_ms),
    startedReceivedMs: opt(r.started_received_ms),
    stoppedMs: opt(r.stopped_ms),
    stoppedStationMs: opt(r.stopped_station_ms),
    stoppedReceivedMs: opt(r.stopped_received_ms),
    meterStartWh: opt(r.meter_start_wh),
    meterLastWh: opt(r.meter_last_wh),
    meterStopWh: opt(r.meter_stop_wh),
    energyWh: opt(r.energy_wh),
    stopReason: opt(r.stop_reason),
    lastSeqNo: opt(r.last_seq_no),
    evNeeds: evNeedsOf(r),
  };
}

/** What the car said, from the ev_* columns (migration 3); undefined when it said nothing. */
function evNeedsOf(r: SessionRow): EvChargingNeeds | undefined {
  if (r.ev_needs_ms === null || r.ev_needs_ms === undefined) return undefined;
  return {
    receivedAtMs: r.ev_needs_ms,
    departureMs: opt(r.ev_departure_ms),
    energyWh: opt(r.ev_energy_wh),
    meterWh: opt(r.ev_needs_meter_wh),
    minCurrentA: opt(r.ev_min_current_a),
    maxCurrentA: opt(r.ev_max_current_a),
    capacityWh: opt(r.ev_capacity_wh),
    targetSocPct: opt(r.ev_target_soc_pct),
  };
}

export function sessionStatements(db: Database.Database) {
  return {
    sessionById: db.prepare<[number], SessionRow>('SELECT * FROM sessions WHERE session_id = ?'),
    sessionByRef: db.prepare<[string, string], SessionRow>(
      'SELECT * FROM sessions WHERE station_id = ? AND transaction_ref = ?',
    ),
    // A 1.6 session (its ref is its id) with the same connector, station start time and meter start.
    sessionRetransmitted: db.prepare<[string, number, number, number | null], SessionRow>(`
      SELECT * FROM sessions WHERE station_id = ? AND connector_id = ?
        AND COALESCE(started_station_ms, started_ms) = ?
        AND meter_start_wh IS ? AND transaction_ref = CAST(session_id AS TEXT)`),
    openSessions: db.prepare<[], SessionRow>('SELECT * FROM sessions WHERE stopped_ms IS NULL'),
  };
}
