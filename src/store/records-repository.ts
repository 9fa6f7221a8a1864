/**
 * The API's reads of what Fusebox recorded (sessions, events, stations, power history), on the read-only
 * connection so the writer thread stays the only writer; power history and audit events are written
 * through the StoreWriter.
 */
import type Database from 'better-sqlite3';
import type { PowerHistoryRow } from '../contracts/api-records.ts';
import type {
  EventFilter,
  EventItem,
  HistoryBucket,
  RecordsStore,
  SessionFilter,
  SessionItem,
  StationItem,
} from '../contracts/api-store.ts';
import type { SqliteOcppRepository } from './sqlite-ocpp-repository.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface EventRow {
  id: number;
  at_ms: number;
  level: string;
  kind: string;
  station_id: string | null;
  port_id: string | null;
  message: string;
  data: string | null;
}

const SITE_COLUMNS = ['grid_kw', 'pv_kw', 'battery_kw', 'ev_kw', 'other_kw'] as const;

function parseData(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const toEvent = (r: EventRow): EventItem => ({
  id: r.id,
  atMs: r.at_ms,
  level: r.level,
  kind: r.kind,
  stationId: r.station_id,
  portId: r.port_id,
  message: r.message,
  data: parseData(r.data),
});

/** WHERE clause and parameters from the filters that are set. */
function where(parts: readonly [string, unknown][]): { sql: string; params: unknown[] } {
  const set = parts.filter(([, v]) => v !== undefined);
  return {
    sql: set.length ? `WHERE ${set.map(([c]) => c).join(' AND ')}` : '',
    params: set.map(([, v]) => v),
  };
}

export class RecordsRepository implements RecordsStore {
  constructor(
    private readonly reader: Database.Database,
    private readonly writer: StoreWriter,
    private readonly ocpp: SqliteOcppRepository,
    private readonly clock: Clock,
  ) {}

  sessions(f: SessionFilter): { total: number; items: SessionItem[] } {
    const w = where([
      ['started_ms >= ?', f.fromMs],
      ['started_ms < ?', f.toMs],
      ['station_id = ?', f.stationId],
      ['port_id = ?', f.portId],
      ['id_tag = ?', f.idTag],
      ['(stopped_ms IS NULL) = ?', f.active === undefined ? undefined : f.active ? 1 : 0],
    ]);
    const sqlWhere = w.sql;
    const all = w.params;
    const total = (
      this.reader.prepare(`SELECT COUNT(*) AS n FROM sessions ${sqlWhere}`).get(...all) as { n: number }
    ).n;
    const rows = this.reader
      .prepare(
        `SELECT session_id, station_id, port_id, id_tag, started_ms, stopped_ms, stop_reason,
           COALESCE(energy_wh, meter_last_wh - meter_start_wh) AS energy_wh
         FROM sessions ${sqlWhere} ORDER BY started_ms DESC, session_id DESC LIMIT ? OFFSET ?`,
      )
      .all(...all, f.limit, f.offset) as {
      session_id: number;
      station_id: string;
      port_id: string | null;
      id_tag: string | null;
      started_ms: number;
      stopped_ms: number | null;
      stop_reason: string | null;
      energy_wh: number | null;
    }[];
    return {
      total,
      items: rows.map((r) => ({
        id: r.session_id,
        stationId: r.station_id,
        portId: r.port_id,
        idTag: r.id_tag,
        startedMs: r.started_ms,
        stoppedMs: r.stopped_ms,
        energyWh: r.energy_wh,
        stopReason: r.stop_reason,
      })),
    };
  }

  events(f: EventFilter): { total: number; items: EventItem[] } {
    const w = where([
      ['at_ms >= ?', f.fromMs],
      ['at_ms < ?', f.toMs],
      ['level = ?', f.level],
      ['kind = ?', f.kind],
    ]);
    const total = (
      this.reader.prepare(`SELECT COUNT(*) AS n FROM events ${w.sql}`).get(...w.params) as { n: number }
    ).n;
    const rows = this.reader
      .prepare(`SELECT * FROM events ${w.sql} ORDER BY at_ms DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...w.params, f.limit, f.offset) as EventRow[];
    return { total, items: rows.map(toEvent) };
  }

  stations(): readonly StationItem[] {
    const rows = this.reader
      .prepare('SELECT station_id, ocpp_version, vendor, model, firmware_version, last_seen_ms FROM stations')
      .all() as {
      station_id: string;
      ocpp_version: string | null;
      vendor: string | null;
      model: string | null;
      firmware_version: string | null;
      last_seen_ms: number | null;
    }[];
    return rows.map((r) => ({
      stationId: r.station_id,
      ocppVersion: r.ocpp_version,
      vendor: r.vendor,
      model: r.model,
      firmwareVersion: r.firmware_version,
      lastSeenMs: r.last_seen_ms,
    }));
  }

  /** Site powers averaged per bucket; circuit load and EV current at their highest, limit at its lowest. */
  history(fromMs: number, toMs: number, bucketMs: number, circuitId: string): HistoryBucket[] {
    const cols =
      circuitId === ''
        ? SITE_COLUMNS.map((c) => `AVG(${c}) AS ${c}`).join(', ')
        : 'MAX(load_a) AS load_a, MAX(ev_a) AS ev_a, MIN(limit_a) AS limit_a';
    const rows = this.reader
      .prepare(
        `SELECT (minute_ms / @b) * @b AS t, ${cols} FROM power_history
         WHERE circuit_id = @c AND minute_ms >= @from AND minute_ms < @to GROUP BY t ORDER BY t`,
      )
      .all({ b: bucketMs, c: circuitId, from: fromMs, to: toMs }) as ({ t: number } & Record<
      string,
      number | null
    >)[];
    return rows.map(({ t, ...values }) => ({ t, values }));
  }

  recordHistory(rows: readonly PowerHistoryRow[], keepAfterMs: number): Promise<void> {
    return this.writer.run('recordPowerHistory', { rows, keepAfterMs });
  }

  onEvent(fn: (e: EventItem) => void): () => void {
    return this.ocpp.onEvent((e) =>
      fn({
        id: e.id,
        atMs: e.atMs,
        level: e.level,
        kind: e.kind,
        stationId: e.stationId ?? null,
        portId: e.portId ?? null,
        message: e.message,
        data: e.data ?? null,
      }),
    );
  }

  audit(username: string, message: string, data?: unknown): Promise<void> {
    return this.ocpp.recordEvent({
      atMs: this.clock.nowMs(),
      level: 'info',
      kind: 'audit',
      message: `${username}: ${message}`,
      data: { user: username, ...(data === undefined ? {} : { change: data }) },
    });
  }
}
