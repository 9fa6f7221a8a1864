import { describe, expect, it } from 'vitest';
import type { TariffBand, TariffSchedule } from './tariff.ts';
import {
  billingMonth,
  demandCharge,
  demandPeakKw,
  demandWindows,
  energyCost,
  energyPriceAt,
  makeTariff,
  monthlyDemandCharges,
} from './tariff.ts';

const ALL = [true, true, true, true, true, true, true];
const WEEKDAYS = [true, true, true, true, true, false, false];
const WEEKENDS = [false, false, false, false, false, true, true];
const bands = (hours: number[], prices: number[]) =>
  hours.map((h, i) => ({ fromMin: h * 60, pricePerKwh: prices[i]! }));
const sched = (
  id: string,
  [startMonth, startDay, endMonth, endDay]: number[],
  weekdays: boolean[],
  b: readonly TariffBand[],
  demandChargePerKw: number,
): TariffSchedule => ({
  id,
  startMonth: startMonth!,
  startDay: startDay!,
  endMonth: endMonth!,
  endDay: endDay!,
  weekdays,
  bands: b,
  demandChargePerKw,
});

// SCE TOU-EV-4 as in acnportal's file (summer 06-01..09-30, winter 10-01..05-31).
const TOU = [0, 8, 12, 18, 23];
const sce = makeTariff('SCE TOU-EV-4', 'America/Los_Angeles', [
  sched(
    'Summer-Weekday',
    [6, 1, 9, 30],
    WEEKDAYS,
    bands(TOU, [0.05623, 0.0925, 0.26668, 0.0925, 0.05623]),
    15.51,
  ),
  sched('Summer-Weekend', [6, 1, 9, 30], WEEKENDS, bands([0], [0.05623]), 15.51),
  sched(
    'Winter-Weekday',
    [10, 1, 5, 31],
    WEEKDAYS,
    bands(TOU, [0.06087, 0.07492, 0.0869, 0.07492, 0.06087]),
    15.51,
  ),
  sched('Winter-Weekend', [10, 1, 5, 31], WEEKENDS, bands([0], [0.06087]), 15.51),
]);
const at = (iso: string): number => Date.parse(iso);

describe('energy price at an instant', () => {
  it.each([
    ['summer weekday 13:00 PDT (Wed 2019-07-10)', '2019-07-10T20:00:00Z', 0.26668],
    ['summer weekday 11:59 PDT', '2019-07-10T18:59:00Z', 0.0925],
    ['summer weekday 23:00 PDT', '2019-07-11T06:00:00Z', 0.05623],
    ['summer Saturday 13:00 PDT', '2019-07-13T20:00:00Z', 0.05623],
    ['winter weekday 12:30 PST (Tue 2019-03-05)', '2019-03-05T20:30:00Z', 0.0869],
    ['winter weekday 07:59 PST', '2019-03-05T15:59:00Z', 0.06087],
    ['first weekday after DST starts, 08:00 PDT', '2019-03-11T15:00:00Z', 0.07492],
    ['same day 07:59 PDT (would be 06:59 in PST)', '2019-03-11T14:59:00Z', 0.06087],
    ['last winter day 31 May (Fri) 13:00', '2019-05-31T20:00:00Z', 0.0869],
    ['first summer weekday 3 June 13:00', '2019-06-03T20:00:00Z', 0.26668],
    ['30 September (Mon) is still summer', '2019-09-30T20:00:00Z', 0.26668],
    ['1 October (Tue) is winter', '2019-10-01T20:00:00Z', 0.0869],
  ])('%s', (_what, iso, price) => {
    expect(energyPriceAt(sce, at(iso))).toBe(price);
  });

  it('minutes before the first band belong to the last band (it wraps midnight)', () => {
    const t = makeTariff('night', 'UTC', [sched('all', [1, 1, 12, 31], ALL, bands([6, 22], [0.3, 0.1]), 0)]);
    expect(energyPriceAt(t, at('2020-01-01T03:00:00Z'))).toBe(0.1);
    expect(energyPriceAt(t, at('2020-01-01T06:00:00Z'))).toBe(0.3);
    expect(energyPriceAt(t, at('2020-02-29T23:00:00Z'))).toBe(0.1);
  });

  it('billing months are local: 2019-04-01 06:00Z is still March in Los Angeles', () => {
    expect(billingMonth(sce, at('2019-04-01T06:00:00Z'))).toBe('2019-03');
    expect(billingMonth(sce, at('2019-04-01T07:00:00Z'))).toBe('2019-04');
  });
});

