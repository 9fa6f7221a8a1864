/**
 * The writes of the HTTP API (accounts, sessions, tokens, overrides, dashboard schedules, power history),
 * run by the writer thread like every other write; version checks happen here, so they are atomic.
 */
import type Database from 'better-sqlite3';
import type {
  OverrideInput,
  OverrideRecord,
  PowerHistoryRow,
  Role,
  UiScheduleInput,
  UiScheduleRecord,
  VersionedOutcome,
} from '../contracts/api-records.ts';
import { overrideStatements, scheduleStatements, toOverride, toSchedule } from './api-rows.ts';
import { und } from './write-values.ts';

/** The API's write operations bound to a database. */
export function apiWriteOps(db: Database.Database) {
  return { ...accessWriteOps(db), ...limitWriteOps(db), ...historyWriteOps(db) };
}

/** Who may use the API: accounts, their browser sessions, and API tokens. */
function accessWriteOps(db: Database.Database) {
  const s = {
    addAccount: db.prepare(`
      INSERT INTO accounts (username, password_hash, role, created_ms, updated_ms)
      VALUES (@username, @passwordHash, @role, @atMs, @atMs)`),
    setPassword: db.prepare('UPDATE accounts SET password_hash = ?, updated_ms = ? WHERE username = ?'),
    removeAccount: db.prepare('DELETE FROM accounts WHERE username = ?'),
    dropSessionsOf: db.prepare('DELETE FROM web_sessions WHERE username = ?'),
    addSession: db.prepare(`
      INSERT INTO web_sessions (id_hash, username, created_ms, expires_ms) VALUES (?, ?, ?, ?)`),
    touchSession: db.prepare('UPDATE web_sessions SET expires_ms = ? WHERE id_hash = ?'),
    dropSession: db.prepare('DELETE FROM web_sessions WHERE id_hash = ?'),
    dropExpiredSessions: db.prepare('DELETE FROM web_sessions WHERE expires_ms < ?'),
    addToken: db.prepare(`
      INSERT INTO api_tokens (name, role, token_hash, created_by, created_ms)
      VALUES (@name, @role, @tokenHash, @createdBy, @atMs)`),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_ms = ? WHERE id = ?'),
    dropToken: db.prepare('DELETE FROM api_tokens WHERE id = ?'),
  };
  return {
    addAccount(a: { username: string; passwordHash: string; role: Role; atMs: number }): void {
      s.addAccount.run(a);
    },
    /** Also ends the account's browser sessions: a new password logs everyone out. */
    setPassword(a: { username: string; passwordHash: string; atMs: number }): boolean {
      const changed = s.setPassword.run(a.passwordHash, a.atMs, a.username).changes > 0;
      s.dropSessionsOf.run(a.username);
      return changed;
    },
    removeAccount(username: string): boolean {
      s.dropSessionsOf.run(username);
      return s.removeAccount.run(username).changes > 0;
    },
    addWebSession(a: { idHash: string; username: string; atMs: number; expiresMs: number }): void {
      s.dropExpiredSessions.run(a.atMs);
      s.addSession.run(a.idHash, a.username, a.atMs, a.expiresMs);
    },
    touchWebSession(a: { idHash: string; expiresMs: number }): void {
      s.touchSession.run(a.expiresMs, a.idHash);
    },
    dropWebSession(idHash: string): void {
      s.dropSession.run(idHash);
    },
    addApiToken(a: { name: string; role: Role; tokenHash: string; createdBy: string; atMs: number }): number {
      return Number(s.addToken.run(a).lastInsertRowid);
    },
    touchApiToken(a: { id: number; atMs: number }): void {
      s.touchToken.run(a.atMs, a.id);
    },
    dropApiToken(id: number): boolean {
      return s.dropToken.run(id).changes > 0;
    },
  };
}

