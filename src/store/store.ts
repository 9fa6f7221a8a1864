/**
 * The Fusebox database: one SQLite file in WAL mode, migrated on open. Reads run on the calling thread;
 * writes go to a writer thread with group commit (see thread-writer.ts), in-thread for ':memory:'.
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { ApiStore } from '../contracts/api-store.ts';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { AccountsRepository } from './accounts-repository.ts';
import { CloudProfilesRepository } from './cloud-profiles-repository.ts';
import { DemandRepository } from './demand-repository.ts';
import { DriverNeedsRepository } from './driver-needs-repository.ts';
import { ApiTokensRepository } from './api-tokens-repository.ts';
import { LocalListRepository } from './local-list-repository.ts';
import { migrate } from './migrations.ts';
import { openDatabase } from './open-database.ts';
import { RecordsRepository } from './records-repository.ts';
import { SqliteOcppRepository } from './sqlite-ocpp-repository.ts';
import type { StoreWriter } from './store-writer.ts';
import { InlineWriter, MonitoredWriter } from './store-writer.ts';
import { ThreadWriter } from './thread-writer.ts';
import { OVERRIDES, UI_SCHEDULES, VersionedRepository } from './versioned-repository.ts';

export interface StoreOptions {
  /** Clock for timestamps the store sets itself (Fusebox's clock; the system clock when absent). */
  readonly clock?: Clock | undefined;
  /** 'thread' (default for files) or 'inline' (always for ':memory:'). */
  readonly writer?: 'thread' | 'inline' | undefined;
}

export interface Store {
  /** The reading connection (also fine for occasional writes of one's own, e.g. tests). */
  readonly db: Database.Database;
  readonly writer: StoreWriter;
  /** What the OCPP server stores (src/ocpp's OcppRepository). */
  readonly ocpp: SqliteOcppRepository;
  /** The local authorization list (the API edits it as `api.localList`; SendLocalList reads it). */
  readonly localList: LocalListRepository;
  /** The cloud's charging profiles (src/proxy/cloud-profiles.ts). */
  readonly cloudProfiles: CloudProfilesRepository;
  /** What the HTTP API reads and writes; its reads of records use `reader`. */
  readonly api: ApiStore;
  /** The demand cap's billing period peaks and pinned target (src/control/demand-cap.ts). */
  readonly demand: DemandRepository;
  /** A driver's needs per open session (control/driver-needs.ts). */
  readonly driverNeeds: DriverNeedsRepository;
  /** A read-only connection (WAL readers never block the writer); the same as `db` for ':memory:'. */
  readonly reader: Database.Database;
  /** Why the store cannot write (full, read-only, locked, ...) since the last write failed so; else null. */
  writeProblem(): string | null;
  /** Schema versions applied by this open (empty when up to date). */
  readonly migrated: readonly number[];
  /** Commit what is queued and close the file. */
  close(): Promise<void>;
}

/** Open (creating if needed) and migrate the database at `path`; ':memory:' for a throwaway one. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const clock = options.clock ?? systemClock;
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path);
  const migrated = migrate(db);
  const writer = new MonitoredWriter(
    memory || options.writer === 'inline' ? new InlineWriter(db) : new ThreadWriter(path),
  );
  const ocpp = new SqliteOcppRepository(db, writer, clock);
  const reader = memory ? db : new Sqlite(path, { readonly: true });
  if (!memory) reader.pragma('busy_timeout = 5000');
  const localList = new LocalListRepository(db, writer, clock);
  const api: ApiStore = {
    accounts: new AccountsRepository(db, writer, clock),
    tokens: new ApiTokensRepository(db, writer, clock),
    overrides: new VersionedRepository(db, writer, OVERRIDES, clock),
    schedules: new VersionedRepository(db, writer, UI_SCHEDULES, clock),
    records: new RecordsRepository(reader, writer, ocpp, clock),
    localList,
  };
  let closing: Promise<void> | undefined;
  return {
    db,
    writer,
    ocpp,
    localList,
    cloudProfiles: new CloudProfilesRepository(db, writer),
    api,
    demand: new DemandRepository(db, writer, clock),
    driverNeeds: new DriverNeedsRepository(db, writer),
    reader,
    migrated,
    writeProblem: () => writer.problem,
    close() {
      closing ??= writer.close().finally(() => {
        if (reader !== db) reader.close();
        db.close();
      });
      return closing;
    },
  };
}
