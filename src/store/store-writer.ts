/**
 * Where the store's writes run. On a file, a writer thread (`ThreadWriter`) so that an fsync never stalls
 * the event loop serving 1,000 stations; for an in-memory database, the calling thread (`InlineWriter`).
 */
import type Database from 'better-sqlite3';
import { WriteBatcher } from './write-batcher.ts';
import type { WriteArgs, WriteOpName, WriteOps, WriteResult } from './write-ops.ts';
import { writeOps } from './write-ops.ts';

export interface StoreWriter {
  /** Run a named write; resolves once it is committed durably. */
  run<K extends WriteOpName>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>>;
  /** Commit what is queued and stop. */
  close(): Promise<void>;
}

export class InlineWriter implements StoreWriter {
  private readonly batcher: WriteBatcher;
  private readonly ops: WriteOps;

  constructor(db: Database.Database) {
    this.batcher = new WriteBatcher(db);
    this.ops = writeOps(db);
  }

  run<K extends WriteOpName>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    const fn = this.ops[op] as (a: WriteArgs<K>) => WriteResult<K>;
    return this.batcher.run(() => fn(args));
  }

  close(): Promise<void> {
    this.batcher.close();
    return Promise.resolve();
  }
}
