/**
 * Records edited from the dashboard whose every change is guarded by a version number (optimistic
 * concurrency: an edit made on a stale version is refused with the current record): operator overrides and
 * dashboard schedules. One repository for both; a table differs only in its rows and its named writes
 * (which run on the writer thread, api-write-ops.ts).
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock.ts';
import type {
  OverrideInput,
  OverrideRecord,
  UiScheduleInput,
  UiScheduleRecord,
  VersionedOutcome,
} from '../contracts/api-records.ts';
import type { VersionedStore } from '../contracts/api-store.ts';
import { overrideStatements, scheduleStatements, toOverride, toSchedule } from './api-rows.ts';
import type { StoreWriter } from './store-writer.ts';

/** Who made a write and when. */
type Stamp = { readonly by: string; readonly atMs: number };

/** A table of versioned records: how its rows are read, and its writes. */
export interface VersionedTable<Rec, Input> {
  /** The statements reading one row by id and all rows in id order, and the record of a row. */
  readonly read: (db: Database.Database) => {
    readonly byId: { get(id: number): Rec | undefined };
    readonly all: { all(): Rec[] };
  };
  readonly add: (writer: StoreWriter, a: Input & Stamp) => Promise<Rec>;
  readonly update: (
    writer: StoreWriter,
    a: Input & Stamp & { readonly id: number; readonly version: number },
  ) => Promise<VersionedOutcome<Rec>>;
  readonly remove: (writer: StoreWriter, id: number) => Promise<boolean>;
}

/** Maps row statements to record statements. */
function mapped<Row, Rec>(
  s: { byId: Database.Statement<[number], Row>; all: Database.Statement<[], Row> },
  toRecord: (r: Row) => Rec,
): ReturnType<VersionedTable<Rec, unknown>['read']> {
  return {
    byId: {
      get: (id) => {
        const r = s.byId.get(id);
        return r === undefined ? undefined : toRecord(r);
      },
    },
    all: { all: () => s.all.all().map(toRecord) },
  };
}

export const OVERRIDES: VersionedTable<OverrideRecord, OverrideInput> = {
  read: (db) => mapped(overrideStatements(db), toOverride),
  add: (w, a) => w.run('addOverride', a),
  update: (w, a) => w.run('updateOverride', a),
  remove: (w, id) => w.run('dropOverride', id),
};

export const UI_SCHEDULES: VersionedTable<UiScheduleRecord, UiScheduleInput> = {
  read: (db) => mapped(scheduleStatements(db), toSchedule),
  add: (w, a) => w.run('addUiSchedule', a),
  update: (w, a) => w.run('updateUiSchedule', a),
  remove: (w, id) => w.run('dropUiSchedule', id),
};

export class VersionedRepository<Rec, Input> implements VersionedStore<Rec, Input> {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly table: VersionedTable<Rec, Input>,
    private readonly clock: Clock,
  ) {
    this.s = table.read(db);
  }

  list(): readonly Rec[] {
    return this.s.all.all();
  }

  get(id: number): Rec | undefined {
    return this.s.byId.get(id);
  }

  add(input: Input, by: string): Promise<Rec> {
    return this.table.add(this.writer, { ...input, by, atMs: this.clock.nowMs() });
  }

  update(id: number, version: number, input: Input, by: string): Promise<VersionedOutcome<Rec>> {
    return this.table.update(this.writer, { ...input, id, version, by, atMs: this.clock.nowMs() });
  }

  remove(id: number): Promise<boolean> {
    return this.table.remove(this.writer, id);
  }
}
