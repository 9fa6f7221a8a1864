import { describe, expect, it } from 'vitest';
import { clearSkyShape, historyForecast } from './forecast.ts';
import { instantOfWall } from '../local-time.ts';

const Q = 15 * 60_000;
const DAY = 86_400_000;

describe('historyForecast', () => {
  it('forecasts the building load as the same quarter hour of the last days, and PV on the clear-sky shape', () => {
    const zone = 'Europe/Berlin';
    const start = instantOfWall(zone, Date.UTC(2026, 5, 1)); // local midnight, 1 June
    const n = 7 * 96;
    const lat = 52.5;
    const lon = 13.4;
    const building = Float64Array.from({ length: n }, (_, i) => {
      const h = (i % 96) / 4;
      return h >= 9 && h < 17 ? 10 : 2;
    });
    const pv = Float64Array.from(
      { length: n },
      (_, i) => 5 * Math.max(0, clearSkyShape(start + i * Q + Q / 2, lat, lon)),
    );
    const f = historyForecast(
      { startMs: start, stepMs: Q, buildingKw: building, pvKw: pv },
      { timeZone: zone, latitudeDeg: lat, longitudeDeg: lon },
    );
    const day8 = start + 7 * DAY;
    // 03:00 local: building only, no sun.
    expect(f.netKwAt(day8 + 3 * 3_600_000)).toBeCloseTo(2, 6);
    // 13:00 local (≈ solar noon in Berlin summer time): 10 kW building less ≈ 5 × shape PV.
    const t = day8 + 13 * 3_600_000;
    expect(f.netKwAt(t)).toBeCloseTo(10 - 5 * clearSkyShape(t + Q / 2, lat, lon), 6);
    expect(10 - f.netKwAt(t)).toBeGreaterThan(3);
  });

  it('without history forecasts 0, and a quarter hour without history takes the mean', () => {
    expect(
      historyForecast({ startMs: 0, stepMs: Q, buildingKw: [] }, { timeZone: 'UTC' }).netKwAt(5 * Q),
    ).toBe(0);
    const f = historyForecast({ startMs: 0, stepMs: Q, buildingKw: [4, 6] }, { timeZone: 'UTC' });
    expect(f.netKwAt(DAY)).toBe(4);
    expect(f.netKwAt(DAY + 10 * Q)).toBe(5);
  });
});
