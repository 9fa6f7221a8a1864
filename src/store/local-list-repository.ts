/**
 * The local authorization list: the `id_tags` rows with source 'local' (what src/ocpp/authorization.ts checks
 * first), the list's version (raised by every change), and the version each station last accepted.
 */
import type Database from 'better-sqlite3';
import type { LocalIdTagRecord } from '../contracts/api-records.ts';
import type { LocalListStore } from '../contracts/api-store.ts';
import type { IdTagRecord, LocalListSource } from '../contracts/ocpp-repository.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface TagRow {
  id_tag: string;
  status: IdTagRecord['status'];
  expires_ms: number | null;
  parent_id_tag: string | null;
  updated_ms: number;
}

export class LocalListRepository implements LocalListStore, LocalListSource {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    this.s = {
      version: db.prepare<[], { version: number }>('SELECT version FROM local_list WHERE id = 1'),
      tags: db.prepare<[], TagRow>("SELECT * FROM id_tags WHERE source = 'local' ORDER BY id_tag"),
      station: db.prepare<[string], { local_list_version: number | null }>(
        'SELECT local_list_version FROM stations WHERE station_id = ?',
      ),
    };
  }

  version(): number {
    return this.s.version.get()?.version ?? 0;
  }

  list(): readonly LocalIdTagRecord[] {
    return this.s.tags.all().map((r) => ({
      idTag: r.id_tag,
      status: r.status,
      expiresMs: r.expires_ms ?? undefined,
      parentIdTag: r.parent_id_tag ?? undefined,
      updatedMs: r.updated_ms,
    }));
  }

  async put(tag: Omit<LocalIdTagRecord, 'updatedMs'>): Promise<{ tag: LocalIdTagRecord; version: number }> {
    const full: LocalIdTagRecord = { ...tag, updatedMs: this.clock.nowMs() };
    const version = await this.writer.run('putLocalIdTag', full);
    return { tag: full, version };
  }

  remove(idTag: string): Promise<number | null> {
    return this.writer.run('removeLocalIdTag', idTag);
  }

  stationVersion(stationId: string): number | null {
    return this.s.station.get(stationId)?.local_list_version ?? null;
  }

  setStationVersion(stationId: string, version: number): Promise<void> {
    return this.writer.run('setStationLocalListVersion', { stationId, version });
  }
}
