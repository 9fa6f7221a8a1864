import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.ts';
import type { Store } from './store.ts';
import { storePerTest } from './testing/store-per-test.ts';

const db = storePerTest('fusebox-demand-');
let store: Store | undefined;

describe('the demand store', () => {
  it('keeps each billing period peak (only a higher one replaces it) and the pin across a reopen', async () => {
    const path = join(db.tmp(), 'fusebox.db');
    store = db.open(path);
    await store.demand.savePeak({ period: '2026-03', peakKw: 41.5, peakAtMs: 1000, windowMs: 900_000 });
    await store.demand.savePeak({ period: '2026-03', peakKw: 39, peakAtMs: 2000, windowMs: 900_000 });
    await store.demand.savePeak({ period: '2026-04', peakKw: 12, peakAtMs: 3000, windowMs: 900_000 });
    await store.demand.savePin({ targetKw: 35, by: 'alice', atMs: 4000 });
    await store.close();
    store = db.open(path);
    expect(store.demand.peak('2026-03')).toEqual({
      period: '2026-03',
      peakKw: 41.5,
      peakAtMs: 1000,
      windowMs: 900_000,
    });
    expect(store.demand.peak('2026-05')).toBeUndefined();
    expect(store.demand.pin()).toEqual({ targetKw: 35, by: 'alice', atMs: 4000 });
    await store.demand.savePin(null);
    expect(store.demand.pin()).toBeNull();
  });

  it('a schema 4 database gains the demand tables and keeps its rows', () => {
    const path = join(db.tmp(), 'fusebox.db');
    const old = new Database(path);
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 4),
    );
    old
      .prepare("INSERT INTO stations (station_id, registration, created_ms) VALUES ('s1', 'accepted', 1)")
      .run();
    old.close();
    store = db.open(path);
    expect(store.migrated).toEqual(MIGRATIONS.filter((m) => m.version > 4).map((m) => m.version));
    expect(store.migrated).toContain(6);
    expect(store.db.prepare('SELECT station_id FROM stations').all()).toEqual([{ station_id: 's1' }]);
    expect(store.demand.peak('2026-03')).toBeUndefined();
  });
});
