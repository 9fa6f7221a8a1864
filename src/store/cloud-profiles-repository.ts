/** The cloud's charging profiles on SQLite (table cloud_profiles): read at start, written through the writer. */
import type Database from 'better-sqlite3';
import type { CloudProfileStore, StoredCloudProfile } from '../contracts/ocpp-repository.ts';
import type { StoreWriter } from './store-writer.ts';

interface Row {
  station_id: string;
  profile_id: number;
  ocpp_version: StoredCloudProfile['version'];
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

  /** Every stored profile; one whose payload is not JSON any more comes back with `unreadable` set. */
  all(): readonly StoredCloudProfile[] {
    return this.allRows.all().map((r) => {
      let payload: unknown = null;
      let unreadable: string | undefined;
      try {
        payload = JSON.parse(r.payload);
      } catch (err) {
        // CloudProfiles drops it with a log line naming the station, the profile and this.
        unreadable = `its stored payload is not JSON (${err instanceof Error ? err.message : String(err)})`;
      }
      return {
        stationId: r.station_id,
        profileId: r.profile_id,
        version: r.ocpp_version,
        payload,
        receivedMs: r.received_ms,
        sessionId: r.session_id ?? undefined,
        unreadable,
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
