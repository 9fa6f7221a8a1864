/** The simulated meters: runtime values, unit ids, silence, raw overrides, and the demo's profile drivers. */
import { afterEach, describe, expect, it } from 'vitest';
import { MeterDriver, presetSource } from '../../modbus/meter-driver.ts';
import { ModbusDeviceError, ModbusTcpClient } from '../../modbus/modbus-client.ts';
import { buildingLoadProfile, pvProfile } from '../world/profiles.ts';
import { SimulatedMeters } from './modbus-meter-server.ts';
import { fromPhases } from './modbus-meter-values.ts';

describe('simulated meters', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  const connect = async (port: number, unitId: number, timeoutMs = 5000) => {
    const c = new ModbusTcpClient({ host: '127.0.0.1', port, unitId }, timeoutMs);
    await c.connect();
    closers.push(() => c.close());
    return c;
  };

  it('serves per-unit devices whose values change at runtime', async () => {
    const sim = await SimulatedMeters.start({
      devices: [
        { unitId: 1, model: { preset: 'sdm630' } },
        { unitId: 9, model: { preset: 'em340' } },
      ],
    });
    closers.push(() => sim.close());
    const driver = new MeterDriver('g', presetSource('sdm630', 'load'));
    const c1 = await connect(sim.port, 1);
    sim.set(1, fromPhases([5, 6, 7], [230, 231, 232]));
    expect((await driver.read(c1, () => 0)).currentA).toEqual([5, 6, 7]);
    sim.set(1, fromPhases([-3, 6, 7]));
    expect((await driver.read(c1, () => 0)).currentA).toEqual([-3, 6, 7]);
    const c9 = await connect(sim.port, 9);
    sim.set(9, fromPhases([1, 2, 3]));
    expect((await new MeterDriver('x', presetSource('em340', 'load')).read(c9, () => 0)).currentA).toEqual([
      1, 2, 3,
    ]);
    const unknown = await connect(sim.port, 5);
    await expect(unknown.read('input', 0, 2)).rejects.toMatchObject({
      kind: 'exception',
      exceptionCode: 0x0b,
    });
  });

  it('goes silent (timeouts) and serves forced raw words (invalid values)', async () => {
    const sim = await SimulatedMeters.start({ devices: [{ unitId: 1, model: { preset: 'sdm630' } }] });
    closers.push(() => sim.close());
    const c = await connect(sim.port, 1, 300);
    sim.overrideRegister(1, 'input', 0x06, 0x7fc0); // L1 current: NaN
    const r = await new MeterDriver('g', presetSource('sdm630', 'load')).read(c, () => 0);
    expect(r.currentA[0]).toBeNull();
    expect(r.rejected[0]).toMatchObject({ quantity: 'currentA[0]', reason: 'NaN or infinite value' });
    sim.setSilent(1, true);
    const err = await c.read('input', 0, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModbusDeviceError);
    expect(err).toMatchObject({ kind: 'timeout' });
  });

  it('profiles: office load peaks at noon, PV is zero at night and highest at solar noon', () => {
    const day = Date.UTC(2025, 5, 2);
    const load = buildingLoadProfile({ seed: 1, timeZone: 'UTC', baseA: 20, peakA: 100, noise: 0 });
    expect(load(day + 3 * 3_600_000)).toEqual([20, 18, 22]);
    expect(load(day + 13 * 3_600_000)[0]).toBeCloseTo(120, 0);
    const pv = pvProfile({ seed: 1, timeZone: 'UTC', peakKw: 30 });
    expect(pv(day + 2 * 3_600_000)).toBe(0);
    expect(pv(day + 13 * 3_600_000)).toBeCloseTo(30, 5);
  });
});
