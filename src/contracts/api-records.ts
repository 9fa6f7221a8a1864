/**
 * What the HTTP API keeps in the store, as plain records: accounts, browser sessions, API tokens, overrides,
 * schedules made in the dashboard, and the per-minute power history. The store implements the repositories.
 */
import type { DatedException, WeeklyEntry } from '../core/schedule.ts';

export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface AccountRecord {
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly createdMs: number;
}

/** A browser session, found by the SHA-256 of its cookie value. */
export interface WebSessionRecord {
  readonly username: string;
  readonly role: Role;
  readonly expiresMs: number;
}

export interface ApiTokenRecord {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly createdBy: string;
  readonly createdMs: number;
  readonly lastUsedMs: number | null;
}

export interface OverrideInput {
  readonly circuitId: string;
  readonly limitA: number | null;
  readonly limitKw: number | null;
  readonly untilMs: number;
  readonly reason: string | null;
}

export interface OverrideRecord extends OverrideInput {
  readonly id: number;
  readonly createdBy: string;
  readonly createdMs: number;
  readonly updatedBy: string;
  readonly updatedMs: number;
  readonly version: number;
}

export interface UiScheduleInput {
  readonly circuitId: string;
  readonly name: string;
  readonly weekly: readonly WeeklyEntry[];
  readonly exceptions: readonly DatedException[];
  readonly enabled: boolean;
}

export interface UiScheduleRecord extends UiScheduleInput {
  readonly id: number;
  readonly version: number;
  readonly updatedBy: string;
  readonly updatedMs: number;
}

/** Outcome of an edit guarded by a version number (optimistic concurrency). */
export type VersionedOutcome<T> =
  | { readonly status: 'ok'; readonly item: T }
  | { readonly status: 'conflict'; readonly current: T }
  | { readonly status: 'not-found' };

/** One minute of the site's powers (circuitId '') or of one circuit's highest-phase currents. */
export interface PowerHistoryRow {
  readonly minuteMs: number;
  readonly circuitId: string;
  readonly gridKw?: number | null;
  readonly pvKw?: number | null;
  readonly batteryKw?: number | null;
  readonly evKw?: number | null;
  readonly otherKw?: number | null;
  readonly loadA?: number | null;
  readonly evA?: number | null;
  readonly limitA?: number | null;
}

/** An id tag of the local authorization list (the store's `id_tags` rows with source 'local'). */
export interface LocalIdTagRecord {
  readonly idTag: string;
  readonly status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';
  readonly expiresMs?: number | undefined;
  readonly parentIdTag?: string | undefined;
  readonly updatedMs: number;
}
