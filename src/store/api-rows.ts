/** Override and dashboard-schedule rows as SQLite holds them, and the statements that read them. */
import type Database from 'better-sqlite3';
import type { OverrideRecord, UiScheduleRecord } from '../contracts/api-records.ts';

export interface OverrideRow {
  id: number;
  circuit_id: string;
  limit_a: number | null;
  limit_kw: number | null;
  until_ms: number;
  reason: string | null;
  created_by: string;
  created_ms: number;
  updated_by: string;
  updated_ms: number;
  version: number;
}

export interface ScheduleRow {
  id: number;
  circuit_id: string;
  name: string;
  weekly: string;
  exceptions: string;
  enabled: number;
  version: number;
  updated_by: string;
  updated_ms: number;
}

export function toOverride(r: OverrideRow): OverrideRecord {
  return {
    id: r.id,
    circuitId: r.circuit_id,
    limitA: r.limit_a,
    limitKw: r.limit_kw,
    untilMs: r.until_ms,
    reason: r.reason,
    createdBy: r.created_by,
    createdMs: r.created_ms,
    updatedBy: r.updated_by,
    updatedMs: r.updated_ms,
    version: r.version,
  };
}

export function toSchedule(r: ScheduleRow): UiScheduleRecord {
  return {
    id: r.id,
    circuitId: r.circuit_id,
    name: r.name,
    weekly: JSON.parse(r.weekly) as UiScheduleRecord['weekly'],
    exceptions: JSON.parse(r.exceptions) as UiScheduleRecord['exceptions'],
    enabled: r.enabled === 1,
    version: r.version,
    updatedBy: r.updated_by,
    updatedMs: r.updated_ms,
  };
}

export function overrideStatements(db: Database.Database) {
  return {
    byId: db.prepare<[number], OverrideRow>('SELECT * FROM overrides WHERE id = ?'),
    all: db.prepare<[], OverrideRow>('SELECT * FROM overrides ORDER BY id'),
  };
}

export function scheduleStatements(db: Database.Database) {
  return {
    byId: db.prepare<[number], ScheduleRow>('SELECT * FROM ui_schedules WHERE id = ?'),
    all: db.prepare<[], ScheduleRow>('SELECT * FROM ui_schedules ORDER BY id'),
  };
}