describe('energy cost of a kW series', () => {
  it('10 kW for an hour from 11:30 PDT on a summer weekday: half at $0.0925, half at $0.26668', () => {
    const kw = new Float64Array(12).fill(10);
    const cost = energyCost(sce, { startMs: at('2019-07-10T18:30:00Z'), stepMs: 5 * 60_000, kw });
    expect(cost).toBeCloseTo(10 * 0.5 * 0.0925 + 10 * 0.5 * 0.26668, 10); // $1.7959
  });

  it('a step across a price change is split: one hour-long sample from 11:30 PDT costs the same', () => {
    const cost = energyCost(sce, { startMs: at('2019-07-10T18:30:00Z'), stepMs: 3_600_000, kw: [10] });
    expect(cost).toBeCloseTo(10 * 0.5 * 0.0925 + 10 * 0.5 * 0.26668, 10);
  });

  it('a day-long sample is split at every band and at midnight, into the next season', () => {
    // Sun 2 June 2019 20:00 PDT to Mon 3 June 20:00 PDT at 1 kW: Sunday 4 h at 0.05623, Monday 8 h at 0.05623,
    // 4 h at 0.0925, 6 h at 0.26668, 2 h at 0.0925.
    const cost = energyCost(sce, { startMs: at('2019-06-03T03:00:00Z'), stepMs: 24 * 3_600_000, kw: [1] });
    expect(cost).toBeCloseTo(12 * 0.05623 + 4 * 0.0925 + 6 * 0.26668 + 2 * 0.0925, 10);
  });
});

describe('demand windows and charges', () => {
  const FIVE = 5 * 60_000;
  it('a 30 kW 5-minute spike is 10 kW of 15-minute demand', () => {
    const kw = new Float64Array(6);
    kw[1] = 30;
    const s = { startMs: at('2019-03-05T16:00:00Z'), stepMs: FIVE, kw };
    expect(demandWindows(s, 'America/Los_Angeles')).toEqual([
      { startMs: at('2019-03-05T16:00:00Z'), kw: 10 },
      { startMs: at('2019-03-05T16:15:00Z'), kw: 0 },
    ]);
    expect(demandPeakKw(s, 'America/Los_Angeles')).toBe(10);
  });

  it('windows follow the clock: 30 kW from :05 to :20 is 20 kW then 10 kW', () => {
    const kw = new Float64Array([0, 30, 30, 30, 0, 0]);
    const s = { startMs: at('2019-03-05T16:00:00Z'), stepMs: FIVE, kw };
    expect(demandWindows(s, 'UTC').map((w) => w.kw)).toEqual([20, 10]);
  });

  it('a series starting mid-window averages over what it covers; hour steps are split across windows', () => {
    const s = { startMs: at('2019-03-05T16:10:00Z'), stepMs: 3_600_000, kw: [8] };
    const w = demandWindows(s, 'UTC');
    expect(w.map((x) => x.kw)).toEqual([8, 8, 8, 8, 8]);
    expect(w[0]!.startMs).toBe(at('2019-03-05T16:00:00Z'));
  });

  it('each billing month is charged its own peak: March 10 kW × $15.51, April 6 kW × $15.51', () => {
    // 31 March 23:00 PDT to 1 April 01:00 PDT, 15-min steps: 10 kW at 23:15 in March, 6 kW flat in April.
    const kw = new Float64Array([0, 10, 0, 0, 6, 6, 6, 6]);
    const s = { startMs: at('2019-04-01T06:00:00Z'), stepMs: 15 * 60_000, kw };
    expect(monthlyDemandCharges(sce, s)).toEqual([
      {
        month: '2019-03',
        peakKw: 10,
        peakAtMs: at('2019-04-01T06:15:00Z'),
        chargePerKw: 15.51,
        charge: 155.1,
      },
      {
        month: '2019-04',
        peakKw: 6,
        peakAtMs: at('2019-04-01T07:00:00Z'),
        chargePerKw: 15.51,
        charge: 6 * 15.51,
      },
    ]);
    expect(demandCharge(sce, s)).toBeCloseTo(155.1 + 93.06, 9);
  });

  it('the demand charge rate is the one in force at the peak (season change within a month)', () => {
    const t = makeTariff('split', 'UTC', [
      sched('a', [1, 1, 1, 15], ALL, bands([0], [0.1]), 10),
      sched('b', [1, 16, 12, 31], ALL, bands([0], [0.1]), 20),
    ]);
    const s = { startMs: at('2020-01-15T23:30:00Z'), stepMs: 15 * 60_000, kw: [5, 5, 4, 4] };
    expect(monthlyDemandCharges(t, s)).toEqual([
      { month: '2020-01', peakKw: 5, peakAtMs: at('2020-01-15T23:30:00Z'), chargePerKw: 10, charge: 50 },
    ]);
  });
});

