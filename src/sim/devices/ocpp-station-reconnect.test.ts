/**
 * A simulated station with `reconnect` comes back by itself, with backoff, after losing its connection (here:
 * Fusebox restarts on the same port), and carries on without booting again. Real WebSockets, real SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../../ocpp/testing/ocpp-harness.ts';
import { eventually, startHarness } from '../../ocpp/testing/ocpp-harness.ts';
import { SimulatedStation } from './ocpp-station.ts';

const harnesses: Harness[] = [];
const sims: SimulatedStation[] = [];
let dir: string | undefined;
afterEach(async () => {
  await Promise.allSettled(sims.splice(0).map((s) => s.close()));
  await Promise.allSettled(harnesses.splice(0).map((h) => h.dispose()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Station CP1 (OCPP 1.6) at `url` with `reconnect`, closed after the test. */
function reconnecting(
  url: string,
  reconnect: { initialDelayMs: number; maxDelayMs: number },
): SimulatedStation {
  const st = new SimulatedStation({ url, stationId: 'CP1', version: '1.6', reconnect });
  sims.push(st);
  return st;
}

describe('a simulated station that reconnects', () => {
  it('retries with growing delays while Fusebox is away and is back without booting when it returns', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-sim-reconnect-'));
    const dbPath = join(dir, 'fusebox.db');
    const first = await startHarness({ stations: [{ id: 'CP1', ports: 1 }], dbPath });
    harnesses.push(first);
    const port = first.server.listenPort;
    const st = reconnecting(first.url, { initialDelayMs: 100, maxDelayMs: 800 });
    const delays: number[] = [];
    st.on('reconnect-scheduled', (e: { delayMs: number }) => delays.push(e.delayMs));
    expect((await st.connect()).status).toBe('Accepted');

    await first.stop();
    await eventually(() => !st.connected, 'the station noticed');
    // Fusebox is down: every attempt fails, and the delays grow up to the maximum.
    await eventually(() => delays.length >= 5, 'five attempts scheduled', 20_000);
    expect(delays.every((d) => d > 0 && d <= 800)).toBe(true);
    expect(Math.max(...delays.slice(3))).toBeGreaterThan(Math.max(...delays.slice(0, 1)));

    const second = await startHarness({
      stations: [{ id: 'CP1', ports: 1 }],
      dbPath,
      settings: { port },
    });
    harnesses.push(second);
    await eventually(
      () => st.connected && second.server.connectedStationIds().includes('CP1'),
      'back',
      20_000,
    );
    // Accepted at its earlier boot: it may send at once, without a new BootNotification.
    expect(await st.heartbeat()).toBeGreaterThan(0);
  });

  it('stays closed after close()', async () => {
    const h = await startHarness({ stations: [{ id: 'CP1', ports: 1 }] });
    harnesses.push(h);
    const st = reconnecting(h.url, { initialDelayMs: 50, maxDelayMs: 100 });
    let scheduled = 0;
    st.on('reconnect-scheduled', () => scheduled++);
    await st.connect();
    await st.close();
    await eventually(() => h.server.connectedStationIds().length === 0, 'disconnected');
    // Long enough for several attempts had it been retrying; it must still be closed.
    await new Promise((r) => setTimeout(r, 500));
    expect(scheduled).toBe(0);
    expect(h.server.connectedStationIds()).toEqual([]);
  });
});
