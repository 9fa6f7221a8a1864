/**
 * A reload (SIGHUP) with a changed `upstream` section applies it (docs/proxy.md): an added station gets its
 * cloud link, a changed url reconnects the link and replays what was queued to the new one, a station taken
 * out has its link closed and is answered by Fusebox. Fusebox's own composition, real WebSockets, two clouds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { reload } from '../cli/start.ts';
import { startForReload } from '../testing/reload-fixture.ts';
import { stationOn } from '../testing/test-fusebox.ts';
import { TestCloud } from './testing/test-cloud.ts';

let dir = '';
const clouds: TestCloud[] = [];
const stations: SimulatedStation[] = [];
afterEach(async () => {
  await Promise.allSettled(stations.splice(0).map((s) => s.close()));
  await Promise.allSettled(clouds.splice(0).map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

const site = (url: string, upstreamStations: string): string => `
site: { name: reload, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1, port: 0 }
http: { host: 127.0.0.1, port: 0 }
circuits: [{ id: main, limitA: 32 }]
stations: [{ id: cp1, circuit: main }, { id: cp2, circuit: main }]
upstream:
  url: ${url}/{stationId}
  reconnect: { initialDelayMs: 100, maxDelayMs: 400 }
  stations: ${upstreamStations}
`;

describe('reloading a site file whose upstream section changed', () => {
  it('adds, moves and removes cloud links without a restart, and replays the queue to the new link', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-reload-'));
    const a = await TestCloud.start();
    const b = await TestCloud.start();
    clouds.push(a, b);
    const fx = await startForReload(dir, site(a.url, '[{ id: cp2, enabled: false }]'), { readFiles: true });
    const { path, fusebox: f, logger, warnings } = fx;
    try {
      const [cp1, cp2] = ['cp1', 'cp2'].map((id) => {
        const st = stationOn(f, id);
        stations.push(st);
        return st;
      });
      await cp1!.connect();
      await cp2!.connect();
      await eventually(() => a.clients.has('cp1'), 'cp1 relayed to cloud a', 20_000);
      expect(a.clients.has('cp2')).toBe(false);

      // An unchanged file changes nothing and says nothing about a restart.
      let running = reload(path, fx.loaded, f, logger);
      expect(warnings().filter((m) => /restart/.test(m))).toEqual([]);

      // Cloud a goes away: cp1's transaction is answered by Fusebox and queued.
      await a.goDown();
      const outage = (): number =>
        (
          f.store.db
            .prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'upstream-outage' AND station_id = 'cp1'")
            .get() as { n: number }
        ).n;
      await eventually(() => outage() > 0, 'the outage seen', 20_000);
      const { accepted } = await cp1!.start(1, 'TAG-MOVED');
      expect(accepted).toBe(true);

      // Every station to cloud b, cp2 relayed too.
      writeFileSync(path, site(b.url, '[]'));
      running = reload(path, running, f, logger);
      expect(running.config.upstream?.url).toBe(`${b.url}/{stationId}`);
      await eventually(() => b.clients.has('cp1') && b.clients.has('cp2'), 'cp1 and cp2 on cloud b', 20_000);
      await eventually(
        () => b.of('cp1', ['StartTransaction']).length === 1,
        'the queued StartTransaction replayed to cloud b',
        20_000,
      );
      expect(b.of('cp1', ['StartTransaction'])[0]!.payload).toMatchObject({ idTag: 'TAG-MOVED' });
      await cp2!.call('Heartbeat', {});
      expect(b.of('cp2', ['Heartbeat']).length).toBeGreaterThanOrEqual(1);

      // cp1 taken out: its link closes, the station stays connected and Fusebox answers it.
      writeFileSync(path, site(b.url, '[{ id: cp1, enabled: false }]'));
      running = reload(path, running, f, logger);
      await eventually(() => !b.clients.has('cp1'), 'cp1 no longer on cloud b', 20_000);
      const before = b.of('cp1').length;
      expect(await cp1!.call('Heartbeat', {})).toHaveProperty('currentTime');
      expect(b.of('cp1').length).toBe(before);
      expect(b.clients.has('cp2')).toBe(true);
      expect(a.connects.get('cp2') ?? 0).toBe(0);
      expect(warnings().filter((m) => /restart/.test(m))).toEqual([]);
    } finally {
      await f.stop();
    }
  }, 120_000);

  it('an upstream section added to a site that had none starts relaying without a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusebox-upstream-added-'));
    const a = await TestCloud.start();
    clouds.push(a);
    const withUpstream = site(a.url, '[]');
    const without = withUpstream.slice(0, withUpstream.indexOf('upstream:'));
    const fx = await startForReload(dir, without, { readFiles: true });
    const { path, fusebox: f, logger, warnings } = fx;
    try {
      const st = stationOn(f, 'cp1');
      stations.push(st);
      await st.connect();
      expect(await st.call('Heartbeat', {})).toHaveProperty('currentTime');
      expect(a.clients.has('cp1')).toBe(false);

      writeFileSync(path, withUpstream);
      let running = reload(path, fx.loaded, f, logger);
      await eventually(() => a.clients.has('cp1'), 'cp1 relayed to the cloud after the reload', 20_000);
      await st.call('Heartbeat', {});
      expect(a.of('cp1', ['Heartbeat']).length).toBeGreaterThanOrEqual(1);
      expect(warnings().filter((m) => /restart/.test(m))).toEqual([]);

      // Taken out again: the link closes, Fusebox answers the station.
      writeFileSync(path, without);
      running = reload(path, running, f, logger);
      expect(running.config.upstream).toBeUndefined();
      await eventually(() => !a.clients.has('cp1'), 'cp1 no longer relayed', 20_000);
      const before = a.of('cp1').length;
      expect(await st.call('Heartbeat', {})).toHaveProperty('currentTime');
      expect(a.of('cp1').length).toBe(before);
    } finally {
      await f.stop();
    }
  }, 120_000);
});
