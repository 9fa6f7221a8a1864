/**
 * Per-port limits of the EMS command model (EmsCommands.portLimitA, set by the MQTT command topics): the
 * control loop never gives a port more, and the rest of the circuit goes to the other ports.
 */
import { describe, expect, it } from 'vitest';
import { combineEmsCommands } from '../modbus/index.ts';
import { withCarsCharging } from './testing/sim-harness.ts';
import { emsCommands, slmSite } from './testing/scenario-sites.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

const SLM = slmSite(['a', 'b']);

describe('EMS per-port limits in the control loop', () => {
  it('caps the port at its commanded limit, the other port takes the rest, and lifting it restores the share', async () => {
    const h = await withCarsCharging(SLM, T0, ['a/1', 'b/1']);
    expect(['a/1', 'b/1'].map((p) => h.gateway.stationLimitA(p))).toEqual([20, 20]);
    h.loop.onEmsCommands(emsCommands({ portLimitA: new Map([['a/1', 8]]) }));
    await h.advanceBy(30_000);
    expect(['a/1', 'b/1'].map((p) => h.gateway.stationLimitA(p))).toEqual([8, 32]);
    h.loop.onEmsCommands(emsCommands({ portLimitA: new Map([['a/1', 0]]) })); // 0: paused
    await h.advanceBy(30_000);
    expect(h.gateway.stationLimitA('a/1')).toBe(0);
    h.loop.onEmsCommands(emsCommands({}));
    await h.advanceBy(30_000);
    expect(['a/1', 'b/1'].map((p) => h.gateway.stationLimitA(p))).toEqual([20, 20]);
    expect(h.world.violations()).toEqual([]);
  });
});

describe('combineEmsCommands: two command sources (Modbus EMS, MQTT), the lower of each limit', () => {
  it('keeps the lowest limit of each kind, pauses if either pauses, and reports either watchdog', () => {
    const modbus = emsCommands({
      siteLimitA: 100,
      circuitLimitA: new Map([
        ['c', 30],
        ['d', 20],
      ]),
    });
    const mqtt = emsCommands({
      siteLimitA: 80,
      siteLimitKw: 50,
      circuitLimitA: new Map([['c', 25]]),
      portLimitA: new Map([['a/1', 6]]),
      watchdogExpired: true,
    });
    const both = combineEmsCommands(modbus, mqtt)!;
    expect(both.enabled).toBe(true);
    expect(both.siteLimitA).toBe(80);
    expect(both.siteLimitKw).toBe(50);
    expect([...both.circuitLimitA]).toEqual([
      ['c', 25],
      ['d', 20],
    ]);
    expect([...(both.portLimitA ?? [])]).toEqual([['a/1', 6]]);
    expect(both.watchdogExpired).toBe(true);
    expect(combineEmsCommands(emsCommands({ enabled: false }), mqtt)!.enabled).toBe(false);
    expect(combineEmsCommands(null, mqtt)).toBe(mqtt);
    expect(combineEmsCommands(modbus, null)).toBe(modbus);
    expect(combineEmsCommands(null, null)).toBeNull();
  });
});
