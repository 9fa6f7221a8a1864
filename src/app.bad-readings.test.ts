/**
 * The demo probe that found it: a station sends Current.Import 1e308 A and Power.Active.Import -99,999,999 W.
 * It is answered, and /metrics, the API's circuit loads and the allocation stay finite and within the
 * limits (docs/ocpp.md "Implausible readings and station clocks"). Whole Fusebox, real sockets and store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestFusebox } from './testing/test-fusebox.ts';
import { newSecret, secretHash } from './api/auth/secrets.ts';
import type { Fusebox } from './app.ts';
import type { OcppVersion } from './contracts/station-gateway.ts';
import { SimulatedStation } from './sim/devices/ocpp-station.ts';

const SITE = `
site: { name: bad readings, timeZone: Europe/Amsterdam }
ocpp: { host: 127.0.0.1, acceptUnknownIdTags: true }
http: { host: 127.0.0.1 }
circuits:
  - { id: main, kind: grid, limitA: 40 }
stations:
  - { id: st-16, circuit: main, ocppVersion: '1.6' }
  - { id: st-2, circuit: main, ocppVersion: '2.0.1' }
`;

const dir = mkdtempSync(join(tmpdir(), 'fusebox-bad-readings-'));
let fusebox: Fusebox | undefined;
const sims: SimulatedStation[] = [];
afterAll(async () => {
  await Promise.allSettled(sims.map((s) => s.close()));
  await fusebox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The probe's sampled values, as the version spells them. */
function badValues(version: OcppVersion): unknown {
  const sv = (measurand: string, value: number, unit: string, phase?: string) =>
    version === '1.6'
      ? { value: String(value), measurand, unit, ...(phase ? { phase } : {}) }
      : { value, measurand, unitOfMeasure: { unit }, ...(phase ? { phase } : {}) };
  return {
    timestamp: new Date().toISOString(),
    sampledValue: [
      sv('Current.Import', 1e308, 'A', 'L1'),
      sv('Current.Import', 1e308, 'A', 'L2'),
      sv('Current.Import', 1e308, 'A', 'L3'),
      sv('Power.Active.Import', -99_999_999, 'W'),
    ],
  };
}

describe('a station sending absurd meter values to a running Fusebox', () => {
  it('is answered; metrics, API circuit loads and the allocation stay finite and within the limit', async () => {
    fusebox = await startTestFusebox(SITE, dir, {
      control: { coalesceMs: 20 },
    });
    const f = fusebox;
    const url = `ws://127.0.0.1:${f.endpoints.ocppPort}/ocpp`;
    const token = newSecret('fbx_');
    await f.store.api.tokens.add('test', 'viewer', secretHash(token), 'test');
    const headers = { authorization: `Bearer ${token}` };

    const stations = (['st-16', 'st-2'] as const).map(
      (id, i) => new SimulatedStation({ url, stationId: id, version: i === 0 ? '1.6' : '2.0.1', ports: 1 }),
    );
    sims.push(...stations);
    const txs: string[] = [];
    for (const st of stations) {
      await st.connect();
      await st.plugIn(1);
      txs.push((await st.start(1, 'T')).transactionId);
    }
    await vi.waitFor(() => expect(f.ocpp.ports().every((p) => p.sessionId !== undefined)).toBe(true), {
      timeout: 10_000,
    });

    // The probe, on both versions, answered normally.
    for (const [i, st] of stations.entries()) {
      const answer =
        st.version === '1.6'
          ? await st.call('MeterValues', {
              connectorId: 1,
              transactionId: Number(txs[i]),
              meterValue: [badValues('1.6')],
            })
          : await st.call('TransactionEvent', {
              eventType: 'Updated',
              timestamp: new Date().toISOString(),
              triggerReason: 'MeterValuePeriodic',
              seqNo: 100,
              transactionInfo: { transactionId: txs[i], chargingState: 'Charging' },
              meterValue: [badValues('2.0.1')],
            });
      expect(answer).toBeDefined();
    }
    // A control run after both probes (one they requested, else the periodic one, every 10 s).
    const probedAtMs = Date.now();
    await vi.waitFor(() => expect(f.control.snapshot()!.atMs).toBeGreaterThan(probedAtMs), {
      timeout: 30_000,
      interval: 100,
    });

    // The allocation: finite, within the 40 A circuit.
    const snap = f.control.snapshot()!;
    const allocated = snap.allocation.map((a) => a.currentA);
    expect(allocated.length).toBe(2);
    for (const a of allocated) expect(Number.isFinite(a)).toBe(true);
    expect(allocated.reduce((s, a) => s + a, 0)).toBeLessThanOrEqual(40);

    // /metrics: every sample value finite.
    const metrics = await f.http.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    const values = metrics.body
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(l.lastIndexOf(' ') + 1));
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect([v, Number.isFinite(Number(v))]).toEqual([v, true]);
    const load = metrics.body.split('\n').filter((l) => l.startsWith('fusebox_circuit_load_amperes'));
    expect(load.length).toBeGreaterThan(0);

    // The API's circuit loads: numbers, not null, within what the ports may draw.
    const circuits = await f.http.inject({ url: '/api/v1/circuits', headers });
    expect(circuits.statusCode).toBe(200);
    const body = circuits.json<{ circuits: { id: string; loadA: (number | null)[] }[] }>();
    const main = body.circuits.find((c) => c.id === 'main')!;
    for (const a of main.loadA) {
      expect(a).not.toBeNull();
      expect(Math.abs(a!)).toBeLessThanOrEqual(2 * 32);
    }
    // The stations are still served.
    for (const st of stations) expect(await st.heartbeat()).toBeGreaterThan(0);
  }, 60_000);
});
