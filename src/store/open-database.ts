/** Open a SQLite connection the way Fusebox uses it (WAL, FULL sync, busy timeout). */
import Database from 'better-sqlite3';

/**
 * `synchronous = FULL` makes every commit durable across a power cut, not only a process crash
 * (docs/operations.md, "What survives a crash"); group commit in the writer thread keeps that cheap.
 */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Readers never block the writer in WAL mode; a writer waits up to 5 s for another (the retention job).
  db.pragma('busy_timeout = 5000');
  return db;
}
