/**
 * The SQLite schema as an ordered list of migrations; `PRAGMA user_version` holds how many have run.
 * Append only: a released migration is never edited, a change is a new entry.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ocpp: stations, ports, connectors, sessions, meter values, setpoints, events, id tags',
    sql: `
      CREATE TABLE stations (
        station_id TEXT PRIMARY KEY,
        registration TEXT NOT NULL CHECK (registration IN ('accepted', 'pending', 'rejected')),
        ocpp_version TEXT,
        vendor TEXT,
        model TEXT,
        serial_number TEXT,
        firmware_version TEXT,
        password_hash TEXT,
        last_boot_ms INTEGER,
        last_seen_ms INTEGER,
        connected INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL
      );

      -- The site's ports as last configured, with the state of their fail-safe default profile.
      CREATE TABLE ports (
        port_id TEXT PRIMARY KEY,
        station_id TEXT NOT NULL,
        evse_id INTEGER NOT NULL,
        fail_safe_a REAL NOT NULL,
        default_outcome TEXT,
        default_outcome_ms INTEGER,
        updated_ms INTEGER NOT NULL
      );

      CREATE TABLE connectors (
        station_id TEXT NOT NULL,
        evse_id INTEGER NOT NULL,
        connector_id INTEGER NOT NULL,
        port_id TEXT,
        status TEXT NOT NULL,
        error_code TEXT,
        info TEXT,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (station_id, evse_id, connector_id)
      );

      CREATE TABLE connector_status_history (
        id INTEGER PRIMARY KEY,
        station_id TEXT NOT NULL,
        evse_id INTEGER NOT NULL,
        connector_id INTEGER NOT NULL,
        port_id TEXT,
        status TEXT NOT NULL,
        error_code TEXT,
        info TEXT,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX connector_status_history_station ON connector_status_history (station_id, at_ms);
      CREATE INDEX connector_status_history_time ON connector_status_history (at_ms);

      -- AUTOINCREMENT: session ids are OCPP 1.6 transaction ids and must never be reused.
      CREATE TABLE sessions (
        session_id INTEGER PRIMARY KEY AUTOINCREMENT,
        station_id TEXT NOT NULL,
        port_id TEXT,
        evse_id INTEGER NOT NULL,
        connector_id INTEGER NOT NULL,
        transaction_ref TEXT,
        id_tag TEXT,
        started_ms INTEGER NOT NULL,
        stopped_ms INTEGER,
        meter_start_wh REAL,
        meter_last_wh REAL,
        meter_stop_wh REAL,
        energy_wh REAL,
        stop_reason TEXT,
        last_seq_no INTEGER,
        updated_ms INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX sessions_transaction ON sessions (station_id, transaction_ref);
      CREATE INDEX sessions_open ON sessions (stopped_ms) WHERE stopped_ms IS NULL;
      CREATE INDEX sessions_port ON sessions (port_id, started_ms);
      CREATE INDEX sessions_start ON sessions (station_id, connector_id, started_ms);

      -- Raw readings, one row per port and timestamp (retransmissions are ignored by the unique key).
      -- current_l1_a..l3_a are the station's conductors (its L1, L2, L3 terminals), not site phases.
      -- raw: the sampled values as the station sent them; emptied first by retention (the bulk of the size).
      CREATE TABLE meter_values (
        id INTEGER PRIMARY KEY,
        station_id TEXT NOT NULL,
        evse_id INTEGER NOT NULL,
        port_id TEXT,
        session_id INTEGER,
        at_ms INTEGER NOT NULL,
        energy_wh REAL,
        power_w REAL,
        current_l1_a REAL,
        current_l2_a REAL,
        current_l3_a REAL,
        voltage_v REAL,
        soc_pct REAL,
        raw TEXT
      );
      CREATE UNIQUE INDEX meter_values_key ON meter_values (station_id, evse_id, at_ms);
      CREATE INDEX meter_values_session ON meter_values (session_id, at_ms);
      CREATE INDEX meter_values_time ON meter_values (at_ms);

      -- Raw readings past their retention, folded into 15-minute buckets.
      CREATE TABLE meter_values_15m (
        station_id TEXT NOT NULL,
        evse_id INTEGER NOT NULL,
        bucket_ms INTEGER NOT NULL,
        port_id TEXT,
        samples INTEGER NOT NULL,
        energy_wh_max REAL,
        power_w_avg REAL,
        power_w_max REAL,
        current_l1_a_max REAL,
        current_l2_a_max REAL,
        current_l3_a_max REAL,
        voltage_v_avg REAL,
        soc_pct_max REAL,
        PRIMARY KEY (station_id, evse_id, bucket_ms)
      );
      CREATE INDEX meter_values_15m_time ON meter_values_15m (bucket_ms);

      CREATE TABLE setpoints (
        id INTEGER PRIMARY KEY,
        port_id TEXT NOT NULL,
        session_id INTEGER,
        purpose TEXT NOT NULL CHECK (purpose IN ('default', 'session')),
        current_a REAL NOT NULL,
        limit_value REAL NOT NULL,
        unit TEXT NOT NULL CHECK (unit IN ('A', 'W')),
        sent_ms INTEGER NOT NULL,
        resolved_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'timeout', 'error')),
        reason TEXT
      );
      CREATE INDEX setpoints_port ON setpoints (port_id, sent_ms);
      CREATE INDEX setpoints_time ON setpoints (sent_ms);

      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        kind TEXT NOT NULL,
        station_id TEXT,
        port_id TEXT,
        session_id INTEGER,
        message TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX events_time ON events (at_ms);
      CREATE INDEX events_station ON events (station_id, at_ms);
      CREATE INDEX events_kind ON events (kind, at_ms);

      CREATE TABLE id_tags (
        id_tag TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')),
        expires_ms INTEGER,
        parent_id_tag TEXT,
        source TEXT NOT NULL CHECK (source IN ('local', 'cache')),
        updated_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'api: accounts, web sessions, api tokens, overrides, ui schedules, per-minute power history',
    sql: `
      CREATE TABLE accounts (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );

      -- Browser sessions: only the SHA-256 of the cookie value is stored, so a copy of the file logs no one in.
      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
      );
      CREATE INDEX web_sessions_user ON web_sessions (username);

      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
        token_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        last_used_ms INTEGER
      );

      -- Temporary limits set by an operator; they only lower a circuit's limit.
      CREATE TABLE overrides (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        circuit_id TEXT NOT NULL,
        limit_a REAL,
        limit_kw REAL,
        until_ms INTEGER NOT NULL,
        reason TEXT,
        created_by TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_by TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX overrides_until ON overrides (until_ms);

      -- Schedules made in the dashboard: weekly/exceptions as JSON, in the site file's schedule format.
      CREATE TABLE ui_schedules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        circuit_id TEXT NOT NULL,
        name TEXT NOT NULL,
        weekly TEXT NOT NULL,
        exceptions TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        version INTEGER NOT NULL DEFAULT 1,
        updated_by TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      );

      -- One row per minute for the site (circuit_id '') and per circuit, averaged over the control runs of
      -- that minute: site powers in kW; circuit currents in A, the highest phase.
      CREATE TABLE power_history (
        minute_ms INTEGER NOT NULL,
        circuit_id TEXT NOT NULL,
        grid_kw REAL,
        pv_kw REAL,
        battery_kw REAL,
        ev_kw REAL,
        other_kw REAL,
        load_a REAL,
        ev_a REAL,
        limit_a REAL,
        PRIMARY KEY (circuit_id, minute_ms)
      );
      CREATE INDEX power_history_time ON power_history (minute_ms);
    `,
  },
  {
    version: 3,
    name: 'ocpp: what the car said of its needs per session (NotifyEVChargingNeeds), for deadline mode',
    sql: `
      -- ev_needs_ms: when the last NotifyEVChargingNeeds arrived (NULL: the car said nothing).
      -- ev_needs_meter_wh: the port's energy register then, so that what it still needs is
      -- ev_energy_wh minus what was delivered since.
      ALTER TABLE sessions ADD COLUMN ev_needs_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN ev_departure_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN ev_energy_wh REAL;
      ALTER TABLE sessions ADD COLUMN ev_needs_meter_wh REAL;
      ALTER TABLE sessions ADD COLUMN ev_min_current_a REAL;
      ALTER TABLE sessions ADD COLUMN ev_max_current_a REAL;
      ALTER TABLE sessions ADD COLUMN ev_capacity_wh REAL;
      ALTER TABLE sessions ADD COLUMN ev_target_soc_pct REAL;
    `,
  },
  {
    version: 4,
    name: 'ocpp: the station timestamp and the Fusebox receive time beside the time used (station clocks)',
    sql: `
      -- started_ms / stopped_ms / at_ms are the times Fusebox uses: the station's timestamp when plausible,
      -- else the receive time (docs/ocpp.md). Sessions keep both the station's timestamps and the receive
      -- times (NULL in rows written before this migration); a reading keeps its receive time, and its
      -- station timestamp only when that was not used (station_at_ms NULL: at_ms is the station's).
      ALTER TABLE sessions ADD COLUMN started_station_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN started_received_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN stopped_station_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN stopped_received_ms INTEGER;
      ALTER TABLE meter_values ADD COLUMN station_at_ms INTEGER;
      ALTER TABLE meter_values ADD COLUMN received_ms INTEGER;
    `,
  },
  {
    version: 5,
    name: "proxy: the cloud's charging profiles; the local authorization list's version, sent per station",
    sql: `
      -- The cloud's SetChargingProfile payloads as it sent them (src/proxy/cloud-profiles.ts), one per
      -- station and profile id; session_id binds a TxProfile to its Fusebox session.
      CREATE TABLE cloud_profiles (
        station_id TEXT NOT NULL,
        profile_id INTEGER NOT NULL,
        ocpp_version TEXT NOT NULL CHECK (ocpp_version IN ('1.6', '2.0.1')),
        payload TEXT NOT NULL,
        received_ms INTEGER NOT NULL,
        session_id INTEGER,
        PRIMARY KEY (station_id, profile_id)
      );

      -- The local list (id_tags with source 'local') has one version, raised by every change; each station's
      -- local_list_version is the version it last accepted by SendLocalList (NULL: never sent).
      CREATE TABLE local_list (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO local_list (id, version) VALUES (1, 0);
      ALTER TABLE stations ADD COLUMN local_list_version INTEGER;
    `,
  },
  {
    version: 6,
    name: 'demand cap: the billing period peak so far and the operator pinned target',
    sql: `
      -- The highest demand window average of each billing period (local month "YYYY-MM") at the grid
      -- connection, so that a restart keeps the month's peak (docs/control.md, "Demand cap").
      CREATE TABLE demand_peaks (
        period TEXT PRIMARY KEY,
        peak_kw REAL NOT NULL,
        peak_at_ms INTEGER NOT NULL,
        window_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      -- At most one row: the target an operator pinned through the API (absent: none).
      CREATE TABLE demand_pin (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        target_kw REAL NOT NULL,
        pinned_by TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'proxy: store and forward of the messages answered while the cloud was away, transaction id map',
    sql: `
      -- A station message Fusebox answered itself while its cloud central system was away (docs/proxy.md),
      -- to replay in id order per station. payload: the message as the station sent it, except that a 1.6
      -- transactionId is Fusebox's own (local) id; local_tx_id: for a 1.6 StartTransaction, the id the
      -- station was given. state: queued, delivered (the cloud answered), failed (the cloud answered with a
      -- CALLERROR, kept in error_code/error_text and not sent again).
      CREATE TABLE proxy_outbox (
        id INTEGER PRIMARY KEY,
        station_id TEXT NOT NULL,
        ocpp_version TEXT NOT NULL,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        local_tx_id TEXT,
        queued_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'failed')),
        done_ms INTEGER,
        error_code TEXT,
        error_text TEXT
      );
      CREATE INDEX proxy_outbox_queued ON proxy_outbox (station_id, id) WHERE state = 'queued';

      -- OCPP 1.6 transaction ids: Fusebox's own (the session id) and the cloud's. station_knows says which
      -- one the station was given: 'cloud' when the cloud answered its StartTransaction live, 'local' when
      -- Fusebox answered it during an outage and the cloud's id came with the replay.
      CREATE TABLE proxy_transactions (
        station_id TEXT NOT NULL,
        local_tx_id TEXT NOT NULL,
        cloud_tx_id TEXT NOT NULL,
        station_knows TEXT NOT NULL CHECK (station_knows IN ('cloud', 'local')),
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (station_id, local_tx_id)
      );
      CREATE INDEX proxy_transactions_cloud ON proxy_transactions (station_id, cloud_tx_id);
    `,
  },
  {
    version: 8,
    name: 'proxy: the kWh limits of sessions accepted for unknown id tags while the cloud was away',
    sql: `
      -- A session Fusebox accepted for an id tag it did not know while the cloud was away, under
      -- upstream.offlineUnknownIdTags: { acceptUpToKwh } (docs/proxy.md): Fusebox stops it once it has drawn
      -- limit_wh. Kept until the session ends, so that a restart does not let the car charge without its
      -- limit. announced: the upstream-offline-limit event was recorded.
      CREATE TABLE proxy_offline_caps (
        port_id TEXT PRIMARY KEY,
        session_id INTEGER NOT NULL,
        id_tag TEXT NOT NULL,
        limit_wh REAL NOT NULL,
        announced INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: "api: a driver's departure and energy per session (PUT /api/v1/ports/{portId}/needs), for deadline mode",
    sql: `
      -- driver_needs_ms: when a driver (or fleet system, operator) last set them through the API (NULL: never,
      -- or cleared); driver_needs_by: the account. driver_departure_ms / driver_energy_wh: NULL when not said.
      -- driver_needs_meter_wh: the port's energy register then, so that what it still needs is
      -- driver_energy_wh minus what was delivered since.
      ALTER TABLE sessions ADD COLUMN driver_needs_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN driver_needs_by TEXT;
      ALTER TABLE sessions ADD COLUMN driver_departure_ms INTEGER;
      ALTER TABLE sessions ADD COLUMN driver_energy_wh REAL;
      ALTER TABLE sessions ADD COLUMN driver_needs_meter_wh REAL;
    `,
  },
];

/** A database written by a newer Fusebox than this one. */
export class SchemaTooNewError extends Error {
  readonly code = 'STORE_SCHEMA_TOO_NEW';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the database has schema version ${found}, this Fusebox knows up to ${known}: upgrade Fusebox`);
    this.name = 'SchemaTooNewError';
  }
}

/** Run the migrations the database has not seen, each in its own transaction; returns those applied. */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): readonly number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
