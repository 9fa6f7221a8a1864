/**
 * The demo's simulated stations come back by themselves after losing Fusebox (here: it restarts on the same
 * port), as real stations do; before, every one of them stayed offline. Real sockets, real SQLite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fusebox } from '../../app.ts';
import { DEMO_CONFIG_PATH, startFusebox } from '../../app.ts';
import type { LoadedSiteConfig } from '../../config/load.ts';
import { loadSiteConfigText } from '../../config/load.ts';
import { eventually } from '../../ocpp/testing/ocpp-harness.ts';
import type { DemoSite } from './demo-site.ts';
import { startDemoSite } from './demo-site.ts';
import { freePort } from '../../testing/free-port.ts';

describe('the demo site when Fusebox restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-demo-reconnect-'));
  const fuseboxes: Fusebox[] = [];
  let demo: DemoSite | undefined;

  afterAll(async () => {
    await demo?.stop();
    for (const f of fuseboxes) await f.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has every simulated station connected again without being told to', async () => {
    const meterPort = await freePort();
    const text = readFileSync(DEMO_CONFIG_PATH, 'utf8').replaceAll('port: 1502', `port: ${meterPort}`);
    const loaded = loadSiteConfigText(text, 'demo.yaml') as LoadedSiteConfig;
    expect(loaded.ok).toBe(true);
    const logger = pino({ level: 'silent' });
    const start = (ocpp: number): Promise<Fusebox> =>
      startFusebox({
        loaded,
        configDir: dir,
        logger,
        ports: { ocpp, http: 0, ems: 0 },
        storePath: join(dir, 'fusebox.db'),
        demo: true,
      });
    const first = await start(0);
    fuseboxes.push(first);
    const ocppPort = first.endpoints.ocppPort;
    demo = await startDemoSite({
      site: loaded.compiled,
      versions: new Map(loaded.config.stations.map((s) => [s.id, s.ocppVersion])),
      ocppUrl: `ws://127.0.0.1:${ocppPort}/ocpp`,
      meterPort,
      logger,
      seed: 7,
    });
    const stationCount = demo.stations.length;
    expect(stationCount).toBe(12);
    await eventually(() => first.ocpp.connectedStationIds().length === stationCount, 'all connected', 30_000);

    await first.stop();
    await eventually(() => demo!.stations.every((s) => !s.connected), 'all offline', 30_000);
    const second = await start(ocppPort);
    fuseboxes.push(second);
    await eventually(
      () =>
        second.ocpp.connectedStationIds().length === stationCount && demo!.stations.every((s) => s.connected),
      'all back',
      60_000,
    );
  }, 120_000);
});