/** The operator's limits: overrides and dashboard schedules, updated under a version check. */
function limitWriteOps(db: Database.Database) {
  const o = overrideStatements(db);
  const sc = scheduleStatements(db);
  const s = {
    addOverride: db.prepare(`
      INSERT INTO overrides (circuit_id, limit_a, limit_kw, until_ms, reason, created_by, created_ms,
        updated_by, updated_ms)
      VALUES (@circuitId, @limitA, @limitKw, @untilMs, @reason, @by, @atMs, @by, @atMs)`),
    updateOverride: db.prepare(`
      UPDATE overrides SET circuit_id = @circuitId, limit_a = @limitA, limit_kw = @limitKw,
        until_ms = @untilMs, reason = @reason, updated_by = @by, updated_ms = @atMs, version = version + 1
      WHERE id = @id AND version = @version`),
    dropOverride: db.prepare('DELETE FROM overrides WHERE id = ?'),
    dropExpiredOverrides: db.prepare('DELETE FROM overrides WHERE until_ms < ?'),
    addSchedule: db.prepare(`
      INSERT INTO ui_schedules (circuit_id, name, weekly, exceptions, enabled, updated_by, updated_ms)
      VALUES (@circuitId, @name, @weekly, @exceptions, @enabled, @by, @atMs)`),
    updateSchedule: db.prepare(`
      UPDATE ui_schedules SET circuit_id = @circuitId, name = @name, weekly = @weekly,
        exceptions = @exceptions, enabled = @enabled, updated_by = @by, updated_ms = @atMs, version = version + 1
      WHERE id = @id AND version = @version`),
    dropSchedule: db.prepare('DELETE FROM ui_schedules WHERE id = ?'),
  };
  const scheduleRow = (x: UiScheduleInput & { by: string; atMs: number }) => ({
    circuitId: x.circuitId,
    name: x.name,
    weekly: JSON.stringify(x.weekly),
    exceptions: JSON.stringify(x.exceptions),
    enabled: x.enabled ? 1 : 0,
    by: x.by,
    atMs: x.atMs,
  });
  return {
    addOverride(a: OverrideInput & { by: string; atMs: number }): OverrideRecord {
      // Expired overrides have no effect; they are pruned as new ones come.
      s.dropExpiredOverrides.run(a.atMs - 24 * 3600_000);
      const id = Number(s.addOverride.run({ ...a, reason: und(a.reason ?? undefined) }).lastInsertRowid);
      return toOverride(o.byId.get(id)!);
    },
    updateOverride(
      a: OverrideInput & { id: number; version: number; by: string; atMs: number },
    ): VersionedOutcome<OverrideRecord> {
      const changed = s.updateOverride.run(a).changes > 0;
      return versionedOutcome(changed, o.byId.get(a.id), toOverride);
    },
    dropOverride(id: number): boolean {
      return s.dropOverride.run(id).changes > 0;
    },
    addUiSchedule(a: UiScheduleInput & { by: string; atMs: number }): UiScheduleRecord {
      const id = Number(s.addSchedule.run(scheduleRow(a)).lastInsertRowid);
      return toSchedule(sc.byId.get(id)!);
    },
    updateUiSchedule(
      a: UiScheduleInput & { id: number; version: number; by: string; atMs: number },
    ): VersionedOutcome<UiScheduleRecord> {
      const changed = s.updateSchedule.run({ ...scheduleRow(a), id: a.id, version: a.version }).changes > 0;
      return versionedOutcome(changed, sc.byId.get(a.id), toSchedule);
    },
    dropUiSchedule(id: number): boolean {
      return s.dropSchedule.run(id).changes > 0;
    },
  };
}

/** The power history the dashboard draws, a row per minute and circuit. */
function historyWriteOps(db: Database.Database) {
  const s = {
    upsertHistory: db.prepare(`
      INSERT INTO power_history (minute_ms, circuit_id, grid_kw, pv_kw, battery_kw, ev_kw, other_kw,
        load_a, ev_a, limit_a)
      VALUES (@minuteMs, @circuitId, @gridKw, @pvKw, @batteryKw, @evKw, @otherKw, @loadA, @evA, @limitA)
      ON CONFLICT (circuit_id, minute_ms) DO UPDATE SET grid_kw = excluded.grid_kw, pv_kw = excluded.pv_kw,
        battery_kw = excluded.battery_kw, ev_kw = excluded.ev_kw, other_kw = excluded.other_kw,
        load_a = excluded.load_a, ev_a = excluded.ev_a, limit_a = excluded.limit_a`),
    pruneHistory: db.prepare('DELETE FROM power_history WHERE minute_ms < ?'),
  };
  return {
    /** Writes the minutes given and drops those older than `keepAfterMs`. */
    recordPowerHistory(a: { rows: readonly PowerHistoryRow[]; keepAfterMs: number }): void {
      for (const r of a.rows)
        s.upsertHistory.run({
          minuteMs: r.minuteMs,
          circuitId: r.circuitId,
          gridKw: r.gridKw ?? null,
          pvKw: r.pvKw ?? null,
          batteryKw: r.batteryKw ?? null,
          evKw: r.evKw ?? null,
          otherKw: r.otherKw ?? null,
          loadA: r.loadA ?? null,
          evA: r.evA ?? null,
          limitA: r.limitA ?? null,
        });
      s.pruneHistory.run(a.keepAfterMs);
    },
  };
}

/**
 * The outcome of an UPDATE guarded by `version = @version`: the row after it, or not found; when the UPDATE
 * changed nothing though the row exists, its version was stale (a conflict, with the current record).
 */
function versionedOutcome<Row, Rec>(
  changed: boolean,
  row: Row | undefined,
  toRecord: (r: Row) => Rec,
): VersionedOutcome<Rec> {
  if (!row) return { status: 'not-found' };
  return changed ? { status: 'ok', item: toRecord(row) } : { status: 'conflict', current: toRecord(row) };
}
