import { describe, expect, it } from 'vitest';
import {
  billingPeriodAt,
  demandTarget,
  demandWindowAt,
  DemandWindowMeter,
  deadlineNeedKw,
  remainingWindowKw,
} from './demand-window.ts';

const at = (iso: string): number => Date.parse(iso);
const MIN = 60_000;
const LA = 'America/Los_Angeles';
const BERLIN = 'Europe/Berlin';

describe('demand windows on the local clock', () => {
  it('a 15-min window starts at :00, :15, :30, :45 local; its end is the next start', () => {
    expect(demandWindowAt(BERLIN, at('2026-06-01T10:07:00Z'), 15 * MIN)).toEqual({
      startMs: at('2026-06-01T10:00:00Z'),
      endMs: at('2026-06-01T10:15:00Z'),
    });
    // A boundary instant belongs to the window it starts.
    expect(demandWindowAt(BERLIN, at('2026-06-01T10:15:00Z'), 15 * MIN).startMs).toBe(
      at('2026-06-01T10:15:00Z'),
    );
  });

  it('an hour window in a zone 5:30 ahead of UTC starts at the local hour, :30 UTC', () => {
    expect(demandWindowAt('Asia/Kolkata', at('2026-06-01T10:07:00Z'), 60 * MIN)).toEqual({
      startMs: at('2026-06-01T09:30:00Z'),
      endMs: at('2026-06-01T10:30:00Z'),
    });
  });

  it('on the autumn DST day the repeated hour has its own windows (01:45-02:00 PDT, then 01:00 PST)', () => {
    // 3 Nov 2019: 01:00-02:00 PDT is 08:00-09:00Z, then 01:00-02:00 PST is 09:00-10:00Z.
    expect(demandWindowAt(LA, at('2019-11-03T08:50:00Z'), 15 * MIN)).toEqual({
      startMs: at('2019-11-03T08:45:00Z'),
      endMs: at('2019-11-03T09:00:00Z'),
    });
    expect(demandWindowAt(LA, at('2019-11-03T09:05:00Z'), 15 * MIN)).toEqual({
      startMs: at('2019-11-03T09:00:00Z'),
      endMs: at('2019-11-03T09:15:00Z'),
    });
  });
});

describe('billing periods', () => {
  it('are local calendar months: 1 April 00:00 PDT is 07:00Z; March 2019 has 743 h (DST)', () => {
    const march = billingPeriodAt(LA, at('2019-04-01T06:59:59Z'));
    expect(march).toEqual({
      key: '2019-03',
      startMs: at('2019-03-01T08:00:00Z'),
      endMs: at('2019-04-01T07:00:00Z'),
    });
    expect((march.endMs - march.startMs) / 3_600_000).toBe(31 * 24 - 1);
    expect(billingPeriodAt(LA, at('2019-04-01T07:00:00Z')).key).toBe('2019-04');
    expect(billingPeriodAt(LA, at('2019-12-31T08:00:00Z')).endMs).toBe(at('2020-01-01T08:00:00Z'));
  });
});

describe('the running window', () => {
  it('integrates the held power: 10 kW for 5 min then 40 kW for 10 min is a 30 kW window', () => {
    const m = new DemandWindowMeter(BERLIN, 15 * MIN);
    const t0 = at('2026-06-01T10:00:00Z');
    expect(m.observe(t0, 10)).toEqual([]);
    expect(m.observe(t0 + 5 * MIN, 40)).toEqual([]);
    expect(m.current(t0 + 10 * MIN)).toMatchObject({ startMs: t0, averageKw: 25, coveredMs: 10 * MIN });
    const closed = m.observe(t0 + 15 * MIN + 30_000, 40);
    expect(closed).toEqual([{ startMs: t0, endMs: t0 + 15 * MIN, averageKw: 30 }]);
    // The 30 s after the boundary belong to the next window.
    expect(m.current(t0 + 15 * MIN + 30_000)).toMatchObject({
      startMs: t0 + 15 * MIN,
      averageKw: 40,
      coveredMs: 30_000,
    });
  });

  it('a window Fusebox saw only partly averages over what it saw; unknown power leaves a gap', () => {
    const m = new DemandWindowMeter('UTC', 15 * MIN);
    const t0 = at('2026-06-01T10:00:00Z');
    m.observe(t0 + 10 * MIN, 12);
    m.observe(t0 + 12 * MIN, null); // the meter went silent: 12 kW held 2 min, then nothing known
    const closed = m.observe(t0 + 20 * MIN, 5);
    expect(closed).toEqual([{ startMs: t0, endMs: t0 + 15 * MIN, averageKw: 12 }]);
  });

  it('closes every window it skips over (no reading for 40 min) only for the windows it saw', () => {
    const m = new DemandWindowMeter('UTC', 15 * MIN);
    const t0 = at('2026-06-01T10:00:00Z');
    m.observe(t0, 8);
    // Held power across 40 min: the two windows passed close at 8 kW; the third is still running.
    expect(m.observe(t0 + 40 * MIN, 8).map((w) => w.averageKw)).toEqual([8, 8]);
  });
});

