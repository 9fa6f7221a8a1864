/**
 * kill -9 of Fusebox's OCPP side at seeded points (docs/operations.md, "Fault injection"), restarted on the
 * same database each time: every message a station got a CALLRESULT for (a session started, a meter value,
 * a session stopped) is in SQLite after the restart. Real WebSockets, a real SQLite file, a real child
 * process. `FAULT_SEED=n` reruns one seed, `FAULT_SEEDS=n` runs 1..n.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { faultSeeds, killPoints } from '../sim/world/fault-schedule.ts';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { openStore } from '../store/store.ts';
import { spawnUrlChild } from '../testing/url-child.ts';

const SCRIPT = fileURLToPath(new URL('./testing/crash-server.ts', import.meta.url));
// Kills per seed before the final restart: one in the short run of `npm test` (each start of the child
// costs seconds on a loaded machine), two when seeds are asked for.
const ROUNDS = process.env.FAULT_SEEDS || process.env.FAULT_SEED ? 2 : 1;

let dir = '';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the server process on `dbPath`; resolves with its URL. */
async function startServer(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  const { child, url } = spawnUrlChild(SCRIPT, [dbPath], 'server');
  children.push(child);
  return { child, url: await url };
}

type Acked =
  | { kind: 'start'; tag: string; txId: number }
  | { kind: 'meter'; txId: number; atMs: number }
  | { kind: 'stop'; txId: number };

/** A station that starts, meters and stops sessions as fast as it is answered, noting every answer. */
async function drive(
  st: SimulatedStation,
  connectorId: number,
  prefix: string,
  acked: Acked[],
): Promise<void> {
  for (let i = 0; ; i++) {
    const tag = `${prefix}-${i}`;
    const startedMs = Date.now();
    const res = await st.call<{ transactionId: number }>('StartTransaction', {
      connectorId,
      idTag: tag,
      meterStart: 0,
      timestamp: new Date(startedMs).toISOString(),
    });
    acked.push({ kind: 'start', tag, txId: res.transactionId });
    for (let k = 1; k <= 2; k++) {
      const atMs = Math.max(Date.now(), startedMs + k);
      await st.call('MeterValues', {
        connectorId,
        transactionId: res.transactionId,
        meterValue: [
          {
            timestamp: new Date(atMs).toISOString(),
            sampledValue: [
              { value: String(100 * k), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            ],
          },
        ],
      });
      acked.push({ kind: 'meter', txId: res.transactionId, atMs });
    }
    await st.call('StopTransaction', {
      transactionId: res.transactionId,
      meterStop: 300,
      timestamp: new Date(Math.max(Date.now(), startedMs + 3)).toISOString(),
      reason: 'Local',
    });
    acked.push({ kind: 'stop', txId: res.transactionId });
  }
}

/** The acknowledged records that are not in the database. */
function lost(dbPath: string, acked: readonly Acked[]): Acked[] {
  const store = openStore(dbPath, { writer: 'inline' });
  try {
    const session = store.db.prepare(
      'SELECT session_id, id_tag, stopped_ms FROM sessions WHERE session_id = ?',
    );
    const meter = store.db.prepare(
      'SELECT COUNT(*) AS n FROM meter_values WHERE session_id = ? AND at_ms = ?',
    );
    return acked.filter((a) => {
      const row = session.get(a.txId) as { id_tag: string; stopped_ms: number | null } | undefined;
      if (a.kind === 'start') return row?.id_tag !== a.tag;
      if (a.kind === 'stop') return row?.stopped_ms == null;
      return (meter.get(a.txId, a.atMs) as { n: number }).n < 1;
    });
  } finally {
    void store.close();
  }
}

describe('kill -9 of the OCPP server at seeded points, restarted on the same database', () => {
  for (const seed of faultSeeds([1])) {
    it(`seed ${seed}: every acknowledged session start, meter value and stop survives`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'fusebox-ocpp-crash-'));
      const dbPath = join(dir, 'fusebox.db');
      const acked: Acked[] = [];
      const points = killPoints(seed, ROUNDS);
      for (const [round, point] of points.entries()) {
        const { child, url } = await startServer(dbPath);
        const stations = ['CP1', 'CP2'].map(
          (id) =>
            new SimulatedStation({ url, stationId: id, version: '1.6', ports: 2, callTimeoutMs: 10_000 }),
        );
        for (const st of stations) await st.connect();
        const target = acked.length + point.afterAcks;
        const drivers = stations.flatMap((st) =>
          [1, 2].map((c) =>
            drive(st, c, `${seed}-${round}-${st.stationId}-${c}`, acked).catch(() => undefined),
          ),
        );
        const deadline = Date.now() + 30_000;
        while (acked.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        await new Promise((r) => setTimeout(r, point.extraMs));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        await Promise.all(drivers);
        for (const st of stations) await st.close().catch(() => undefined);
        expect(acked.length, `FAULT_SEED=${seed}: too few answers before the kill`).toBeGreaterThanOrEqual(
          target,
        );
      }
      const missing = lost(dbPath, acked);
      expect(missing, `rerun: FAULT_SEED=${seed} npx vitest run src/ocpp/ocpp.crash.test.ts`).toEqual([]);
      // A last start on the same database: it opens and serves again.
      const { child, url } = await startServer(dbPath);
      const st = new SimulatedStation({ url, stationId: 'CP1', version: '1.6', ports: 2 });
      await st.connect();
      expect(await st.heartbeat()).toBeGreaterThan(0);
      await st.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      console.log(
        `[faults] kill -9 seed ${seed}: ${acked.length} acknowledged records checked, ${missing.length} lost`,
      );
    }, 120_000);
  }
});
