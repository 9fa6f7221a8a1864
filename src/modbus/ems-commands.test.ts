import { describe, expect, it } from 'vitest';
import { EmsCommandState } from './ems-commands.ts';
import { ModbusException } from './modbus-exception.ts';
import { layout } from './testing/ems-fixture.ts';

const state = () =>
  new EmsCommandState(layout, { watchdogMs: 1000, fallback: { chargingEnabled: true, siteLimitA: 100 } });

describe('EMS command state', () => {
  it('starts on the fallback', () => {
    expect(state().inForce(0)).toEqual({
      enabled: true,
      siteLimitA: 100,
      siteLimitKw: undefined,
      circuitLimitA: new Map(),
      watchdogExpired: false,
    });
  });

  it('holds a command until its watchdog expires, then falls back', () => {
    const s = state();
    s.write(502, [1500], 0);
    s.write(601, [500], 0);
    expect(s.inForce(1000)).toMatchObject({ siteLimitA: 150, circuitLimitA: new Map([['carport', 50]]) });
    expect(s.inForce(1001)).toMatchObject({
      siteLimitA: 100,
      circuitLimitA: new Map(),
      watchdogExpired: true,
    });
    expect(s.nextExpiryMs(0)).toBe(1001);
    expect(s.nextExpiryMs(1001)).toBeNull();
  });

  it('keepalive refreshes every command still in force', () => {
    const s = state();
    s.write(502, [1500], 0);
    s.write(501, [1], 900);
    expect(s.inForce(1800).siteLimitA).toBe(150);
    expect(s.readRaw('siteLimitA', 0, 1800)).toBe(1500);
    expect(s.inForce(1901).siteLimitA).toBe(100);
  });

  it('65535 clears a limit; enabled 0 pauses', () => {
    const s = state();
    s.write(500, [0, 1, 1500, 100], 0);
    expect(s.inForce(10)).toMatchObject({ enabled: false, siteLimitA: 150, siteLimitKw: 10 });
    s.write(502, [0xffff], 20);
    expect(s.inForce(30).siteLimitA).toBe(100);
  });

  it('refuses a whole write when one register is bad, with the exception code and the offending value', () => {
    const s = state();
    const err = (() => {
      try {
        s.write(502, [1500, 9999], 0);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ModbusException);
    expect(err).toMatchObject({
      code: 3,
      detail: 'register 503: 9999 (999.9) is above the configured limit 160',
    });
    expect(s.inForce(1).siteLimitA).toBe(100);
    expect(() => s.write(506, [1], 0)).toThrow(/506 does not exist/);
    expect(() => s.write(3000, [1], 0)).toThrow(/read-only/);
  });
});

describe('EMS grid state (register 505)', () => {
  it('0 on the grid, 1 islanded, 65535 not set; a value not refreshed turns unknown', () => {
    const s = state();
    expect(s.inForce(0).gridState).toBeUndefined();
    expect(s.readRaw('gridState', 0, 0)).toBe(65535);
    s.write(505, [1], 0);
    expect(s.inForce(500).gridState).toBe('islanded');
    expect(s.readRaw('gridState', 0, 500)).toBe(1);
    s.write(505, [0], 600);
    expect(s.inForce(1000).gridState).toBe('grid');
    // The EMS stopped telling: Fusebox no longer knows whether the site is on the grid.
    expect(s.inForce(1601)).toMatchObject({ gridState: 'unknown', watchdogExpired: true });
    s.write(505, [65535], 1700);
    expect(s.inForce(1700).gridState).toBeUndefined();
  });

  it('refuses any other value', () => {
    expect(() => state().write(505, [2], 0)).toThrow(ModbusException);
  });
});
