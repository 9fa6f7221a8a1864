import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonReport, simulateFixture, writeCsv } from './testing/simulate-cli.ts';

const { dir, SESSIONS, FOREIGN, SMALL } = simulateFixture();
/** The foreign workload put on the small site file's free ports: the scenario of the first three tests. */
const FOREIGN_ON_FREE_PORTS = ['--sessions', FOREIGN, '--site', SMALL, '--assign-ports', 'free'];

describe('fusebox simulate: cars on ports, and bad arguments', () => {
  it('--assign-ports free puts a foreign workload on the site file’s 6 ports; the cars turned away count as demand not met', async () => {
    const { code, out, err } = await cli([
      ...FOREIGN_ON_FREE_PORTS,
      '--policy',
      'fusebox,uncontrolled',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const runs = jsonReport<{ runs: Record<string, number>[] }>(out).runs;
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
    const table = await cli([...FOREIGN_ON_FREE_PORTS, '--report', report]);
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
      ...FOREIGN_ON_FREE_PORTS,
      '--size-for',
      '99',
      '--policy',
      'fusebox',
      '--json',
    ]);
    expect(code).toBe(0);
    const sizing = jsonReport<{
      sizing: { basis: string; capacityKw: number | null; demandMetPct: number }[];
    }>(out).sizing;
    expect(sizing.map((x) => x.basis)).toEqual(['all', 'plugged-in']);
    expect(sizing[0]!.capacityKw).toBeNull();
    expect(sizing[0]!.demandMetPct).toBeCloseTo((100 * 45) / 68, 1);
    // 45 kWh in 4 h (less the late arrivals' minutes): a little over 11 kW.
    expect(sizing[1]!.capacityKw!).toBeGreaterThan(11);
    expect(sizing[1]!.capacityKw!).toBeLessThan(14);
    expect(sizing[1]!.demandMetPct).toBeGreaterThanOrEqual(99);
  }, 60_000);

  it('as in the data, stays that overlap beyond a station’s ports are turned away and reported', async () => {
    const overlap = writeCsv(dir, 'overlap.csv', [
      'session_id,station_id,arrival,departure,energy_kwh',
      'a,cp1,2024-05-06T08:00:00Z,2024-05-06T12:00:00Z,10',
      'b,cp1,2024-05-06T08:30:00Z,2024-05-06T12:00:00Z,10',
      'c,cp1,2024-05-06T09:00:00Z,2024-05-06T10:00:00Z,4',
      'd,cp2,2024-05-06T09:00:00Z,2024-05-06T10:00:00Z,4',
    ]);
    const { code, out, err } = await cli(['--sessions', overlap, '--site', SMALL, '--json']);
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(
      /1 session\(s\) \(4\.0 kWh of demand\) arrive while every port of their station is still occupied.*--assign-ports free/,
    );
    const run = jsonReport<{ runs: Record<string, number>[] }>(out).runs[0]!;
    expect(run.turnedAwaySessions).toBe(1);
    expect(run.demandMetPct).toBeCloseTo((100 * 24) / 28, 3);
  });

  // A run with a site battery of 50 kWh / 25 kW, for the battery options' checks.
  const WITH_BATTERY = [
    '--sessions',
    SESSIONS,
    '--capacity-kw',
    '10',
    '--battery-kwh',
    '50',
    '--battery-kw',
    '25',
  ];
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
      [...WITH_BATTERY, '--battery-efficiency', '1.2'],
      /--battery-efficiency is a round-trip efficiency above 0 and at most 1, not '1.2'/,
    ],
    [
      [...WITH_BATTERY, '--battery-reserve-pct', '100'],
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
