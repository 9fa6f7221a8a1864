import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupStore } from './backup.ts';
import { MIGRATIONS, migrate, SchemaTooNewError } from './migrations.ts';
import type { Store } from './store.ts';
import { WriteBatcher } from './write-batcher.ts';
import { storePerTest } from './testing/store-per-test.ts';

const db = storePerTest('fusebox-store-');
let store: Store | undefined;

const tmp = db.tmp;

describe('opening the store', () => {
  it('creates a WAL database at the latest schema, and migrates only once', async () => {
    const path = join(tmp(), 'sub', 'fusebox.db');
    store = db.open(path);
    expect(store.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await store.close();
    store = db.open(path);
    expect(store.migrated).toEqual([]);
  });

  it('upgrades a schema 3 database in place: its sessions keep working, new ones keep both timestamps', async () => {
    const path = join(tmp(), 'fusebox.db');
    const old = new Database(path);
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 3),
    );
    old
      .prepare(
        `INSERT INTO sessions (station_id, evse_id, connector_id, transaction_ref, started_ms, meter_start_wh,
          updated_ms) VALUES ('CP1', 1, 1, '1', 1000, 500, 1000)`,
      )
      .run();
    old.close();
    store = db.open(path);
    expect(store.migrated).toEqual(MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version));
    const repo = store.ocpp;
    // The old session: found, a retransmission of its 1.6 start recognised by the start time it had.
    const start = { stationId: 'CP1', evseId: 1, connectorId: 1, startedMs: 1000, meterStartWh: 500 };
    expect(await repo.startSession(start)).toMatchObject({ duplicate: true, session: { sessionId: 1 } });
    const stopped = await repo.stopSession({ sessionId: 1, stoppedMs: 5000, meterStopWh: 900 });
    expect(stopped).toMatchObject({ energyWh: 400, startedStationMs: undefined, stoppedMs: 5000 });
    // A new session whose station time was replaced by the receive time: both kept, and a retransmission
    // (same station time, later receive time) is the same session.
    const replaced = { ...start, startedMs: 9000, stationMs: 1, receivedMs: 9000 };
    const { session } = await repo.startSession(replaced);
    expect(session).toMatchObject({ startedMs: 9000, startedStationMs: 1, startedReceivedMs: 9000 });
    const again = await repo.startSession({ ...replaced, startedMs: 9500, receivedMs: 9500 });
    expect(again).toMatchObject({ duplicate: true, session: { sessionId: session.sessionId } });
  });

  it('refuses a database from a newer Fusebox', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
  });

  it('backs up a consistent copy while open', async () => {
    store = db.open(join(tmp(), 'fusebox.db'));
    await store.ocpp.recordEvent({ atMs: 1, level: 'info', kind: 'x', message: 'before backup' });
    const result = await backupStore(store.db, join(db.dir, 'backup', 'copy.db'));
    const copy = new Database(result.path, { readonly: true });
    expect(copy.prepare('SELECT message FROM events').get()).toEqual({ message: 'before backup' });
    copy.close();
  });
});

describe('WriteBatcher', () => {
  it('commits a turn’s writes together and isolates a failing one', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER NOT NULL)');
    const w = new WriteBatcher(db);
    const insert = (x: number | null) => w.run((d) => d.prepare('INSERT INTO t VALUES (?)').run(x).changes);
    const results = await Promise.allSettled([insert(1), insert(null), insert(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT x FROM t ORDER BY x').all()).toEqual([{ x: 1 }, { x: 3 }]);
    w.close();
    await expect(insert(4)).rejects.toThrow(/closed/);
  });
});

describe('the read-only connection', () => {
  it('reads what the writer thread committed, and cannot write', async () => {
    const path = join(tmp(), 'fusebox.db');
    store = db.open(path);
    await store.api.overrides.add(
      { circuitId: 'c', limitA: 10, limitKw: null, untilMs: Date.now() + 60_000, reason: null },
      'alice',
    );
    expect(store.api.overrides.list()).toHaveLength(1);
    expect(store.reader.readonly).toBe(true);
    expect(() => store!.reader.prepare('DELETE FROM overrides').run()).toThrow(/readonly/);
    await store.api.records.audit('alice', 'did a thing');
    expect(store.api.records.events({ kind: 'audit', limit: 10, offset: 0 }).items[0]).toMatchObject({
      message: 'alice: did a thing',
      data: { user: 'alice' },
    });
  });
});
