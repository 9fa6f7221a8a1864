/**
 * Group commit in the calling thread: writes queued in the same event-loop turn run in one SQLite
 * transaction, committed (and fsynced) once, then each caller's promise resolves.
 */
import type Database from 'better-sqlite3';
import { commitBatch } from './commit-batch.ts';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  /** Run `write` in the next group transaction; resolves with its result once committed. */
  run<T>(write: (db: Database.Database) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write: () => write(this.db), resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commit everything queued now (also called on close). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    commitBatch(
      this.db,
      batch.map((p) => p.write),
    ).forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