describe('the power left for the rest of a window', () => {
  const W = 15 * MIN;
  /** A 15-minute window under a 50 kW target after `kw` drawn for its first `elapsedMs`, all of it seen. */
  const drawn = (
    kw: number,
    elapsedMs: number,
    o: Partial<Parameters<typeof remainingWindowKw>[0]> = {},
  ) => ({
    targetKw: 50,
    windowMs: W,
    elapsedMs,
    energyKwMs: kw * elapsedMs,
    coveredMs: elapsedMs,
    currentKw: kw,
    leadMs: 0,
    ...o,
  });
  it('at the start of a window it is the target', () => {
    expect(remainingWindowKw(drawn(0, 0))).toBe(50);
  });

  it('spreads what is left: 80 kW for 5 min under a 50 kW target leaves 35 kW for the last 10 min', () => {
    const kw = remainingWindowKw(drawn(80, 5 * MIN));
    expect(kw).toBeCloseTo(35, 9);
    // The average then is exactly the target: (80·5 + 35·10) / 15 = 50.
    expect((80 * 5 + kw * 10) / 15).toBeCloseTo(50, 9);
  });

  it('counts the present power for the lead time before a new limit takes effect', () => {
    // 5 s more at 80 kW, then (50·15 min − 80·5 min − 80·5 s) over 10 min − 5 s.
    const kw = remainingWindowKw(drawn(80, 5 * MIN, { leadMs: 5000 }));
    expect(kw).toBeCloseTo((50 * 15 * MIN - 80 * 5 * MIN - 80 * 5000) / (10 * MIN - 5000), 9);
  });

  it('is never below 0 when the window is over budget already', () => {
    expect(remainingWindowKw(drawn(100, 10 * MIN, { targetKw: 10 }))).toBe(0);
  });

  it('within the lead time of the end it gives the target (what is sent now counts in the next window)', () => {
    expect(remainingWindowKw(drawn(0, W - 2000, { targetKw: 40, currentKw: 90, leadMs: 5000 }))).toBe(40);
  });

  it('a window seen only partly is held to the target over what was seen', () => {
    // Seen for the last 5 min only, 20 kW: budget 50 × (5 + 5) − 20 × 5 = 400 kW·min over 5 min = 80 kW.
    expect(
      remainingWindowKw(drawn(20, 10 * MIN, { energyKwMs: 20 * 5 * MIN, coveredMs: 5 * MIN })),
    ).toBeCloseTo(80, 9);
  });
});

describe('the target', () => {
  it('is the period peak, at least the floor; a pin wins over both and over the cars', () => {
    const cases: [Parameters<typeof demandTarget>[0], ReturnType<typeof demandTarget>][] = [
      [
        { periodPeakKw: 42, floorKw: 30, needKw: 0 },
        { targetKw: 42, reason: 'period peak' },
      ],
      [
        { periodPeakKw: 12, floorKw: 30, needKw: 0 },
        { targetKw: 30, reason: 'floor' },
      ],
      [
        { periodPeakKw: 42, floorKw: 30, needKw: 55 },
        { targetKw: 55, reason: 'cars need' },
      ],
      [
        { pinnedKw: 20, periodPeakKw: 42, needKw: 55 },
        { targetKw: 20, reason: 'pinned' },
      ],
    ];
    for (const [input, want] of cases) expect(demandTarget(input)).toEqual(want);
  });

  it('the cars need the least constant EV power that serves every deadline (EDF), plus the other load', () => {
    const now = at('2026-06-01T08:00:00Z');
    const h = 3_600_000;
    // 10 kWh by 09:00 and 30 kWh by 12:00: 10 kW until 09:00, 40 kWh in 4 h = 10 kW: 10 kW; plus 5 kW building.
    expect(
      deadlineNeedKw(
        [
          { departureMs: now + h, energyKwh: 10, maxKw: 22 },
          { departureMs: now + 4 * h, energyKwh: 30, maxKw: 22 },
        ],
        now,
        5,
      ),
    ).toBeCloseTo(15, 9);
    // 20 kWh in 1 h with a car that takes 11 kW at most: it counts for 11 kWh (more would not serve it).
    expect(deadlineNeedKw([{ departureMs: now + h, energyKwh: 20, maxKw: 11 }], now, 0)).toBeCloseTo(11, 9);
    // Departed or met sessions need nothing.
    expect(
      deadlineNeedKw(
        [
          { departureMs: now - h, energyKwh: 20, maxKw: 11 },
          { departureMs: now + h, energyKwh: 0, maxKw: 11 },
        ],
        now,
        3,
      ),
    ).toBe(0);
  });
});
