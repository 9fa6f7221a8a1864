import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './commands.ts';
import { datasetPath } from '../sim/testing/datasets.ts';
import { cli, jsonReport, simulateFixture, writeCsv } from './testing/simulate-cli.ts';

const { dir, SESSIONS } = simulateFixture();

describe('fusebox simulate', () => {
  it('--json: the last stdout line is {"runs":[...]} with the fields of issue 7', async () => {
    const { code, out, err } = await cli([
      '--sessions',
      SESSIONS,
      '--capacity-kw',
      '8',
      '--policy',
      'fcfs,llf,uncontrolled,fusebox',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/1 malformed row\(s\) skipped/);
    expect(err.join('\n')).toMatch(/line 7/);
    const last = jsonReport<{ runs: Record<string, unknown>[] }>(out);
    expect(last.runs.map((r) => r.policy)).toEqual(['fcfs', 'llf', 'uncontrolled', 'fusebox']);
    for (const r of last.runs) {
      expect(Object.keys(r).sort()).toEqual(
        [
          'policy',
          'capacityKw',
          'demandMetPct',
          'sessionsFullyServedPct',
          'peakKw',
          'demandPeakKw',
          'energyCost',
          'demandCharge',
          'violationAmpSeconds',
          'jainIndex',
          'stepP99Ms',
          'turnedAwaySessions',
          'turnedAwayKwh',
        ].sort(),
      );
      expect(r.capacityKw).toBe(8);
      // The aggregate model is made of the data's stations: every car finds its port.
      expect(r.turnedAwaySessions).toBe(0);
    }
    const by = (policy: string): Record<string, unknown> => last.runs.find((r) => r.policy === policy)!;
    expect(by('fcfs').violationAmpSeconds).toBe(0);
    expect(by('uncontrolled').violationAmpSeconds as number).toBeGreaterThan(0);
    expect(by('uncontrolled').peakKw as number).toBeGreaterThan(8);
    expect(by('llf').peakKw as number).toBeLessThanOrEqual(8 + 1e-6);
  });

  it('through `fusebox simulate`, with a sweep, a report and sizing', async () => {
    const report = join(dir, 'report');
    const out: string[] = [];
    const code = await main(
      [
        'simulate',
        '--sessions',
        SESSIONS,
        '--sweep-capacity',
        '4:12:4',
        '--policy',
        'edf,round-robin',
        '--report',
        report,
        '--json',
      ],
      (l) => out.push(l),
    );
    expect(code).toBe(0);
    const runs = jsonReport<{ runs: { capacityKw: number; demandMetPct: number }[] }>(out).runs;
    expect(runs.map((r) => r.capacityKw)).toEqual([4, 4, 8, 8, 12, 12]);
    expect(runs[4]!.demandMetPct).toBeGreaterThanOrEqual(runs[0]!.demandMetPct);
    const files = readdirSync(report).sort();
    expect(files).toContain('report.md');
    expect(files).toContain('sweep.svg');
    expect(files.some((f) => f.startsWith('load-edf-'))).toBe(true);
    const svg = readFileSync(join(report, 'sweep.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/);
    expect(readFileSync(join(report, 'report.md'), 'utf8')).toMatch(/\| edf \| 8\.0 \|/);

    const sized = await cli(['--sessions', SESSIONS, '--size-for', '99', '--policy', 'llf', '--json']);
    expect(sized.code).toBe(0);
    const s = jsonReport<{ sizing: { capacityKw: number; demandMetPct: number }[] }>(sized.out).sizing[0]!;
    expect(s.demandMetPct).toBeGreaterThanOrEqual(99);
    // Just below the size found, LLF misses the target.
    const below = await cli([
      '--sessions',
      SESSIONS,
      '--capacity-kw',
      String(s.capacityKw - 0.6),
      '--policy',
      'llf',
      '--json',
    ]);
    expect(jsonReport<{ runs: { demandMetPct: number }[] }>(below.out).runs[0]!.demandMetPct).toBeLessThan(
      99,
    );
  }, 60_000);

  it('--tariff: energy cost and demand charge of the grid import (SCE TOU-EV-4, $15.51/kW)', async () => {
    const tariff = datasetPath('tariffs/sce_tou_ev_4_march_2019.json');
    const { code, out } = await cli([
      '--sessions',
      SESSIONS,
      '--capacity-kw',
      '8',
      '--policy',
      'edf',
      '--tariff',
      tariff,
      '--time-zone',
      'America/Los_Angeles',
      '--json',
    ]);
    expect(code).toBe(0);
    const run = jsonReport<{
      runs: { energyCost: number; demandCharge: number; demandPeakKw: number }[];
    }>(out).runs[0]!;
    expect(run.demandPeakKw).toBeGreaterThan(0);
    expect(run.demandPeakKw).toBeLessThanOrEqual(8 + 1e-6);
    expect(run.demandCharge).toBeCloseTo(run.demandPeakKw * 15.51, 1);
    // About 100 kWh at 5.6 to 26.7 cents.
    expect(run.energyCost).toBeGreaterThan(2);
    expect(run.energyCost).toBeLessThan(30);
  });

  it('--objective cost: the planner and the offline LP deliver the same energy at a lower cost than fair charging', async () => {
    // Two cars plugged in overnight on a Monday in May (SCE TOU-EV-4 winter: 6.1 ¢ before 08:00, $15.51/kW).
    const overnight = writeCsv(dir, 'overnight.csv', [
      'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
      'n1,S1,2024-05-06T15:00:00Z,2024-05-07T15:00:00Z,20,7.2',
      'n2,S2,2024-05-06T16:00:00Z,2024-05-07T14:00:00Z,15,7.2',
    ]);
    const tariff = datasetPath('tariffs/sce_tou_ev_4_march_2019.json');
    const run = async (objective: string) => {
      const { code, out, err } = await cli([
        '--sessions',
        overnight,
        '--capacity-kw',
        '20',
        '--policy',
        'fusebox,offline',
        '--tariff',
        tariff,
        '--time-zone',
        'America/Los_Angeles',
        '--objective',
        objective,
        '--json',
      ]);
      expect(err).toEqual([]);
      expect(code).toBe(0);
      type Run = {
        policy: string;
        demandMetPct: number;
        energyCost: number;
        demandCharge: number;
        violationAmpSeconds: number;
      };
      return jsonReport<{ runs: Run[] }>(out).runs;
    };
    const [fair, offlineEnergy] = await run('energy');
    const [planner, offlineCost] = await run('cost');
    const total = (r: { energyCost: number; demandCharge: number }): number => r.energyCost + r.demandCharge;
    for (const r of [fair!, offlineEnergy!, planner!, offlineCost!]) {
      expect(r.demandMetPct).toBeCloseTo(100, 2);
      expect(r.violationAmpSeconds).toBe(0);
    }
    // Fair charging takes both cars at full power at once (≈ 14.4 kW of demand); spread over the night,
    // 35 kWh need about 35 / 23 h ≈ 1.5 kW: the planner pays well under half the fair run's bill.
    expect(total(planner!)).toBeLessThan(0.5 * total(fair!));
    // The offline optimum knows the same here (both cars are present before either needs to charge).
    expect(total(offlineCost!)).toBeLessThanOrEqual(total(planner!) + 0.5);
    expect(total(offlineCost!)).toBeLessThan(total(offlineEnergy!));
  }, 120_000);

  it('--battery-kwh/--battery-kw: the runs keep energyCost, demandCharge and demandMetPct, and add the battery’s throughput and final SoC', async () => {
    const tariff = datasetPath('tariffs/sce_tou_ev_4_march_2019.json');
    const base = ['--sessions', SESSIONS, '--capacity-kw', '8', '--policy', 'fusebox,uncontrolled'];
    const tz = ['--tariff', tariff, '--time-zone', 'America/Los_Angeles', '--json'];
    const without = await cli([...base, ...tz]);
    const withB = await cli([
      ...base,
      '--battery-kwh',
      '30',
      '--battery-kw',
      '10',
      '--battery-soc-pct',
      '90',
      ...tz,
    ]);
    expect(withB.code).toBe(0);
    type Run = Record<string, number | string>;
    const runs = (o: string[]): Run[] => jsonReport<{ runs: Run[] }>(o).runs;
    for (const r of runs(without.out)) expect(r).not.toHaveProperty('batteryThroughputKwh');
    const [fusebox, uncontrolled] = runs(withB.out);
    for (const r of [fusebox!, uncontrolled!])
      for (const k of [
        'energyCost',
        'demandCharge',
        'demandMetPct',
        'batteryThroughputKwh',
        'batteryFinalSocPct',
      ])
        expect(typeof r[k], k).toBe('number');
    // Fusebox discharges it for the cars the 8 kW leave short; uncontrolled leaves it idle at 90 %.
    expect(fusebox!.batteryThroughputKwh as number).toBeGreaterThan(1);
    expect(fusebox!.demandMetPct as number).toBeGreaterThan(runs(without.out)[0]!.demandMetPct as number);
    expect(fusebox!.violationAmpSeconds).toBe(0);
    expect(uncontrolled!.batteryThroughputKwh).toBe(0);
    expect(uncontrolled!.batteryFinalSocPct).toBe(90);
    // The table shows them too.
    const table = await cli([...base, '--battery-kwh', '30', '--battery-kw', '10']);
    expect(table.out.join('\n')).toMatch(/battery kWh/);
  }, 120_000);

  it('--objective must be energy or cost', async () => {
    const { code, err } = await cli(['--sessions', SESSIONS, '--capacity-kw', '8', '--objective', 'money']);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--objective is energy or cost, not 'money'/);
  });
});
