/**
 * The Modbus battery commander against a simulated SunSpec battery over real Modbus TCP (docs/meters.md,
 * "Batteries"): model 124 storage controls, writes only on change, the battery's state of charge integrating
 * its power, its own revert when Fusebox stops writing, a lost battery reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { SimulatedMeters } from '../sim/devices/modbus-meter-server.ts';
import { ModbusBatteryCommander } from './battery-commander.ts';
import { startModbusTcpServer } from './tcp-server.ts';

let sim: SimulatedMeters | undefined;
let commander: ModbusBatteryCommander | undefined;
afterEach(async () => {
  commander?.close();
  await sim?.close();
  sim = commander = undefined;
});

async function start(nowMs: () => number) {
  sim = await SimulatedMeters.start({
    devices: [{ unitId: 3, model: { sunspec: [124, 802] }, battery: { maxKw: 20, capacityKwh: 40 } }],
    clock: nowMs,
  });
  sim.set(3, { socPct: 50 });
  commander = new ModbusBatteryCommander(
    [
      {
        batteryId: 'bat',
        endpoint: { host: sim.host, port: sim.port, unitId: 3 },
        requestTimeoutMs: 5000,
        control: { type: 'sunspec', revertS: 30 },
      },
    ],
    nowMs,
  );
  return { sim, commander };
}

describe('ModbusBatteryCommander, SunSpec model 124, over Modbus TCP', () => {
  it('commands discharge and charge, writes only on change, and the battery integrates its SoC', async () => {
    let now = 1_000_000;
    const { sim, commander } = await start(() => now);
    commander.set('bat', -10);
    await eventually(() => commander.status('bat').lastCommandKw === -10, 'the discharge written', 30_000);
    expect(sim.battery(3, now).commandKw).toBeCloseTo(-10, 6);
    const writes = sim.battery(3, now).writes;
    commander.set('bat', -10);
    commander.set('bat', -10);
    expect(commander.status('bat')).toEqual({ lastCommandKw: -10, writeError: null });
    expect(sim.battery(3, now).writes).toBe(writes);

    // One hour at −10 kW takes 25 % of 40 kWh; the meter side reads it back over Modbus.
    for (let i = 0; i < 60; i++) {
      now += 60_000;
      const before = sim.battery(3, now).writes;
      // Past revertS / 2 since the last write: the same command is written again, so the battery's own
      // watchdog does not revert while Fusebox runs.
      commander.set('bat', -10);
      await eventually(() => sim.battery(3, now).writes > before, 'the refresh', 30_000);
      sim.stepBattery(3, 60_000, now);
    }
    expect(sim.values(3).socPct).toBeCloseTo(25, 1);
    expect(sim.values(3).powerKw).toBeCloseTo(-10, 6);

    commander.set('bat', 4.5);
    await eventually(() => commander.status('bat').lastCommandKw === 4.5, 'the charge written', 30_000);
    expect(sim.battery(3, now).commandKw).toBeCloseTo(4.5, 6);
    commander.set('bat', 0);
    await eventually(() => commander.status('bat').lastCommandKw === 0, 'idle written', 30_000);
    expect(sim.battery(3, now).commandKw).toBe(0);
  });

  it('when Fusebox stops writing, the battery reverts by itself after revertS', async () => {
    let now = 5_000_000;
    const { sim, commander } = await start(() => now);
    commander.set('bat', -8);
    await eventually(() => commander.status('bat').lastCommandKw === -8, 'the discharge written', 30_000);
    now += 30_000;
    expect(sim.battery(3, now).commandKw).toBeCloseTo(-8, 6);
    now += 1_000;
    expect(sim.battery(3, now).commandKw).toBe(0);
  });

  it('a battery that does not answer: the write error is reported', async () => {
    const { sim, commander } = await start(() => Date.now());
    sim.setSilent(3, true);
    commander.set('bat', -5);
    await eventually(() => commander.status('bat').writeError !== null, 'the write error', 60_000);
    expect(commander.status('bat').lastCommandKw).toBeNull();
  });
});

describe('ModbusBatteryCommander, a generic register-write map, over Modbus TCP', () => {
  it('writes enable once, then the scaled signed power and the watchdog with every change', async () => {
    const writes: { address: number; values: readonly number[] }[] = [];
    const server = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      handler: {
        read: () => [0],
        write: (req) => {
          writes.push({ address: req.address, values: req.values });
        },
      },
    });
    const c = new ModbusBatteryCommander(
      [
        {
          batteryId: 'gen',
          endpoint: { host: server.host, port: server.port, unitId: 1 },
          requestTimeoutMs: 5000,
          control: {
            type: 'registers',
            power: { address: 100, type: 'int32', scale: 0.001, sign: 'discharge-positive' },
            enable: { address: 10, value: 1 },
            watchdog: { address: 20, seconds: 30 },
          },
        },
      ],
      () => Date.now(),
    );
    try {
      c.set('gen', -2.5);
      await eventually(() => c.status('gen').lastCommandKw === -2.5, 'the first command', 30_000);
      c.set('gen', -2.5);
      c.set('gen', 1);
      await eventually(() => c.status('gen').lastCommandKw === 1, 'the second command', 30_000);
      // Discharge-positive W in an int32 (big-endian words): −2.5 kW → +2500, 1 kW → −1000.
      expect(writes).toEqual([
        { address: 10, values: [1] },
        { address: 100, values: [0, 2500] },
        { address: 20, values: [30] },
        { address: 100, values: [0xffff, 0x10000 - 1000] },
        { address: 20, values: [30] },
      ]);
    } finally {
      c.close();
      await server.close();
    }
  });
});
