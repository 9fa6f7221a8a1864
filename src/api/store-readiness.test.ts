/**
 * A store that cannot write is reported: /readyz is 503 naming it (docs/operations.md, "Fault injection"),
 * and ready again once a write goes through. Real app, real OCPP, a real SQLite file locked by another
 * connection (as a backup tool or a second process would).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- assertions read JSON bodies */
import Sqlite from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useApiFixture } from './testing/api-fixture.ts';

const { f } = useApiFixture({ login: [] });

const startTx = (idTag: string) => ({
  connectorId: 1,
  idTag,
  meterStart: 0,
  timestamp: new Date().toISOString(),
});

describe('readiness of a store that cannot write', () => {
  it('/readyz is 503 naming the store while its writes fail, 200 again after the next write', async () => {
    expect((await f.call('GET', '/readyz')).status).toBe(200);
    const station = await f.station('st-1');
    const locker = new Sqlite(join(f.dir, 'fusebox.db'));
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN EXCLUSIVE');
    let refused = false;
    try {
      await station.call('StartTransaction', startTx('LOCKED'));
    } catch {
      refused = true;
    }
    const during = await f.call('GET', '/readyz');
    locker.exec('ROLLBACK');
    locker.close();
    expect(refused).toBe(true);
    expect(during.status).toBe(503);
    expect(during.body.missing.join(' ')).toMatch(/store cannot write.*database is locked/);
    await station.call('StartTransaction', startTx('UNLOCKED'));
    const after = await f.call('GET', '/readyz');
    expect(after.body).toEqual({ ready: true, missing: [] });
  }, 60_000);
});
