/**
 * One clock everywhere: the clock given to startFusebox is the one the store and the OCPP server read (src/clock.ts, docs/architecture.md). Whole Fusebox, real sockets and store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackSite, startTestFusebox } from './testing/test-fusebox.ts';
import { systemClock } from './clock.ts';
import { SimulatedStation } from './sim/devices/ocpp-station.ts';

const SITE = `${loopbackSite('{ name: one clock, timeZone: Europe/Amsterdam }')}circuits:
  - { id: main, kind: grid, limitA: 63 }
stations:
  - { id: st-1, circuit: main }
`;

/** Far from the wall clock, so a timestamp taken from Date.now cannot pass for it. */
const T0 = Date.UTC(2031, 4, 6, 7, 8, 9);

const dir = mkdtempSync(join(tmpdir(), 'fusebox-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the clock given to startFusebox', () => {
  it('is the time the store and the OCPP server use', async () => {
    // Timers stay real (the sockets are); only the time read is moved.
    const fusebox = await startTestFusebox(SITE, dir, {
      clock: { ...systemClock, nowMs: () => T0 },
    });
    const station = new SimulatedStation({
      url: `ws://127.0.0.1:${fusebox.endpoints.ocppPort}/ocpp`,
      stationId: 'st-1',
      version: '1.6',
    });
    station.on('error', () => undefined);
    try {
      // Timestamps the store sets itself (accounts, overrides).
      await fusebox.store.api.accounts.add('alice', 'not-a-real-hash', 'operator');
      await fusebox.store.api.overrides.add(
        { circuitId: 'main', limitA: 20, limitKw: null, untilMs: T0 + 3_600_000, reason: null },
        'alice',
      );
      const account = fusebox.store.db
        .prepare('SELECT created_ms AS createdMs FROM accounts WHERE username = ?')
        .get('alice') as { createdMs: number };
      expect(account.createdMs).toBe(T0);
      const override = fusebox.store.db.prepare('SELECT created_ms AS createdMs FROM overrides').get() as {
        createdMs: number;
      };
      expect(override.createdMs).toBe(T0);
      // The OCPP server's time (the station's connection is stored at it).
      await station.connect();
      const row = await new Promise<{ lastSeenMs: number } | undefined>((resolve, reject) => {
        const deadline = Date.now() + 20_000;
        const poll = (): void => {
          const r = fusebox.store.db
            .prepare('SELECT last_seen_ms AS lastSeenMs FROM stations WHERE station_id = ?')
            .get('st-1') as { lastSeenMs: number } | undefined;
          if (r?.lastSeenMs !== undefined && r.lastSeenMs !== null) resolve(r);
          else if (Date.now() > deadline) reject(new Error('station st-1 never stored'));
          else setTimeout(poll, 20);
        };
        poll();
      });
      expect(row?.lastSeenMs).toBe(T0);
    } finally {
      await station.close().catch(() => undefined);
      await fusebox.stop();
    }
  }, 60_000);
});
