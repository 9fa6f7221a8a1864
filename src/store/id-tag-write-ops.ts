/**
 * The writes of id tags and the local authorization list (docs/ocpp.md, "Local authorization list"): tags
 * from the cloud or the API, the list's version, and which version each station holds. Part of writeOps
 * (write-ops.ts).
 */
import type Database from 'better-sqlite3';
import type { IdTagRecord } from '../contracts/ocpp-repository.ts';
import { und } from './write-values.ts';

export function idTagWriteOps(db: Database.Database) {
  const s = {
    upsertIdTag: db.prepare(`
      INSERT INTO id_tags (id_tag, status, expires_ms, parent_id_tag, source, updated_ms)
      VALUES (@idTag, @status, @expiresMs, @parentIdTag, @source, @updatedMs)
      ON CONFLICT (id_tag) DO UPDATE SET status = @status, expires_ms = @expiresMs,
        parent_id_tag = @parentIdTag, source = @source, updated_ms = @updatedMs`),
    dropLocalIdTag: db.prepare("DELETE FROM id_tags WHERE id_tag = ? AND source = 'local'"),
    bumpLocalList: db.prepare<[], { version: number }>(
      'UPDATE local_list SET version = version + 1 WHERE id = 1 RETURNING version',
    ),
    stationLocalList: db.prepare('UPDATE stations SET local_list_version = ? WHERE station_id = ?'),
  };
  return {
    saveIdTag(rec: IdTagRecord): void {
      s.upsertIdTag.run({ ...rec, expiresMs: und(rec.expiresMs), parentIdTag: und(rec.parentIdTag) });
    },

    /** An id tag of the local list, added or replaced, and the list's new version. */
    putLocalIdTag(rec: Omit<IdTagRecord, 'source'>): number {
      s.upsertIdTag.run({
        ...rec,
        source: 'local',
        expiresMs: und(rec.expiresMs),
        parentIdTag: und(rec.parentIdTag),
      });
      return s.bumpLocalList.get()!.version;
    },

    /** Removes an id tag of the local list: the list's new version, or null when it was not on it. */
    removeLocalIdTag(idTag: string): number | null {
      if (s.dropLocalIdTag.run(idTag).changes === 0) return null;
      return s.bumpLocalList.get()!.version;
    },

    setStationLocalListVersion(args: { readonly stationId: string; readonly version: number }): void {
      s.stationLocalList.run(args.version, args.stationId);
    },
  };
}
