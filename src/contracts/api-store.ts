/** What the HTTP API needs from the store (src/store implements it; tests use a real SQLite file). */
import type {
  AccountRecord,
  ApiTokenRecord,
  LocalIdTagRecord,
  OverrideInput,
  OverrideRecord,
  PowerHistoryRow,
  Role,
  UiScheduleInput,
  UiScheduleRecord,
  VersionedOutcome,
  WebSessionRecord,
} from './api-records.ts';

export interface AccountsStore {
  find(username: string): AccountRecord | undefined;
  list(): readonly AccountRecord[];
  count(): number;
  add(username: string, passwordHash: string, role: Role): Promise<void>;
  setPassword(username: string, passwordHash: string): Promise<boolean>;
  remove(username: string): Promise<boolean>;
  findSession(idHash: string): WebSessionRecord | undefined;
  addSession(idHash: string, username: string, expiresMs: number): Promise<void>;
  touchSession(idHash: string, expiresMs: number): Promise<void>;
  dropSession(idHash: string): Promise<void>;
}

export interface ApiTokensStore {
  findByHash(tokenHash: string): ApiTokenRecord | undefined;
  list(): readonly ApiTokenRecord[];
  add(name: string, role: Role, tokenHash: string, createdBy: string): Promise<number>;
  touch(id: number): Promise<void>;
  remove(id: number): Promise<boolean>;
}

/** Records edited from the dashboard, each change guarded by its version number (409 when stale). */
export interface VersionedStore<Rec, Input> {
  list(): readonly Rec[];
  get(id: number): Rec | undefined;
  add(input: Input, by: string): Promise<Rec>;
  update(id: number, version: number, input: Input, by: string): Promise<VersionedOutcome<Rec>>;
  remove(id: number): Promise<boolean>;
}

export type OverridesStore = VersionedStore<OverrideRecord, OverrideInput>;

export type UiSchedulesStore = VersionedStore<UiScheduleRecord, UiScheduleInput>;

export interface SessionFilter {
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly stationId?: string | undefined;
  readonly portId?: string | undefined;
  readonly idTag?: string | undefined;
  readonly active?: boolean | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface SessionItem {
  readonly id: number;
  readonly stationId: string;
  readonly portId: string | null;
  readonly idTag: string | null;
  readonly startedMs: number;
  readonly stoppedMs: number | null;
  readonly energyWh: number | null;
  readonly stopReason: string | null;
}

export interface EventFilter {
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly level?: string | undefined;
  readonly kind?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface EventItem {
  readonly id: number;
  readonly atMs: number;
  readonly level: string;
  readonly kind: string;
  readonly stationId: string | null;
  readonly portId: string | null;
  readonly message: string;
  readonly data: unknown;
}

export interface StationItem {
  readonly stationId: string;
  readonly ocppVersion: string | null;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  readonly lastSeenMs: number | null;
}

/** Rows of the history table averaged per bucket; a bucket without rows is absent. */
export interface HistoryBucket {
  readonly t: number;
  readonly values: Readonly<Record<string, number | null>>;
}

export interface RecordsStore {
  sessions(filter: SessionFilter): { total: number; items: SessionItem[] };
  events(filter: EventFilter): { total: number; items: EventItem[] };
  stations(): readonly StationItem[];
  history(fromMs: number, toMs: number, bucketMs: number, circuitId: string): HistoryBucket[];
  recordHistory(rows: readonly PowerHistoryRow[], keepAfterMs: number): Promise<void>;
  /** Calls fn with each event recorded from now on (the live stream); returns the unsubscribe function. */
  onEvent(fn: (e: EventItem) => void): () => void;
  /** An audit event naming the user. */
  audit(username: string, message: string, data?: unknown): Promise<void>;
}

export interface ApiStore {
  readonly accounts: AccountsStore;
  readonly tokens: ApiTokensStore;
  readonly overrides: OverridesStore;
  readonly schedules: UiSchedulesStore;
  readonly records: RecordsStore;
  /** The local authorization list (Authorize checks it first: src/ocpp/authorization.ts). */
  readonly localList: LocalListStore;
}

/** The local authorization list as the API edits it. */
export interface LocalListStore {
  /** The list's version: 0 until the first change. */
  version(): number;
  /** Its id tags, by id tag. */
  list(): readonly LocalIdTagRecord[];
  /** Adds or replaces an id tag; resolves with it and the list's new version once committed. */
  put(
    tag: Omit<LocalIdTagRecord, 'updatedMs'>,
  ): Promise<{ readonly tag: LocalIdTagRecord; readonly version: number }>;
  /** Removes an id tag: the list's new version, or null when it was not on the list. */
  remove(idTag: string): Promise<number | null>;
}
