/** The EMS server's heartbeat, status bits and watchdog on a manual clock (reads over real Modbus TCP). */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../clock.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import { EmsServer } from './ems-server.ts';
import { ModbusTcpClient } from './modbus-client.ts';
import { emsOptions } from './testing/ems-fixture.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';

/**
 * The EMS writes circuit 1's limit (register 600) as 70.0 A. The wire path of writes is covered with pymodbus
 * (ems-server.pymodbus.test.ts); here only the timing.
 */
function writeGridLimit70(ems: EmsServer): void {
  (ems as unknown as { write: (r: object) => void }).write({
    unitId: 1,
    address: 600,
    values: [700],
    remote: 'test',
  });
}

describe('EMS server timing', () => {
  let ems: EmsServer | undefined;
  let client: ModbusTcpClient | undefined;
  afterEach(async () => {
    client?.close();
    await ems?.close();
  });

  it('counts the heartbeat while the control loop answers, and stops it (status bit 0) when it does not', async () => {
    const clock = new VirtualClock(0);
    let alive = true;
    const base = emsOptions();
    ems = await EmsServer.start({
      ...base,
      clock,
      snapshot: () => {
        if (!alive) throw new Error('control loop stuck');
        return base.snapshot();
      },
    });
    client = new ModbusTcpClient({ host: '127.0.0.1', port: ems.port, unitId: 1 }, 5000);
    await client.connect();
    const [hb0, status0] = await client.read('holding', 100, 2);
    await clock.advanceBy(3000);
    const [hb1, status1] = await client.read('holding', 100, 2);
    expect(hb1! - hb0!).toBe(3);
    expect(status0! & 1).toBe(1);
    expect(status1).toBe(0b11); // alive, charging enabled
    alive = false;
    await clock.advanceBy(3000);
    const [hb2, status2] = await client.read('holding', 100, 2);
    expect(hb2).toBe(hb1); // every tick since failed; values read "not available"
    expect(status2! & 1).toBe(0);
    const power = await client.read('holding', 103, 2);
    expect(power).toEqual([0x8000, 0]);
  });

  it('emits commands on a write and again when the watchdog reverts them', async () => {
    const clock = new VirtualClock(0);
    ems = await EmsServer.start({ ...emsOptions({ watchdogMs: 5000 }), clock });
    const seen: EmsCommands[] = [];
    ems.on('commands', (c) => seen.push(c));
    client = new ModbusTcpClient({ host: '127.0.0.1', port: ems.port, unitId: 1 }, 5000);
    await client.connect();
    const c = ems.commands();
    expect(c).toMatchObject({ enabled: true, siteLimitA: undefined });
    writeGridLimit70(ems);
    expect(seen).toHaveLength(1);
    expect([...seen[0]!.circuitLimitA]).toEqual([['grid', 70]]);
    await clock.advanceBy(5000);
    expect(seen).toHaveLength(1);
    await clock.advanceBy(1);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ watchdogExpired: true, circuitLimitA: new Map() });
    expect(await client.read('holding', 600, 1)).toEqual([0xffff]);
    expect((await client.read('holding', 101, 1))[0]! & 0b1000).toBe(0b1000);
  });

  it('reverts a command even when its timer fires while the clock still reads a millisecond short', async () => {
    // Node fires a timer by the event loop's cached time: the clock may still read a millisecond short of the
    // expiry then, and cross into the next millisecond between two readings in the same callback (CI,
    // 2026-12-06: the command stayed in force and the watchdog never expired).
    const virtual = new VirtualClock(0);
    let shortReadings = 0; // readings still to come a millisecond short
    const clock: Clock = {
      nowMs: () => virtual.nowMs(),
      monotonicMs: () => {
        if (shortReadings === 0) return virtual.monotonicMs();
        shortReadings--;
        return virtual.monotonicMs() - 1;
      },
      setTimeout: (fn, ms) =>
        virtual.setTimeout(() => {
          shortReadings = 1;
          fn();
          shortReadings = 0;
        }, ms),
      clearTimeout: (handle) => virtual.clearTimeout(handle),
    };
    ems = await EmsServer.start({ ...emsOptions({ watchdogMs: 5000 }), clock });
    const seen: EmsCommands[] = [];
    ems.on('commands', (c) => seen.push(c));
    writeGridLimit70(ems);
    expect(seen).toHaveLength(1);
    await virtual.advanceBy(5010);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ watchdogExpired: true, circuitLimitA: new Map() });
  });

  it('reverts a command on time when the wall clock steps back meanwhile (NTP correcting a wrong clock)', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    ems = await EmsServer.start({ ...emsOptions({ watchdogMs: 5000 }), clock });
    const seen: EmsCommands[] = [];
    ems.on('commands', (c) => seen.push(c));
    writeGridLimit70(ems);
    await clock.advanceBy(2000);
    clock.stepWallClock(-3_600_000); // an hour back: on the wall clock the command would live an hour more
    await clock.advanceBy(3001);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ watchdogExpired: true, circuitLimitA: new Map() });
    expect(ems.commands().circuitLimitA.size).toBe(0);
  });
});
