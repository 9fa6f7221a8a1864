/** Schedules made in the dashboard (on top of the site file's); edits are guarded by a version number. */
import type Database from 'better-sqlite3';
import type { UiScheduleInput, UiScheduleRecord, VersionedOutcome } from '../contracts/api-records.ts';
import type { UiSchedulesStore } from '../contracts/api-store.ts';
import { scheduleStatements, toSchedule } from './api-rows.ts';
import type { StoreWriter } from './store-writer.ts';

export class UiSchedulesRepository implements UiSchedulesStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly now: () => number = Date.now,
  ) {
    this.s = scheduleStatements(db);
  }

  list(): readonly UiScheduleRecord[] {
    return this.s.all.all().map(toSchedule);
  }

  get(id: number): UiScheduleRecord | undefined {
    const r = this.s.byId.get(id);
    return r && toSchedule(r);
  }

  add(input: UiScheduleInput, by: string): Promise<UiScheduleRecord> {
    return this.writer.run('addUiSchedule', { ...input, by, atMs: this.now() });
  }

  update(
    id: number,
    version: number,
    input: UiScheduleInput,
    by: string,
  ): Promise<VersionedOutcome<UiScheduleRecord>> {
    return this.writer.run('updateUiSchedule', { ...input, id, version, by, atMs: this.now() });
  }

  remove(id: number): Promise<boolean> {
    return this.writer.run('dropUiSchedule', id);
  }
}
