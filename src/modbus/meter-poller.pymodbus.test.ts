/** The poller against pymodbus: readings with time, timeouts → stale, recovery → fresh, reconnect after a restart. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { presetSource } from './meter-driver.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { PolledMeter } from './meter-poller.ts';
import { MeterPoller } from './meter-poller.ts';
import type { PyPoint, PyServer, PyServerSpec } from './testing/python-peers.ts';
import { requirePeers, startPyServer } from './testing/python-peers.ts';

const f32 = (address: number, value: number): PyPoint => ({ address, type: 'f32', value });
const sdm630 = (currentA: number): PyServerSpec['units'][string] => ({
  input: [
    ...Array.from({ length: 0x4c }, (_, i) => ({ address: i, words: [0] })),
    f32(0x00, 230),
    f32(0x02, 230),
    f32(0x04, 230),
    f32(0x06, currentA),
    f32(0x08, currentA),
    f32(0x0a, currentA),
    f32(0x34, 3 * 230 * currentA),
  ],
});

function meter(port: number, over: Partial<PolledMeter> = {}): PolledMeter {
  return {
    meterId: 'grid',
    endpoint: { host: '127.0.0.1', port, unitId: 1 },
    source: presetSource('sdm630', 'load'),
    pollIntervalMs: 50,
    requestTimeoutMs: 300,
    staleAfterMs: 1000,
    ...over,
  };
}

describe('meter poller against pymodbus', () => {
  const servers: PyServer[] = [];
  let poller: MeterPoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('emits timestamped readings, goes stale when the device hangs and fresh when it answers again', async () => {
    await requirePeers();
    const server = await startPyServer({ units: { '1': sdm630(16) } });
    servers.push(server);
    poller = new MeterPoller([meter(server.port)], { backoff: { initialMs: 50, maxMs: 200 } });
    const readings: MeterReading[] = [];
    const events: string[] = [];
    poller.on('reading', (r) => readings.push(r));
    poller.on('fresh', (id) => events.push(`fresh ${id}`));
    poller.on('stale', (id) => events.push(`stale ${id}`));
    expect(poller.isStale('grid')).toBe(true);
    const before = Date.now();
    poller.start();
    await vi.waitFor(() => expect(readings.length).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    expect(events).toEqual(['fresh grid']);
    expect(readings[0]!.currentA).toEqual([16, 16, 16]);
    expect(readings[0]!.atMs).toBeGreaterThanOrEqual(before);
    expect(readings[2]!.atMs).toBeGreaterThanOrEqual(readings[1]!.atMs);

    server.pause();
    await vi.waitFor(() => expect(events).toContain('stale grid'), { timeout: 10_000 });
    expect(poller.isStale('grid')).toBe(true);
    expect(poller.statuses()[0]!.lastError).toMatch(/no answer/);

    server.resume();
    await vi.waitFor(() => expect(events.filter((e) => e === 'fresh grid')).toHaveLength(2), {
      timeout: 10_000,
    });
    expect(poller.isStale('grid')).toBe(false);
  });

  it('reconnects with backoff after the device restarts', async () => {
    await requirePeers();
    const first = await startPyServer({ units: { '1': sdm630(10) } });
    servers.push(first);
    poller = new MeterPoller([meter(first.port)], { backoff: { initialMs: 50, maxMs: 400 } });
    const readings: MeterReading[] = [];
    const errors: string[] = [];
    poller.on('reading', (r) => readings.push(r));
    poller.on('deviceError', (_id, e) => errors.push(e.message));
    poller.start();
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(0), { timeout: 10_000 });
    await first.stop();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(1), { timeout: 10_000 });
    const second = await startPyServer({ port: first.port, units: { '1': sdm630(20) } });
    servers.push(second);
    await vi.waitFor(() => expect(readings.at(-1)!.currentA).toEqual([20, 20, 20]), { timeout: 10_000 });
  });

  it('rejects invalid values without counting them as a sign of life', async () => {
    await requirePeers();
    const nan = { words: [0x7fc0, 0] };
    const server = await startPyServer({
      units: { '1': { input: Array.from({ length: 0x26 }, (_, i) => ({ address: i * 2, ...nan })) } },
    });
    servers.push(server);
    poller = new MeterPoller([meter(server.port, { staleAfterMs: 300 })], {
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const readings: MeterReading[] = [];
    poller.on('reading', (r) => readings.push(r));
    poller.start();
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(2), { timeout: 10_000 });
    expect(readings[0]!.currentA).toEqual([null, null, null]);
    expect(readings[0]!.rejected.length).toBeGreaterThan(0);
    expect(poller.isStale('grid')).toBe(true);
  });
});
