import { describe, expect, it } from 'vitest';
import { demandChargeRateAt, energyPriceAt } from '../core/tariff.ts';
import { loadSiteConfigText } from './load.ts';
import { problemLines } from './testing/load-text.ts';

const at = (iso: string): number => Date.parse(iso);

function site(tariff: string, zone = 'Europe/Berlin'): string {
  return `site: { name: t, timeZone: ${zone} }
circuits:
  - { id: main, limitA: 63 }
${tariff}`;
}

const GOOD = `tariff:
  name: Two seasons
  currency: EUR
  exportPerKwh: 0.08
  holidays: ['2026-12-25']
  demand: { windowMin: 15, targetKw: 40 }
  seasons:
    - name: winter
      months: [10, 11, 12, 1, 2, 3]
      demandPerKw: 12
      prices:
        - days: [weekdays]
          bands:
            - { from: '00:00', perKwh: 0.2 }
            - { from: '17:00', perKwh: 0.4, demandPerKw: 5 }
            - { from: '21:00', perKwh: 0.2 }
        - days: [weekends, holidays]
          bands: [{ from: '00:00', perKwh: 0.15 }]
    - name: summer
      months: [4, 5, 6, 7, 8, 9]
      demandPerKw: 9
      prices:
        - days: [mon, tue, wed, thu, fri, sat, sun]
          bands: [{ from: '00:00', perKwh: 0.25 }]
`;

describe('the tariff section', () => {
  it('loads into the core tariff: seasons by month, day types, bands, holidays, export, currency', () => {
    const r = loadSiteConfigText(site(GOOD), 'site.yaml');
    expect(r.problems).toEqual([]);
    if (!r.ok) throw new Error('must load');
    const t = r.tariff!;
    expect(t.name).toBe('Two seasons');
    expect(t.currency).toBe('EUR');
    expect(t.exportPricePerKwh).toBe(0.08);
    expect(t.timeZone).toBe('Europe/Berlin');
    expect(t.demandWindowMs).toBe(15 * 60_000);
    expect(energyPriceAt(t, at('2026-12-24T16:30:00Z'))).toBe(0.4); // Thu 17:30 CET
    expect(energyPriceAt(t, at('2026-12-25T16:30:00Z'))).toBe(0.15); // holiday (Friday)
    expect(energyPriceAt(t, at('2026-12-26T16:30:00Z'))).toBe(0.15); // Saturday
    expect(energyPriceAt(t, at('2026-07-01T16:30:00Z'))).toBe(0.25);
    // Month edge: 31 March 23:30 CEST is winter, 1 April 00:30 CEST summer (the zone's local months).
    expect(demandChargeRateAt(t, at('2026-03-31T21:30:00Z'))).toBe(12);
    expect(demandChargeRateAt(t, at('2026-03-31T22:30:00Z'))).toBe(9);
  });

  it('reports a month no season covers and a month covered twice, where they are', () => {
    const text = site(GOOD.replace('months: [10, 11, 12, 1, 2, 3]', 'months: [10, 11, 12, 1, 2, 4]'));
    expect(problemLines(text)).toEqual([
      'error 11:5 tariff.seasons: no season covers month 3 (March)',
      'error 23:16 tariff.seasons[1].months[0]: month 4 (April) is in season "winter" and in season "summer"',
    ]);
  });

  it('reports days without prices, days priced twice, bands out of order, a bad window', () => {
    const text = site(
      GOOD.replace('days: [weekends, holidays]', 'days: [sat, holidays]')
        .replace("{ from: '21:00', perKwh: 0.2 }", "{ from: '16:00', perKwh: 0.2 }")
        .replace('days: [weekdays]', 'days: [weekdays, sat]'),
    );
    expect(problemLines(text)).toEqual([
      'error 15:9 tariff.seasons[0].prices: season "winter" has no prices for Sundays',
      "error 19:23 tariff.seasons[0].prices[0].bands[2].from: bands must start in order: '16:00' is not after '17:00'",
      'error 20:18 tariff.seasons[0].prices[1].days[0]: Saturdays are priced twice in season "winter"',
    ]);
    expect(problemLines(site(GOOD.replace('windowMin: 15', 'windowMin: 7')))).toEqual([
      'error 9:24 tariff.demand.windowMin: must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 min)',
    ]);
  });

  it('warns at a band that starts in a DST gap of the site zone (02:30 does not exist on the spring day)', () => {
    const text = site(
      GOOD.replace("bands: [{ from: '00:00', perKwh: 0.25 }]", "bands: [{ from: '02:30', perKwh: 0.25 }]"),
    );
    const found = problemLines(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^warning 27:27 tariff\.seasons\[1\]\.prices\[0\]\.bands\[0\]\.from: '02:30' does not exist on \d{4}-03-\d{2} in Europe\/Berlin \(the clocks go from 02:00 to 03:00\): that day this band starts at 03:00$/,
    );
  });

  it('rejects unknown keys and bad values with their place', () => {
    expect(
      problemLines(
        site(GOOD.replace('currency: EUR', 'currency: euro').replace('perKwh: 0.15', 'perKwh: -1')),
      ),
    ).toEqual([
      "error 6:13 tariff.currency: 'euro' is not a currency code such as EUR or USD",
      'error 21:44 tariff.seasons[0].prices[1].bands[0].perKwh: must not be negative',
    ]);
  });
});
