/** The poller's timing on a manual clock: poll rate, stale exactly after the timeout, backoff, recovery. */
import { describe, expect, it } from 'vitest';
import { encodeMap } from '../sim/devices/modbus-meter-encoder.ts';
import { fromPhases } from '../sim/devices/modbus-meter-values.ts';
import { presetSource } from './meter-driver.ts';
import type { DeviceConnection } from './meter-poller.ts';
import { MeterPoller } from './meter-poller.ts';
import { ModbusDeviceError } from './modbus-client.ts';
import type { RegisterFunction } from './register-types.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';

const source = presetSource('sdm630', 'load');
/** The one meter both tests poll: every 250 ms, 100 ms per request, stale after 1 s of silence. */
const METER = {
  meterId: 'm',
  endpoint: { host: 'x', port: 1, unitId: 1 },
  source,
  pollIntervalMs: 250,
  requestTimeoutMs: 100,
  staleAfterMs: 1000,
};
const tables = encodeMap(source.kind === 'map' ? source.map : (undefined as never), {
  ...fromPhases([10, 10, 10]),
  energyImportKwh: 1,
  energyExportKwh: 0,
});

class FakeDevice implements DeviceConnection {
  mode: 'ok' | 'down' = 'ok';
  connects: number[] = [];
  reads = 0;
  constructor(private readonly clock: VirtualClock) {}
  connect(): Promise<void> {
    this.connects.push(this.clock.nowMs());
    return this.mode === 'ok'
      ? Promise.resolve()
      : Promise.reject(new ModbusDeviceError('connect', 'fake', 'refused'));
  }
  read(fn: RegisterFunction, address: number, count: number): Promise<number[]> {
    this.reads++;
    if (this.mode === 'down') return Promise.reject(new ModbusDeviceError('timeout', 'fake', 'no answer'));
    return Promise.resolve(Array.from({ length: count }, (_, i) => tables[fn].get(address + i) ?? 0));
  }
  close(): void {}
}

describe('meter poller timing', () => {
  it('polls at its rate, goes stale exactly at the timeout, backs off, and recovers', async () => {
    const clock = new VirtualClock(1_000_000);
    const device = new FakeDevice(clock);
    const events: string[] = [];
    const poller = new MeterPoller([METER], {
      clock,
      connect: () => device,
      backoff: { initialMs: 100, maxMs: 800 },
    });
    poller.on('fresh', () => events.push(`fresh@${clock.nowMs() - 1_000_000}`));
    poller.on('stale', () => events.push(`stale@${clock.nowMs() - 1_000_000}`));
    const at: number[] = [];
    poller.on('reading', (r) => at.push(r.atMs - 1_000_000));
    poller.start();
    await clock.advanceBy(1000);
    expect(at).toEqual([0, 250, 500, 750, 1000]);
    expect(events).toEqual(['fresh@0']);

    device.mode = 'down';
    await clock.advanceBy(999);
    expect(events).toEqual(['fresh@0']);
    await clock.advanceBy(1);
    expect(events).toEqual(['fresh@0', 'stale@2000']);
    // The poll at 1250 fails; reconnects follow after 100, 200, 400, 800 and (capped) 800 ms.
    await clock.advanceBy(2000);
    expect(device.connects.map((t) => t - 1_000_000)).toEqual([0, 1350, 1550, 1950, 2750, 3550]);

    device.mode = 'ok';
    await clock.advanceBy(1000);
    expect(events.at(-1)).toMatch(/^fresh@/);
    expect(poller.isStale('m')).toBe(false);
    await poller.stop();
  });

  it('keeps polling on the same connection when a listener throws', async () => {
    const clock = new VirtualClock(0);
    const device = new FakeDevice(clock);
    const poller = new MeterPoller([METER], { clock, connect: () => device });
    poller.on('reading', () => {
      throw new Error('listener bug');
    });
    poller.start();
    await clock.advanceBy(1000);
    expect(device.connects).toEqual([0]);
    expect(poller.statuses()[0]).toMatchObject({ reads: 5, errors: 0, stale: false });
    await poller.stop();
  });
});
