/**
 * The session setpoints sent since a time, for the control loop after a restart: a station may still hold
 * one of them (until its profile expires), so its port counts at it until a new one is confirmed.
 */
import type Database from 'better-sqlite3';

/** One stored session setpoint, as the control loop's restart guard reads it. */
export interface RecentSetpoint {
  readonly portId: string;
  readonly sessionId: number | undefined;
  readonly currentA: number;
  readonly sentMs: number;
  readonly outcome: 'accepted' | 'rejected' | 'timeout' | 'error';
}

interface Row {
  readonly port_id: string;
  readonly session_id: number | null;
  readonly current_a: number;
  readonly sent_ms: number;
  readonly outcome: RecentSetpoint['outcome'];
}

/** Session setpoints (not fail-safe defaults) sent at or after `sinceMs`, oldest first. */
export function recentSessionSetpoints(db: Database.Database, sinceMs: number): RecentSetpoint[] {
  const rows = db
    .prepare(
      `SELECT port_id, session_id, current_a, sent_ms, outcome FROM setpoints
       WHERE purpose = 'session' AND sent_ms >= ? ORDER BY sent_ms, id`,
    )
    .all(sinceMs) as Row[];
  return rows.map((r) => ({
    portId: r.port_id,
    sessionId: r.session_id ?? undefined,
    currentA: r.current_a,
    sentMs: r.sent_ms,
    outcome: r.outcome,
  }));
}
