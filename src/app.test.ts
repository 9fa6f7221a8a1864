import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Fusebox } from './app.ts';
import { DEMO_CONFIG_PATH, startFusebox } from './app.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import { loadSiteConfigText } from './config/load.ts';
import type { DemoSite } from './sim/demo/demo-site.ts';
import { startDemoMeters, startDemoSite } from './sim/demo/demo-site.ts';
import type { SimulatedMeters } from './sim/devices/modbus-meter-server.ts';

describe('Fusebox on the demo site, end to end over real sockets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-app-'));
  let fusebox: Fusebox | undefined;
  let demo: DemoSite | undefined;
  let meters: SimulatedMeters | undefined;

  afterAll(async () => {
    // The demo site closes the meters it drives; before it started, they are closed here.
    await (demo ? demo.stop() : meters?.close());
    await fusebox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, connects every simulated station, reads the meters and keeps the grid under its limit', async () => {
    const logger = pino({ level: 'silent' });
    // The meters listen first, on a free port (never a port picked, released and bound later: another
    // test or a second copy of the suite could take it in between); the demo site then drives them.
    meters = await startDemoMeters(0, logger);
    const meterPort = meters.port;
    const text = readFileSync(DEMO_CONFIG_PATH, 'utf8').replaceAll('port: 1502', `port: ${meterPort}`);
    const r = loadSiteConfigText(text, 'demo.yaml');
    expect(r.ok).toBe(true);
    const loaded = r as LoadedSiteConfig;
    fusebox = await startFusebox({
      loaded,
      configDir: dir,
      logger,
      ports: { ocpp: 0, http: 0, ems: 0 },
      storePath: join(dir, 'fusebox.db'),
      demo: true,
    });
    const started = Date.now();
    demo = await startDemoSite({
      site: loaded.compiled,
      versions: new Map(loaded.config.stations.map((s) => [s.id, s.ocppVersion])),
      ocppUrl: `ws://127.0.0.1:${fusebox.endpoints.ocppPort}/ocpp`,
      meterPort,
      meters,
      logger,
      seed: 7,
      meterValuesMs: 1000,
    });
    const f = fusebox;

    // Within 15 s: healthy, every station connected, the grid meter fresh, cars charging.
    await vi.waitFor(
      async () => {
        expect((await f.http.inject({ url: '/healthz' })).statusCode).toBe(200);
        const ports = f.ocpp.ports();
        expect(ports.every((p) => p.connected)).toBe(true);
        const snap = f.control.snapshot()!;
        expect(snap.meters.get('grid-meter')?.stale).toBe(false);
        const charging = snap.allocation.filter((a) => a.currentA > 0);
        expect(charging.length).toBeGreaterThanOrEqual(8);
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(Date.now() - started).toBeLessThan(15_000);

    // The demo runs in deadline mode: cars on its 2.0.1 stations said when they leave (NotifyEVChargingNeeds).
    await vi.waitFor(
      () => {
        const told = f.control.snapshot()!.demands.filter((d) => d.departureMs !== undefined);
        expect(told.length).toBeGreaterThan(0);
        for (const d of told) expect(d.departureMs).toBeGreaterThan(started);
      },
      { timeout: 10_000, interval: 250 },
    );

    // Over the next seconds the metered grid current stays within the 250 A connection limit.
    const limitA = loaded.site.circuits.find((c) => c.id === 'grid')!.limitA;
    let samples = 0;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const reading = f.control.snapshot()!.meters.get('grid-meter')!.reading!;
      for (const a of reading.currentA) expect(a ?? 0).toBeLessThanOrEqual(limitA);
      samples++;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(samples).toBeGreaterThan(10);

    // The API explains every port with a session (after logging in as the demo operator).
    const login = await f.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'demo', password: 'demo' },
    });
    expect(login.statusCode).toBe(200);
    const cookie = `fusebox_session=${login.cookies.find((c) => c.name === 'fusebox_session')!.value}`;
    const state = (await f.http.inject({ url: '/api/v1/ports', headers: { cookie } })).json<{
      ports: { session: unknown; reason: string; limitA: number }[];
    }>();
    const withSession = state.ports.filter((p) => p.session !== null);
    expect(withSession.length).toBeGreaterThan(0);
    for (const p of withSession) expect(p.reason).toEqual(expect.any(String));

    // The simulated stations' readings and clocks are plausible: none was rejected (docs/ocpp.md).
    const rejected = f.store.db
      .prepare("SELECT kind, message FROM events WHERE kind IN ('implausible-meter-value', 'station-clock')")
      .all();
    expect(rejected).toEqual([]);
  }, 40_000);
});
