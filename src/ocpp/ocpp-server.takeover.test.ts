/**
 * A station id that is already connected cannot be taken over by a second connection while the first answers
 * pings; once the first goes silent (half-open TCP: the station rebooted) a new one replaces it within seconds.
 * Real WebSockets; the silent connection goes through a TCP proxy that stops forwarding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { TcpProxy } from './testing/tcp-proxy.ts';
import { startTcpProxy } from './testing/tcp-proxy.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { eventually, startHarness } from './testing/ocpp-harness.ts';

let h: Harness | undefined;
let proxy: TcpProxy | undefined;
const sims: SimulatedStation[] = [];
afterEach(async () => {
  await Promise.allSettled(sims.splice(0).map((s) => s.close()));
  await proxy?.close();
  proxy = undefined;
  await h?.dispose();
  h = undefined;
});

function sim(url: string): SimulatedStation {
  const st = new SimulatedStation({ url, stationId: 'CP1', version: '1.6', ports: 2 });
  sims.push(st);
  return st;
}

const events = (kind: string): string[] =>
  (
    h!.store.db.prepare('SELECT message FROM events WHERE kind = ? ORDER BY id').all(kind) as {
      message: string;
    }[]
  ).map((e) => e.message);

describe('a second connection for a connected station id', () => {
  it('is refused while the first answers pings, and the first keeps working', async () => {
    h = await startHarness({ stations: [{ id: 'CP1', ports: 2 }] });
    const first = sim(h.url);
    expect((await first.connect()).status).toBe('Accepted');
    const intruder = sim(h.url);
    await expect(intruder.connect()).rejects.toMatchObject({ code: 409 });
    expect(first.connected).toBe(true);
    expect(h.server.connectedStationIds()).toEqual(['CP1']);
    // The first connection is still the station's: it is answered.
    expect(await first.heartbeat()).toBeGreaterThan(0);
    await eventually(() => events('station-refused').length >= 1, 'refusal recorded');
    expect(events('station-refused').join('\n')).toMatch(/already connected/);
  });

  it('replaces the first once it no longer answers pings (a rebooted station behind a half-open TCP)', async () => {
    h = await startHarness({ stations: [{ id: 'CP1', ports: 2 }] });
    proxy = await startTcpProxy('127.0.0.1', h.server.listenPort);
    const old = sim(h.url.replace(`:${h.server.listenPort}/`, `:${proxy.port}/`));
    expect((await old.connect()).status).toBe('Accepted');
    proxy.silence();
    const rebooted = sim(h.url);
    const startedMs = Date.now();
    expect((await rebooted.connect()).status).toBe('Accepted');
    // Generous bound: the probe waits 2 s for a pong; the station must not wait for the 30 s keep-alive.
    expect(Date.now() - startedMs).toBeLessThan(15_000);
    expect(await rebooted.heartbeat()).toBeGreaterThan(0);
    await eventually(() => events('station-replaced').length >= 1, 'replacement recorded');
    expect(events('station-replaced')[0]).toMatch(/did not answer a ping/);
  });
});
