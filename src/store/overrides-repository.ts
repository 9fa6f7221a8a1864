/** Temporary circuit limits set by operators; edits are guarded by a version number. */
import type Database from 'better-sqlite3';
import type { OverrideInput, OverrideRecord, VersionedOutcome } from '../contracts/api-records.ts';
import type { OverridesStore } from '../contracts/api-store.ts';
import { overrideStatements, toOverride } from './api-rows.ts';
import type { StoreWriter } from './store-writer.ts';

export class OverridesRepository implements OverridesStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly now: () => number = Date.now,
  ) {
    this.s = overrideStatements(db);
  }

  list(): readonly OverrideRecord[] {
    return this.s.all.all().map(toOverride);
  }

  get(id: number): OverrideRecord | undefined {
    const r = this.s.byId.get(id);
    return r && toOverride(r);
  }

  add(input: OverrideInput, by: string): Promise<OverrideRecord> {
    return this.writer.run('addOverride', { ...input, by, atMs: this.now() });
  }

  update(
    id: number,
    version: number,
    input: OverrideInput,
    by: string,
  ): Promise<VersionedOutcome<OverrideRecord>> {
    return this.writer.run('updateOverride', { ...input, id, version, by, atMs: this.now() });
  }

  remove(id: number): Promise<boolean> {
    return this.writer.run('dropOverride', id);
  }
}
