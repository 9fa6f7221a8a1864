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

/** SQLite result codes of a store that cannot write at all (not one write refused for its data). */
const CANNOT_WRITE =
  /^(SQLITE_(FULL|READONLY|BUSY|LOCKED|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM)|STORE_WRITER_FAILED)/;

/**
 * Watches the writes of another writer: `problem` says why the store cannot write (the database full,
 * read-only, locked, the disk failing, the writer thread dead) since the last write failed for such a
 * reason, and is null again once a write goes through. Readiness reports it (src/api/routes/ops.ts).
 */
export class MonitoredWriter implements StoreWriter {
  problem: string | null = null;

  constructor(private readonly inner: StoreWriter) {}

  run<K extends WriteOpName>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    return this.inner.run(op, args).then(
      (v) => {
        this.problem = null;
        return v;
      },
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && CANNOT_WRITE.test(code))
          this.problem = `${code}: ${err instanceof Error ? err.message : String(err)}`;
        throw err;
      },
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
