/**
 * A driver's needs per session (PUT /api/v1/ports/{portId}/needs; control/driver-needs.ts): stored on the
 * session's row, so that a restart keeps them and a new session starts without. Reads on the calling thread,
 * writes through the writer like every other.
 */
import type Database from 'better-sqlite3';
import type { DriverNeeds } from '../contracts/station-gateway.ts';
import type { StoreWriter } from './store-writer.ts';

interface Row {
  session_id: number;
  driver_needs_ms: number;
  driver_needs_by: string | null;
  driver_departure_ms: number | null;
  driver_energy_wh: number | null;
  driver_needs_meter_wh: number | null;
}

export interface DriverNeedsWrite {
  readonly sessionId: number;
  /** null clears them. */
  readonly needs: DriverNeeds | null;
}

/** The write, run by the writer (thread). */
export function driverNeedsWriteOps(db: Database.Database) {
  const set = db.prepare(`
    UPDATE sessions SET driver_needs_ms = @atMs, driver_needs_by = @by, driver_departure_ms = @departureMs,
      driver_energy_wh = @energyWh, driver_needs_meter_wh = @meterWh
    WHERE session_id = @sessionId`);
  const clear = db.prepare(`
    UPDATE sessions SET driver_needs_ms = NULL, driver_needs_by = NULL, driver_departure_ms = NULL,
      driver_energy_wh = NULL, driver_needs_meter_wh = NULL
    WHERE session_id = ?`);
  return {
    saveDriverNeeds(w: DriverNeedsWrite): void {
      if (w.needs === null) {
        clear.run(w.sessionId);
        return;
      }
      const n = w.needs;
      set.run({
        sessionId: w.sessionId,
        atMs: n.atMs,
        by: n.by,
        departureMs: n.departureMs ?? null,
        energyWh: n.energyWh ?? null,
        meterWh: n.meterWh ?? null,
      });
    },
  };
}

export class DriverNeedsRepository {
  private readonly openRows;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
  ) {
    this.openRows = db.prepare<[], Row>(`
      SELECT session_id, driver_needs_ms, driver_needs_by, driver_departure_ms, driver_energy_wh, driver_needs_meter_wh
      FROM sessions WHERE stopped_ms IS NULL AND driver_needs_ms IS NOT NULL`);
  }

  /** The needs of the sessions still open, by session id. */
  open(): Map<number, DriverNeeds> {
    const out = new Map<number, DriverNeeds>();
    for (const r of this.openRows.all())
      out.set(r.session_id, {
        atMs: r.driver_needs_ms,
        by: r.driver_needs_by ?? '',
        departureMs: r.driver_departure_ms ?? undefined,
        energyWh: r.driver_energy_wh ?? undefined,
        meterWh: r.driver_needs_meter_wh ?? undefined,
      });
    return out;
  }

  /** Stores (or with null clears) a session's needs. */
  save(sessionId: number, needs: DriverNeeds | null): Promise<void> {
    return this.writer.run('saveDriverNeeds', { sessionId, needs });
  }
}
