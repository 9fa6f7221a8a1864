/** Run a batch of writes in one transaction, each in its own savepoint, and commit once. */
import type Database from 'better-sqlite3';

export type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * One failing write rolls back only its own savepoint; the others commit. If the commit itself fails,
 * every write failed and each outcome says so.
 */
export function commitBatch(db: Database.Database, writes: readonly (() => unknown)[]): Outcome[] {
  const outcomes: Outcome[] = [];
  try {
    db.transaction(() => {
      for (const write of writes) {
        try {
          // A nested better-sqlite3 transaction is a SAVEPOINT.
          outcomes.push({ ok: true, value: db.transaction(write)() });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    })();
  } catch (error) {
    return writes.map(() => ({ ok: false, error }));
  }
  return outcomes;
}
