/**
 * A store that cannot write, over a real OCPP WebSocket and a real SQLite file (docs/operations.md, "Fault
 * injection"): the database full (max_page_count), read-only (query_only) or locked by another process.
 * central-system.ts: "Every report is stored (durably) before the station gets its answer" — so a report
 * that cannot be stored gets no CALLRESULT (a CALLERROR: the station keeps it and sends it again), the
 * failure is logged, and Fusebox goes on and stores again once the disk can take it.
 */
import Sqlite from 'better-sqlite3';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { startHarness } from './testing/ocpp-harness.ts';

const harnesses: Harness[] = [];
const stations: SimulatedStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.close().catch(() => undefined);
  for (const h of harnesses.splice(0)) await h.dispose();
});

/** A logger whose records the test can read. */
function capturingLog() {
  const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as never);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

async function connected(storeWriter: 'thread' | 'inline') {
  const { log, lines } = capturingLog();
  const h = await startHarness({
    stations: [{ id: 'CP1', ports: 1, version: '1.6' }],
    settings: { acceptUnknownIdTags: true },
    storeWriter,
    log,
  });
  harnesses.push(h);
  const st = new SimulatedStation({ url: h.url, stationId: 'CP1', version: '1.6', ports: 1 });
  stations.push(st);
  await st.connect();
  return { h, st, lines };
}

const startTx = (idTag: string) => ({
  connectorId: 1,
  idTag,
  meterStart: 0,
  timestamp: new Date().toISOString(),
});

const sessionsWith = (h: Harness, idTag: string): number =>
  (h.store.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE id_tag = ?').get(idTag) as { n: number }).n;

/** The outcome of a CALL: its answer, or the CALLERROR code. */
async function outcome(
  p: Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return {
      ok: false,
      code: String((err as { rpcErrorCode?: string }).rpcErrorCode ?? (err as Error).message),
    };
  }
}

describe('a store that cannot write', () => {
  for (const fault of ['full', 'read-only'] as const) {
    it(`${fault}: a report that cannot be stored gets no CALLRESULT, is logged, and storing resumes after`, async () => {
      const { h, st, lines } = await connected('inline');
      if (fault === 'full') {
        h.store.db.exec(`CREATE TABLE filler (x BLOB)`);
        const pages = h.store.db.pragma('page_count', { simple: true }) as number;
        h.store.db.pragma(`max_page_count = ${pages}`);
        // Fill what is left of the last pages, so the next insert needs a new one.
        for (const size of [4096, 512, 64, 1]) {
          const insert = h.store.db.prepare(`INSERT INTO filler VALUES (randomblob(${size}))`);
          for (;;) {
            try {
              insert.run();
            } catch {
              break;
            }
          }
        }
      } else {
        h.store.db.pragma('query_only = ON');
      }
      // The station goes on reporting: what fits (free room on existing pages) is stored and answered, until
      // a report that does not fit gets a CALLERROR.
      const acked: string[] = [];
      let failedTag = '';
      for (let i = 0; i < 2000 && !failedTag; i++) {
        const r = await outcome(st.call('StartTransaction', startTx(`F${i}`)));
        if (r.ok) acked.push(`F${i}`);
        else {
          failedTag = `F${i}`;
          expect(r.code).toBe('InternalError');
        }
      }
      expect(failedTag).not.toBe('');
      expect(sessionsWith(h, failedTag)).toBe(0);
      expect(acked.filter((t) => sessionsWith(h, t) !== 1)).toEqual([]);
      expect(
        lines.some((l) => l.level >= 50),
        JSON.stringify(lines),
      ).toBe(true);
      // The station is still connected and served: a heartbeat stores nothing and is answered.
      expect(await st.heartbeat()).toBeGreaterThan(0);
      // The disk can take it again: the station's retry is stored and answered.
      if (fault === 'full') {
        h.store.db.exec('DROP TABLE filler');
        h.store.db.pragma('max_page_count = 1073741823');
      } else h.store.db.pragma('query_only = OFF');
      const retried = await outcome(st.call('StartTransaction', startTx(failedTag)));
      expect(retried.ok).toBe(true);
      expect(sessionsWith(h, failedTag)).toBe(1);
    }, 30_000);
  }

  it('locked by another process: the writer thread cannot commit, no CALLRESULT, logged, resumes after', async () => {
    const { h, st, lines } = await connected('thread');
    const locker = new Sqlite(h.dbPath);
    // Waits for a commit the writer thread may be making right now (it failed with 'database is locked' on a
    // loaded machine with busy_timeout 0); then holds the lock so that the next commit cannot.
    locker.pragma('busy_timeout = 30000');
    locker.exec('BEGIN EXCLUSIVE');
    const failed = await outcome(st.call('StartTransaction', startTx('LOCK1')));
    locker.exec('ROLLBACK');
    locker.close();
    expect(failed.ok).toBe(false);
    expect(sessionsWith(h, 'LOCK1')).toBe(0);
    expect(
      lines.some((l) => l.level >= 50),
      JSON.stringify(lines),
    ).toBe(true);
    const retried = await outcome(st.call('StartTransaction', startTx('LOCK1')));
    expect(retried.ok).toBe(true);
    expect(sessionsWith(h, 'LOCK1')).toBe(1);
  }, 60_000);
});
