/**
 * Online backup: SQLite's backup API copies a consistent snapshot while Fusebox keeps writing. Copying the
 * database file alone is not a backup in WAL mode (recent commits live in the -wal file).
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BackupResult {
  readonly path: string;
  readonly pages: number;
  readonly durationMs: number;
}

/** Write a consistent copy of the database to `destination` (a new SQLite file). */
export async function backupStore(db: Database.Database, destination: string): Promise<BackupResult> {
  mkdirSync(dirname(destination), { recursive: true });
  const start = performance.now();
  const { totalPages } = await db.backup(destination);
  return { path: destination, pages: totalPages, durationMs: performance.now() - start };
}
