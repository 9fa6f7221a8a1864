import { describe, expect, it } from 'vitest';
import type { MeterSample } from './meter-sample.ts';
import type { PortInfo } from './port-directory.ts';
import { checkSample, NOTICE_INTERVAL_MS, portBounds, StationNotices, stationTime } from './station-input.ts';
import { testSitePort } from '../core/testing/site-port.ts';

const T = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const info = (port: Partial<PortInfo['port']>, conductors = 3): PortInfo => ({
  port: testSitePort(port),
  conductors,
  supply: { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] },
  failSafeA: 6,
});

const sample = (s: Partial<MeterSample>): MeterSample => ({
  atMs: T,
  phaseCurrentA: [undefined, undefined, undefined],
  ...s,
});

describe('stationTime', () => {
  it('keeps a station time up to 5 min ahead, and up to 24 h old outside a session', () => {
    expect(stationTime(T + 4 * MIN, T)).toEqual({ atMs: T + 4 * MIN, problem: undefined });
    expect(stationTime(T - 23 * HOUR, T).atMs).toBe(T - 23 * HOUR);
    const ahead = stationTime(T + 6 * MIN, T);
    expect(ahead.atMs).toBe(T);
    expect(ahead.problem).toMatch(/6 min ahead/);
    expect(stationTime(T - 25 * HOUR, T).atMs).toBe(T);
    expect(stationTime(NaN, T)).toMatchObject({ atMs: T, problem: 'an unreadable timestamp' });
  });

  it('within a session keeps any time from its start on, never one before it', () => {
    const start = T - 30 * HOUR; // a session from before a long outage
    expect(stationTime(T - 29 * HOUR, T, start).atMs).toBe(T - 29 * HOUR);
    const before = stationTime(start - MIN, T, start);
    expect(before.atMs).toBe(T);
    expect(before.problem).toMatch(/before its session started/);
    // A session started (plausibly) a little in the future: the receive time would be before it.
    expect(stationTime(T - HOUR, T, T + 2 * MIN).atMs).toBe(T + 2 * MIN);
  });
});

describe('checkSample', () => {
  const ac = portBounds(info({}));

  it('bounds currents and power by the port: 32 A, 22,080 W, +25 %, -2 %', () => {
    expect(ac).toEqual({ maxCurrentA: 32, maxPowerW: 22_080 });
    const ok = sample({ phaseCurrentA: [40, 0, -0.5], powerW: 27_000 });
    expect(checkSample(ok, ac, undefined, T)).toEqual({ sample: ok, problems: [] });
    const bad = checkSample(sample({ phaseCurrentA: [16, 41, 16], powerW: -500 }), ac, undefined, T);
    expect(bad.sample.phaseCurrentA).toEqual([undefined, undefined, undefined]);
    expect(bad.sample.powerW).toBeUndefined();
    expect(bad.problems).toHaveLength(2);
    expect(checkSample(sample({ unphasedCurrentA: Infinity }), ac, undefined, T).problems).toHaveLength(1);
  });

  it('takes a DC port current up to its power at 150 V DC', () => {
    const dc = portBounds(info({ currentType: 'DC', maxCurrentA: 76.3, maxPowerKw: 50 }));
    expect(dc.maxCurrentA).toBeCloseTo(333.3, 1);
    expect(checkSample(sample({ unphasedCurrentA: 125 }), dc, undefined, T).problems).toEqual([]);
    expect(checkSample(sample({ unphasedCurrentA: 1e308 }), dc, undefined, T).problems).toHaveLength(1);
  });

  it('checks the energy register against the session: backwards, too fast, absurd', () => {
    const session = { startedMs: T - HOUR, startWh: 10_000, lastWh: 20_000 };
    const at = (energyWh: number) => checkSample(sample({ energyWh }), ac, session, T).sample.energyWh;
    expect(at(19_500)).toBe(19_500); // within 1 kWh of the highest
    expect(at(18_000)).toBeUndefined();
    // 2 h (1 elapsed + 1 slack) at 22,080 W x 1.25 = 55,200 Wh above the start.
    expect(at(10_000 + 55_000)).toBe(65_000);
    expect(at(10_000 + 56_000)).toBeUndefined();
    expect(checkSample(sample({ energyWh: 1e12 }), ac, undefined, T).sample.energyWh).toBeUndefined();
    expect(checkSample(sample({ energyWh: -1 }), ac, undefined, T).sample.energyWh).toBeUndefined();
  });
});

describe('StationNotices', () => {
  it('says to log once per station and kind, then once per interval with the count since', () => {
    const n = new StationNotices();
    expect(n.take('a', 'k', 0)).toEqual({ log: true, suppressed: 0 });
    expect(n.take('a', 'k', 1000).log).toBe(false);
    expect(n.take('a', 'k', 2000).log).toBe(false);
    expect(n.take('b', 'k', 2000).log).toBe(true);
    expect(n.take('a', 'other', 2000).log).toBe(true);
    expect(n.take('a', 'k', NOTICE_INTERVAL_MS)).toEqual({ log: true, suppressed: 2 });
  });
});
