import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energyPriceAt, demandChargeRateAt } from '../../../core/tariff.ts';
import { loadTariffFile, parseTariff } from './tariff-file.ts';
import { datasetPath } from '../../testing/datasets.ts';

const DATA = datasetPath('tariffs');
const LA = 'America/Los_Angeles';
const at = (iso: string): number => Date.parse(iso);

describe('tariff files (acnportal schema)', () => {
  it('SCE TOU-EV-4: summer weekday 13:00 = $0.26668/kWh, winter weekend $0.06087, demand $15.51/kW', () => {
    const { tariff, warnings } = loadTariffFile(join(DATA, 'sce_tou_ev_4_march_2019.json'), LA);
    expect(tariff.name).toBe('SCE TOU-EV-4');
    expect(warnings).toEqual([]);
    expect(energyPriceAt(tariff, at('2019-07-10T20:00:00Z'))).toBe(0.26668);
    expect(energyPriceAt(tariff, at('2019-03-09T20:00:00Z'))).toBe(0.06087);
    expect(demandChargeRateAt(tariff, at('2019-03-09T20:00:00Z'))).toBe(15.51);
  });

  it('PG&E A-10: fractional hours (8.5 = 08:30), "4-30" month-day, summer $19.99/kW and winter $11.66/kW', () => {
    const { tariff, warnings } = loadTariffFile(join(DATA, 'pge_a10_tou_aug_2019.json'), LA);
    expect(energyPriceAt(tariff, at('2019-08-06T15:29:00Z'))).toBe(0.14903); // Tue 08:29 PDT
    expect(energyPriceAt(tariff, at('2019-08-06T15:30:00Z'))).toBe(0.1771); // 08:30
    expect(energyPriceAt(tariff, at('2019-08-06T19:00:00Z'))).toBe(0.23223); // 12:00
    expect(demandChargeRateAt(tariff, at('2019-08-06T19:00:00Z'))).toBe(19.99);
    expect(demandChargeRateAt(tariff, at('2019-01-08T19:00:00Z'))).toBe(11.66);
    // Both winter schedules say "ALL": the first in the file applies, and the user is told.
    expect(energyPriceAt(tariff, at('2019-01-12T17:00:00Z'))).toBe(0.1477); // Saturday 09:00 PST
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /"Winter-Weekday" and "Winter-Weekend" both apply .*Saturdays.*"Winter-Weekday", first in the file, is used/,
    );
  });

  it.each([
    [{ schedule: [] }, /schedule: expected a non-empty array/],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '13-01',
            effective_end: '12-31',
            dow_mask: 'ALL',
            times: [0],
            tariffs: [0.1],
          },
        ],
      },
      /schedule\[0\]\.effective_start: expected a month-day "MM-DD", got "13-01"/,
    ],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '01-01',
            effective_end: '12-31',
            dow_mask: 'MONDAYS',
            times: [0],
            tariffs: [0.1],
          },
        ],
      },
      /schedule\[0\]\.dow_mask: expected one of ALL, WEEKDAYS, WEEKENDS/,
    ],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '01-01',
            effective_end: '12-31',
            dow_mask: 'ALL',
            times: [0, 8],
            tariffs: [0.1],
          },
        ],
      },
      /schedule\[0\]\.tariffs: expected one price per entry of times \(2\)/,
    ],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '01-01',
            effective_end: '12-31',
            dow_mask: 'ALL',
            times: [0, 'noon'],
            tariffs: [0.1, 0.2],
          },
        ],
      },
      /schedule\[0\]\.times\[1\]: expected a number, got "noon"/,
    ],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '01-01',
            effective_end: '12-31',
            dow_mask: 'WEEKDAYS',
            times: [0],
            tariffs: [0.1],
          },
        ],
      },
      /no schedule applies on 01-01 for Saturdays/,
    ],
    [
      {
        schedule: [
          {
            id: 'x',
            effective_start: '01-01',
            effective_end: '12-31',
            dow_mask: 'ALL',
            times: [0],
            tariffs: [0.1],
            demand_charge: -1,
          },
        ],
      },
      /demand_charge: must be ≥ 0/,
    ],
  ])('rejects a bad file with the field named (%#)', (json, message) => {
    expect(() => parseTariff(json, LA, 'bad.json')).toThrow(message);
  });

  it('an unreadable file and an unknown zone are errors naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-tariff-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "name": ');
    expect(() => loadTariffFile(path, LA)).toThrow(/broken\.json: cannot read tariff JSON/);
    expect(() => loadTariffFile(join(DATA, 'sce_tou_ev_4_march_2019.json'), 'Mars/Olympus')).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });
});