describe('holidays, band demand charges, export price', () => {
  // Weekdays 0.1 with a 0.3 peak from 16:00 carrying its own $8/kW demand charge; weekends and holidays 0.05.
  const t = makeTariff(
    'ext',
    'Europe/Berlin',
    [
      {
        ...sched(
          'work',
          [1, 1, 12, 31],
          WEEKDAYS,
          [
            { fromMin: 0, pricePerKwh: 0.1 },
            { fromMin: 16 * 60, pricePerKwh: 0.3, demandChargePerKw: 8 },
            { fromMin: 20 * 60, pricePerKwh: 0.1 },
          ],
          10,
        ),
      },
      { ...sched('rest', [1, 1, 12, 31], WEEKENDS, bands([0], [0.05]), 10), holidays: true },
    ],
    { currency: 'EUR', exportPricePerKwh: 0.07, holidays: ['2026-12-25'] },
  );

  it('a listed holiday takes the schedule that says holidays, on a weekday too', () => {
    // Fri 25 Dec 2026 17:00 CET = 16:00Z: a holiday; Thu 24 Dec 17:00 is the weekday peak.
    expect(energyPriceAt(t, at('2026-12-25T16:00:00Z'))).toBe(0.05);
    expect(energyPriceAt(t, at('2026-12-24T16:00:00Z'))).toBe(0.3);
    expect(t.currency).toBe('EUR');
    expect(t.exportPricePerKwh).toBe(0.07);
  });

  it('a band demand charge is paid on the month peak within that band, on top of the monthly one', () => {
    // Thu 24 Dec 2026: 20 kW for 15 min at 12:00 CET (11:00Z), 12 kW for 15 min at 16:00 CET (15:00Z).
    const kw = new Float64Array(24);
    kw[0] = 20;
    kw[16] = 12;
    const s = { startMs: at('2026-12-24T11:00:00Z'), stepMs: 15 * 60_000, kw };
    const [m] = monthlyDemandCharges(t, s);
    expect(m!.peakKw).toBe(20);
    expect(m!.bandCharges).toEqual([
      {
        scheduleId: 'work',
        fromMin: 960,
        peakKw: 12,
        peakAtMs: at('2026-12-24T15:00:00Z'),
        chargePerKw: 8,
        charge: 96,
      },
    ]);
    expect(m!.charge).toBe(20 * 10 + 96);
    expect(demandCharge(t, s)).toBe(296);
  });
});
