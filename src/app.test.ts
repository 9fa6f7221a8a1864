import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RunningDemo } from './testing/demo-fusebox.ts';
import { startDemoFusebox } from './testing/demo-fusebox.ts';
import { demoLoginCookie } from './testing/test-fusebox.ts';

describe('Fusebox on the demo site, end to end over real sockets', () => {
  let running: RunningDemo | undefined;

  afterAll(async () => {
    await running?.stop();
  });

  it('starts, connects every simulated station, reads the meters and keeps the grid under its limit', async () => {
    running = await startDemoFusebox({});
    const { loaded, worldStartedMs: started } = running;
    const f = running.fusebox;

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
    const cookie = await demoLoginCookie(f);
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
