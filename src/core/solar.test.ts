import { describe, expect, it } from 'vitest';
import type { SolarPort, SolarState } from './solar.ts';
import { INITIAL_SOLAR_STATE, solarCaps } from './solar.ts';

const KW_PER_A = 0.69; // three phases at 230 V
const solarOnly = (portId: string, drawingKw = 0): SolarPort => ({
  portId,
  mode: 'solar-only',
  minCurrentA: 6,
  kwPerA: KW_PER_A,
  drawingKw,
});

describe('solarCaps', () => {
  it('starts a solar-only port only after the surplus has lasted the start delay', () => {
    let state: SolarState = INITIAL_SOLAR_STATE;
    let r = solarCaps({ exportKw: 6, ports: [solarOnly('p')] }, state, 0);
    expect(r.caps.get('p')).toBe(0);
    state = r.state;
    r = solarCaps({ exportKw: 6, ports: [solarOnly('p')] }, state, 59_000);
    expect(r.caps.get('p')).toBe(0);
    r = solarCaps({ exportKw: 6, ports: [solarOnly('p')] }, r.state, 60_000);
    // On: 6 kW surplus at 0.69 kW/A is 8.7 A.
    expect(r.caps.get('p')).toBeCloseTo(6 / KW_PER_A, 6);
  });

  it('counts what the solar port already draws as surplus', () => {
    let r = solarCaps({ exportKw: 10, ports: [solarOnly('p')] }, INITIAL_SOLAR_STATE, 0);
    r = solarCaps({ exportKw: 10, ports: [solarOnly('p')] }, r.state, 60_000);
    // Now drawing 6.9 kW (10 A), exporting 3.1 kW: the cap stays at the full 10 kW of PV.
    r = solarCaps({ exportKw: 3.1, ports: [solarOnly('p', 6.9)] }, r.state, 61_000);
    expect(r.caps.get('p')).toBeCloseTo(10 / KW_PER_A, 6);
  });

  it('does not chatter under passing clouds', () => {
    let state: SolarState = INITIAL_SOLAR_STATE;
    let switches = 0;
    let last = 0;
    // Surplus alternates every 40 s between plenty and nothing: shorter than the stop delay.
    for (let t = 0; t < 60 * 60_000; t += 10_000) {
      const cloudy = Math.floor(t / 40_000) % 2 === 1;
      const r = solarCaps({ exportKw: cloudy ? -2 : 8, ports: [solarOnly('p')] }, state, t);
      state = r.state;
      const on = (r.caps.get('p') ?? 0) > 0 ? 1 : 0;
      if (on !== last) switches++;
      last = on;
    }
    expect(switches).toBeLessThanOrEqual(1);
  });

  it('stops after the surplus has been short for the stop delay, then stays off the minimum off time', () => {
    let r = solarCaps({ exportKw: 8, ports: [solarOnly('p')] }, INITIAL_SOLAR_STATE, 0);
    r = solarCaps({ exportKw: 8, ports: [solarOnly('p')] }, r.state, 60_000);
    expect(r.caps.get('p')).toBeGreaterThan(0);
    const t0 = 10 * 60_000;
    r = solarCaps({ exportKw: -3, ports: [solarOnly('p', 4)] }, r.state, t0);
    expect(r.caps.get('p')).toBe(6); // still on, at its minimum, during the stop delay
    r = solarCaps({ exportKw: -3, ports: [solarOnly('p', 4)] }, r.state, t0 + 3 * 60_000);
    expect(r.caps.get('p')).toBe(0);
    r = solarCaps({ exportKw: 9, ports: [solarOnly('p')] }, r.state, t0 + 3 * 60_000 + 1);
    r = solarCaps({ exportKw: 9, ports: [solarOnly('p')] }, r.state, t0 + 5 * 60_000);
    expect(r.caps.get('p')).toBe(0); // surplus is back for 2 min, but the port has been off < min off + start
    r = solarCaps({ exportKw: 9, ports: [solarOnly('p')] }, r.state, t0 + 6 * 60_000 + 1);
    expect(r.caps.get('p')).toBeGreaterThan(0);
  });

  it('gives min-plus-solar ports their minimum always and surplus on top', () => {
    const p: SolarPort = {
      portId: 'm',
      mode: 'min-plus-solar',
      minCurrentA: 6,
      kwPerA: KW_PER_A,
      drawingKw: 0,
    };
    expect(solarCaps({ exportKw: null, ports: [p] }, INITIAL_SOLAR_STATE, 0).caps.get('m')).toBe(6);
    expect(solarCaps({ exportKw: 6.9, ports: [p] }, INITIAL_SOLAR_STATE, 0).caps.get('m')).toBeCloseTo(10, 6);
  });

  it('keeps solar-only ports off when the surplus is unknown', () => {
    let r = solarCaps({ exportKw: null, ports: [solarOnly('p')] }, INITIAL_SOLAR_STATE, 0);
    r = solarCaps({ exportKw: null, ports: [solarOnly('p')] }, r.state, 10 * 60_000);
    expect(r.caps.get('p')).toBe(0);
  });
});
