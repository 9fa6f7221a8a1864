import { describe, expect, it } from 'vitest';
import { EvModel } from './ev-model.ts';

const KW_PER_A_3PH = (3 * 230) / 1000;

function car(over: Partial<ConstructorParameters<typeof EvModel>[0]> = {}): EvModel {
  return new EvModel({
    id: 'ev',
    batteryKwh: 60,
    socPct: 20,
    phases: 3,
    maxCurrentA: 16,
    arrivalMs: 0,
    startDelayMs: 0,
    ...over,
  });
}

describe('EvModel', () => {
  it('follows a new pilot limit after its response delay, drawing min(limit, own maximum)', () => {
    const ev = car({ responseDelayMs: 3000, startDelayMs: 3000 });
    ev.plugIn(0, KW_PER_A_3PH, 32);
    ev.advance(2999);
    expect(ev.currentA).toBe(0);
    ev.advance(3000);
    expect(ev.currentA).toBe(16); // its on-board charger's maximum
    ev.setPilot(10, 10_000);
    ev.advance(12_999);
    expect(ev.currentA).toBe(16);
    ev.advance(13_000);
    expect(ev.currentA).toBe(10);
  });

  it('draws nothing under a pilot limit below 6 A (IEC 61851-1)', () => {
    const ev = car({ responseDelayMs: 0 });
    ev.plugIn(0, KW_PER_A_3PH, 5.9);
    ev.advance(1000);
    expect(ev.currentA).toBe(0);
    ev.setPilot(6, 1000);
    ev.advance(1001);
    expect(ev.currentA).toBe(6);
    ev.setPilot(0, 2000);
    ev.advance(2001);
    expect(ev.currentA).toBe(0);
  });

  it('integrates energy exactly across a pilot change between two advances', () => {
    const ev = car({ responseDelayMs: 1000, chargeEfficiency: 1 });
    ev.plugIn(0, KW_PER_A_3PH, 16);
    ev.setPilot(8, 1_800_000); // followed at 1 801 000
    ev.advance(3_601_000);
    // 1801 s at 16 A, then 1800 s at 8 A, three phases at 230 V.
    const kwh = (16 * KW_PER_A_3PH * 1801 + 8 * KW_PER_A_3PH * 1800) / 3600;
    expect(ev.energyKwh).toBeCloseTo(kwh, 6);
    expect(ev.socPct).toBeCloseTo(20 + (kwh / 60) * 100, 6);
  });

  it('tapers above 80 % and stops at its target', () => {
    const ev = car({ socPct: 79, batteryKwh: 10, responseDelayMs: 0, targetSocPct: 90 });
    ev.plugIn(0, KW_PER_A_3PH, 32);
    ev.advance(1000);
    expect(ev.currentA).toBe(16);
    let t = 1000;
    while (ev.socPct < 85 && t < 3_600_000) ev.advance((t += 10_000));
    expect(ev.currentA).toBeLessThan(16 * 0.8);
    expect(ev.currentA).toBeGreaterThan(0);
    while (!ev.done && t < 36_000_000) ev.advance((t += 10_000));
    expect(ev.done).toBe(true);
    expect(ev.currentA).toBe(0);
    expect(ev.socPct).toBeGreaterThanOrEqual(90 - 1e-9);
  });

  it('stops once it has the energy it wanted', () => {
    const ev = car({ energyWantedKwh: 1, responseDelayMs: 0 });
    ev.plugIn(0, KW_PER_A_3PH, 16);
    for (let t = 10_000; t <= 3_600_000 && !ev.done; t += 10_000) ev.advance(t);
    expect(ev.done).toBe(true);
    expect(ev.energyKwh).toBeGreaterThanOrEqual(1);
    expect(ev.energyKwh).toBeLessThan(1 + (16 * KW_PER_A_3PH * 10) / 3600 + 1e-9);
  });

  it('starts drawing startDelayMs after plug-in, under the limit it sees then', () => {
    const ev = car({ startDelayMs: 5000, responseDelayMs: 3000 });
    ev.plugIn(0, KW_PER_A_3PH, 16); // the station's default
    ev.setPilot(8, 250); // the first setpoint, before the car starts
    ev.advance(4999);
    expect(ev.currentA).toBe(0);
    ev.setPilot(12, 4900); // before the start: read at the start
    ev.advance(5000);
    expect(ev.currentA).toBe(12);
    ev.setPilot(10, 6000); // while charging: followed 3 s later
    ev.advance(8999);
    expect(ev.currentA).toBe(12);
    ev.advance(9000);
    expect(ev.currentA).toBe(10);
  });

  it('draws nothing before plug-in and after unplugging', () => {
    const ev = car({ responseDelayMs: 0 });
    ev.setPilot(16, 0);
    ev.advance(1000);
    expect(ev.currentA).toBe(0);
    ev.plugIn(1000, KW_PER_A_3PH, 16);
    ev.advance(2000);
    expect(ev.currentA).toBe(16);
    ev.unplug(3000);
    const e = ev.energyKwh;
    ev.advance(100_000);
    expect(ev.currentA).toBe(0);
    expect(ev.energyKwh).toBe(e);
  });
});
