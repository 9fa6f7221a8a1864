import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { main } from './cli/commands.ts';
import { runSimulate } from './simulate-command.ts';
import { datasetPath } from './sim/testing/datasets.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusebox-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Generic CSV (docs/simulate.md): six sessions on three stations, one malformed row (line 8).
const SESSIONS = join(dir, 'sessions.csv');
writeFileSync(
  SESSIONS,
  [
    'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
    'a,S1,2024-05-06T08:00:00Z,2024-05-06T12:00:00Z,20,7.2',
    'b,S2,2024-05-06T08:10:00Z,2024-05-06T10:00:00Z,9,7.2',
    'c,S3,2024-05-06T09:00:00Z,2024-05-06T17:00:00Z,30,11',
    'd,S1,2024-05-06T12:30:00Z,2024-05-06T16:00:00Z,12,7.2',
    'e,S2,2024-05-06T10:15:00Z,2024-05-06T18:00:00Z,25,7.2',
    'f,S3,not-a-time,2024-05-06T18:00:00Z,25,7.2',
    'g,S2,2024-05-06T18:15:00Z,2024-05-06T19:00:00Z,3,7.2',
  ].join('\n'),
);

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSimulate(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

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
    const last = JSON.parse(out[out.length - 1]!) as { runs: Record<string, unknown>[] };
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
    const runs = (JSON.parse(out.at(-1)!) as { runs: { capacityKw: number; demandMetPct: number }[] }).runs;
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
    const s = (JSON.parse(sized.out.at(-1)!) as { sizing: { capacityKw: number; demandMetPct: number }[] })
      .sizing[0]!;
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
    expect(
      (JSON.parse(below.out.at(-1)!) as { runs: { demandMetPct: number }[] }).runs[0]!.demandMetPct,
    ).toBeLessThan(99);
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
    const run = (
      JSON.parse(out.at(-1)!) as {
        runs: { energyCost: number; demandCharge: number; demandPeakKw: number }[];
      }
    ).runs[0]!;
    expect(run.demandPeakKw).toBeGreaterThan(0);
    expect(run.demandPeakKw).toBeLessThanOrEqual(8 + 1e-6);
    expect(run.demandCharge).toBeCloseTo(run.demandPeakKw * 15.51, 1);
    // About 100 kWh at 5.6 to 26.7 cents.
    expect(run.energyCost).toBeGreaterThan(2);
    expect(run.energyCost).toBeLessThan(30);
  });

  it('--objective cost: the planner and the offline LP deliver the same energy at a lower cost than fair charging', async () => {
    // Two cars plugged in overnight on a Monday in May (SCE TOU-EV-4 winter: 6.1 ¢ before 08:00, $15.51/kW).
    const overnight = join(dir, 'overnight.csv');
    writeFileSync(
      overnight,
      [
        'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
        'n1,S1,2024-05-06T15:00:00Z,2024-05-07T15:00:00Z,20,7.2',
        'n2,S2,2024-05-06T16:00:00Z,2024-05-07T14:00:00Z,15,7.2',
      ].join('\n'),
    );
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
      return (JSON.parse(out.at(-1)!) as { runs: Run[] }).runs;
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
    const runs = (o: string[]): Run[] => (JSON.parse(o.at(-1)!) as { runs: Run[] }).runs;
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

  // Eight cars of another site (stations the site file does not have) all plugged in from 08:00 to 12:00.
  const FOREIGN = join(dir, 'foreign.csv');
  writeFileSync(
    FOREIGN,
    [
      'session_id,station_id,arrival,departure,energy_kwh,max_power_kw',
      ...Array.from(
        { length: 8 },
        (_, i) => `f${i},home-${i},2024-05-06T08:0${i}:00Z,2024-05-06T12:00:00Z,${5 + i},7.4`,
      ),
    ].join('\n'),
  );
  const SMALL = new URL('../examples/small.yaml', import.meta.url).pathname;

  it('--assign-ports free puts a foreign workload on the site file’s 6 ports; the cars turned away count as demand not met', async () => {
    const { code, out, err } = await cli([
      '--sessions',
      FOREIGN,
      '--site',
      SMALL,
      '--assign-ports',
      'free',
      '--policy',
      'fusebox,uncontrolled',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const runs = (JSON.parse(out.at(-1)!) as { runs: Record<string, number>[] }).runs;
    // The first six to arrive (5 to 10 kWh) plug in; f6 and f7 (11 and 12 kWh) are turned away.
    const demand = 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12;
    for (const r of runs) {
      expect(r.turnedAwaySessions).toBe(2);
      expect(r.turnedAwayKwh).toBe(23);
      expect(r.demandMetPct).toBeCloseTo((100 * (demand - 23)) / demand, 3);
      expect(r.sessionsFullyServedPct).toBe(75);
    }

    // The table and the report say so too.
    const report = join(dir, 'report-foreign');
    const table = await cli([
      '--sessions',
      FOREIGN,
      '--site',
      SMALL,
      '--assign-ports',
      'free',
      '--report',
      report,
    ]);
    expect(table.code).toBe(0);
    expect(table.err.join('\n')).toMatch(/6; 2 session\(s\) \(23\.0 kWh of demand\) turned away/);
    expect(table.out.join('\n')).toMatch(/cars on free ports \(6 ports, 2 turned away \(23\.0 kWh\)\)/);
    expect(table.out.at(-1)).toMatch(/^fusebox .* 2 \(23\) /);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    expect(md).toMatch(/\| turned away \| turned away kWh \|/);
    expect(md).toMatch(/\| fusebox \| 43\.5 \| 66\.18 \| 75\.0 \| 2 \| 23\.0 \|/);
  });

  it('sizing with cars turned away: out of reach for all the demand, and the service the cars that found a port need', async () => {
    const { code, out } = await cli([
      '--sessions',
      FOREIGN,
      '--site',
      SMALL,
      '--assign-ports',
      'free',
      '--size-for',
      '99',
      '--policy',
      'fusebox',
      '--json',
    ]);
    expect(code).toBe(0);
    const sizing = (
      JSON.parse(out.at(-1)!) as {
        sizing: { basis: string; capacityKw: number | null; demandMetPct: number }[];
      }
    ).sizing;
    expect(sizing.map((x) => x.basis)).toEqual(['all', 'plugged-in']);
    expect(sizing[0]!.capacityKw).toBeNull();
    expect(sizing[0]!.demandMetPct).toBeCloseTo((100 * 45) / 68, 1);
    // 45 kWh in 4 h (less the late arrivals' minutes): a little over 11 kW.
    expect(sizing[1]!.capacityKw!).toBeGreaterThan(11);
    expect(sizing[1]!.capacityKw!).toBeLessThan(14);
    expect(sizing[1]!.demandMetPct).toBeGreaterThanOrEqual(99);
  }, 60_000);

  it('as in the data, stays that overlap beyond a station’s ports are turned away and reported', async () => {
    const overlap = join(dir, 'overlap.csv');
    writeFileSync(
      overlap,
      [
        'session_id,station_id,arrival,departure,energy_kwh',
        'a,cp1,2024-05-06T08:00:00Z,2024-05-06T12:00:00Z,10',
        'b,cp1,2024-05-06T08:30:00Z,2024-05-06T12:00:00Z,10',
        'c,cp1,2024-05-06T09:00:00Z,2024-05-06T10:00:00Z,4',
        'd,cp2,2024-05-06T09:00:00Z,2024-05-06T10:00:00Z,4',
      ].join('\n'),
    );
    const { code, out, err } = await cli(['--sessions', overlap, '--site', SMALL, '--json']);
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(
      /1 session\(s\) \(4\.0 kWh of demand\) arrive while every port of their station is still occupied.*--assign-ports free/,
    );
    const run = (JSON.parse(out.at(-1)!) as { runs: Record<string, number>[] }).runs[0]!;
    expect(run.turnedAwaySessions).toBe(1);
    expect(run.demandMetPct).toBeCloseTo((100 * 24) / 28, 3);
  });

  const bad: [string[], RegExp][] = [
    [
      ['--sessions', FOREIGN, '--site', SMALL],
      /8 station\(s\) of the sessions are not in the network: home-0, .*; to place the sessions on the network's own ports, use --assign-ports free/,
    ],
    [
      ['--sessions', FOREIGN, '--site', SMALL, '--assign-ports', 'as-in-data'],
      /not in the network: .*use --assign-ports free/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--assign-ports', 'anywhere'],
      /--assign-ports is as-in-data or free, not 'anywhere'/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--assign-ports', 'free'],
      /--assign-ports free needs a network with ports of its own/,
    ],
    [['--capacity-kw', '10'], /--sessions FILE/],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--policy', 'greedy'],
      /'greedy' is not a policy; use fusebox, uncontrolled/,
    ],
    [['--sessions', SESSIONS, '--capacity-kw', '0'], /--capacity-kw is a capacity in kW above 0, not '0'/],
    [['--sessions', SESSIONS, '--sweep-capacity', '10:5:1'], /--sweep-capacity is FROM:TO:STEP/],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--sweep-capacity', '1:2:1'],
      /give one of --capacity-kw, --sweep-capacity and --size-for/,
    ],
    [['--sessions', SESSIONS], /needs --capacity-kw, --sweep-capacity or --size-for/],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--step', '7 parsecs'],
      /--step is a duration such as 5m/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--network', 'mesh'],
      /--network is aggregate, caltech or caltech-linear, not 'mesh'/,
    ],
    [['--sessions', SESSIONS, '--capacity-kw', '10', '--frobnicate'], /unknown option '--frobnicate'/],
    [
      ['--sessions', join(dir, 'missing.csv'), '--capacity-kw', '10'],
      /missing\.csv: cannot read the session file/,
    ],
    [
      ['--sessions', SESSIONS, '--network', 'caltech', '--capacity-kw', '10'],
      /not in the network: S1, S2, S3; .*--assign-ports free/,
    ],
    [['--sessions', SESSIONS, '--capacity-kw', '10', '--size-for', '101'], /--size-for is a percentage/],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--tariff', join(dir, 'none.json')],
      /none\.json: cannot read tariff JSON/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--time-zone', 'Mars/Olympus'],
      /'Mars\/Olympus' is not an IANA time zone/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--building', SESSIONS, '--bdew', 'x9:5'],
      /--bdew is PROFILE:ANNUAL_KWH/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--taper', '0.8', '--battery-kwh', '60'],
      /--battery-kwh is the site battery's energy now: the taper model's car battery is --car-battery-kwh/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--car-battery-kwh', '60'],
      /--car-battery-kwh only applies with --taper/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--battery-kwh', '50'],
      /a site battery needs both --battery-kwh KWH and --battery-kw KW/,
    ],
    [
      ['--sessions', SESSIONS, '--capacity-kw', '10', '--battery-efficiency', '0.9'],
      /--battery-efficiency needs a site battery: --battery-kwh KWH --battery-kw KW/,
    ],
    [
      [
        '--sessions',
        SESSIONS,
        '--capacity-kw',
        '10',
        '--battery-kwh',
        '50',
        '--battery-kw',
        '25',
        '--battery-efficiency',
        '1.2',
      ],
      /--battery-efficiency is a round-trip efficiency above 0 and at most 1, not '1.2'/,
    ],
    [
      [
        '--sessions',
        SESSIONS,
        '--capacity-kw',
        '10',
        '--battery-kwh',
        '50',
        '--battery-kw',
        '25',
        '--battery-reserve-pct',
        '100',
      ],
      /--battery-reserve-pct is a percentage from 0 to below 100, not '100'/,
    ],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with a clear message: ${args.slice(-2).join(' ')}`, async () => {
      const { code, err, out } = await cli(args);
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(message);
      expect(out).toEqual([]);
    });
  }
});
