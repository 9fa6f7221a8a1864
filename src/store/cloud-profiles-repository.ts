/** The cloud's charging profiles on SQLite (table cloud_profiles): read at start, written through the writer. */
import type Database from 'better-sqlite3';
import type { CloudProfileStore, CloudProfileVersion, StoredCloudProfile } from '../proxy/cloud-profiles.ts';
import type { StoreWriter } from './store-writer.ts';

interface Row {
  station_id: string;
  profile_id: number;
  ocpp_version: CloudProfileVersion;
  payload: string;
  received_ms: number;
  session_id: number | null;
}

export class CloudProfilesRepository implements CloudProfileStore {
  private readonly allRows;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
  ) {
    this.allRows = db.prepare<[], Row>('SELECT * FROM cloud_profiles ORDER BY received_ms, rowid');
  }

  /** Every stored profile; a payload that is not JSON any more comes back as null (and is then rejected). */
  all(): readonly StoredCloudProfile[] {
    return this.allRows.all().map((r) => {
      let payload: unknown = null;
      try {
        payload = JSON.parse(r.payload);
      } catch {
        // Left null: CloudProfiles drops it with a log line naming the station and profile.
      }
      return {
        stationId: r.station_id,
        profileId: r.profile_id,
        version: r.ocpp_version,
        payload,
        receivedMs: r.received_ms,
        sessionId: r.session_id ?? undefined,
      };
    });
  }

  save(profile: StoredCloudProfile): Promise<void> {
    return this.writer.run('saveCloudProfile', profile);
  }

  drop(stationId: string, profileId: number): Promise<void> {
    return this.writer.run('dropCloudProfile', { stationId, profileId });
  }
}
