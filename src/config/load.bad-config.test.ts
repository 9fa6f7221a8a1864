/** loadSiteConfigText on bad site files: each problem found, where (path, line, column) and in words. */
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from './load.ts';
import { FILE, problems, yaml } from './testing/load-text.ts';

interface BadCase {
  name: string;
  text: string;
  severity?: 'error' | 'warning';
  path: string;
  message: RegExp;
  line: number;
  column: number;
}

const cases: BadCase[] = [
  {
    name: 'unknown key',
    text: yaml(
      'site: { timeZone: Europe/Paris }', // 1
      'circuits:', // 2
      '  - id: main', // 3
      '    limitA: 63', // 4
      '    limt: 5', // 5
    ),
    path: 'circuits[0].limt',
    message: /^unknown key 'limt' \(did you mean 'limitA'\?\)$/,
    line: 5,
    column: 5,
  },
  {
    name: 'port on a missing circuit',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - { id: main, limitA: 63 }',
      'stations:',
      '  - { id: cp1, circuit: mian }', // 5
    ),
    path: 'stations[0].circuit',
    message: /^circuit 'mian' does not exist \(did you mean 'main'\?\)$/,
    line: 5,
    column: 25,
  },
  {
    name: 'cycle in the tree',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - { id: main, limitA: 63 }',
      '  - { id: a, parent: c, limitA: 32 }', // 4
      '  - { id: b, parent: a, limitA: 32 }',
      '  - { id: c, parent: b, limitA: 32 }',
    ),
    path: 'circuits[1].parent',
    message: /^circuits form a cycle: a → c → b → a$/,
    line: 4,
    column: 22,
  },
  {
    name: 'duplicate circuit id',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - { id: main, limitA: 63 }',
      '  - { id: main, limitA: 32 }', // 4
    ),
    path: 'circuits[1].id',
    message: /^duplicate circuit id 'main' \(first used at circuits\[0\]\)$/,
    line: 4,
    column: 11,
  },
  {
    name: 'duplicate station id',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations:',
      '  - { id: cp1, circuit: main }',
      '  - { id: cp1, circuit: main }', // 5
    ),
    path: 'stations[1].id',
    message: /^duplicate station id 'cp1'/,
    line: 5,
    column: 11,
  },
  {
    name: 'duplicate meter id',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'meters:',
      '  - { id: m, role: load, circuit: main, driver: { type: modbus, host: 127.0.0.1, preset: sdm630 } }',
      '  - { id: m, role: pv, circuit: main, driver: { type: modbus, host: 127.0.0.1, preset: sdm630 } }', // 5
    ),
    path: 'meters[1].id',
    message: /^duplicate meter id 'm'/,
    line: 5,
    column: 11,
  },
  {
    name: 'duplicate port (same connector twice)',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations:',
      '  - id: cp1',
      '    circuit: main',
      '    ports: [{ connectorId: 1 }, { connectorId: 1 }]', // 6
    ),
    path: 'stations[0].ports[1].connectorId',
    message: /^connector 1 is used twice on station 'cp1'$/,
    line: 6,
    column: 48,
  },
  {
    name: 'negative limit',
    text: yaml('site: { timeZone: Europe/Paris }', 'circuits:', '  - id: main', '    limitA: -5'),
    path: 'circuits[0].limitA',
    message: /^must be greater than 0 A$/,
    line: 4,
    column: 13,
  },
  {
    name: 'child above its parent (warning)',
    severity: 'warning',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - { id: main, limitA: 63 }',
      '  - { id: sub, parent: main, limitA: 80 }', // 4
    ),
    path: 'circuits[1].limitA',
    message: /^80 A is above the 63 A of parent 'main'/,
    line: 4,
    column: 38,
  },
  {
    name: 'wiring the supply does not have',
    text: yaml(
      'site: { timeZone: America/New_York, supply: 120/240V-split }',
      'circuits: [{ id: main, limitA: 100 }]',
      'stations:',
      '  - { id: cp1, circuit: main, phases: L3 }', // 4
    ),
    path: 'stations[0].phases',
    message: /^wiring L3 needs L3, which circuit 'main' \(120\/240V-split\) does not have: it has L1, L2$/,
    line: 4,
    column: 39,
  },
  {
    name: 'line to line on single phase',
    text: yaml(
      'site: { timeZone: Europe/London, supply: 230V-1P }',
      'circuits: [{ id: main, limitA: 40 }]',
      'stations:',
      '  - id: cp1',
      '    circuit: main',
      '    ports: [{ phases: L1-L2 }]', // 6
    ),
    path: 'stations[0].ports[0].phases',
    message: /^wiring L1-L2 needs L2/,
    line: 6,
    column: 23,
  },
  {
    name: 'bad time zone',
    text: yaml('site:', '  timeZone: Europe/Pariss', 'circuits: [{ id: main, limitA: 63 }]'),
    path: 'site.timeZone',
    message: /^'Europe\/Pariss' is not an IANA time zone/,
    line: 2,
    column: 13,
  },
  {
    name: 'schedule time 25:00',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - id: main',
      '    limitA: 63',
      '    schedule:',
      '      weekly:',
      "        - { days: [mon], from: '07:00', to: '25:00', limitA: 32 }", // 7
    ),
    path: 'circuits[0].schedule.weekly[0].to',
    message: /^'25:00' is not a local time "HH:MM" from 00:00 to 24:00$/,
    line: 7,
    column: 45,
  },
  {
    name: 'YAML syntax error',
    text: yaml('site: { timeZone: Europe/Paris }', 'circuits:', '  - id: main', '    limitA: [63'),
    path: '',
    message: /^YAML: /,
    line: 5,
    column: 1,
  },
  {
    name: 'missing required key',
    text: yaml('site: { timeZone: Europe/Paris }', 'circuits:', '  - id: main', '    name: Main'),
    path: 'circuits[0].limitA',
    message: /^missing required key 'limitA'$/,
    line: 3,
    column: 5,
  },
  {
    name: 'min above max',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations:',
      '  - { id: cp1, circuit: main, minA: 20, maxA: 16 }', // 4
    ),
    path: 'stations[0].minA',
    message: /^minA 20 A is above maxA 16 A$/,
    line: 4,
    column: 37,
  },
  {
    name: 'DC port without maxKw',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'stations:',
      '  - { id: dc, circuit: main, type: DC }', // 4
    ),
    path: 'stations[0].ports[0]',
    message: /^DC port 'dc\/1' needs maxKw/,
    line: 4,
    column: 5,
  },
  {
    name: 'load meter named as PV',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits:',
      '  - { id: main, limitA: 63, pv: [m] }', // 3
      'meters:',
      '  - { id: m, role: load, driver: { type: modbus, host: 127.0.0.1, preset: sdm630 } }',
    ),
    path: 'circuits[0].pv[0]',
    message: /^meter 'm' is a load meter; `pv` takes PV meters$/,
    line: 3,
    column: 34,
  },
  {
    name: 'unknown meter driver type',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 63 }]',
      'meters:',
      '  - { id: m, role: load, circuit: main, driver: { type: modbuss } }', // 4
    ),
    path: 'meters[0].driver.type',
    message: /^'modbuss' is not one of: modbus$/,
    line: 4,
    column: 57,
  },
  {
    name: 'port minimum the circuit can never give',
    text: yaml(
      'site: { timeZone: Europe/Paris }',
      'circuits: [{ id: main, limitA: 10 }]',
      'stations:',
      '  - { id: cp1, circuit: main, maxA: 10 }', // 4
      '  - { id: cp2, circuit: main, minA: 12, maxA: 16 }', // 5
    ),
    path: 'stations[1].ports[0]',
    message: /^port 'cp2\/1' needs 12 A at its minimum on circuit 'main', which allows 10 A/,
    line: 5,
    column: 5,
  },
];

describe('loadSiteConfigText: bad configurations', () => {
  it.each(cases)('$name', (c) => {
    const found = problems(c.text);
    const match = found.find((p) => p.path === c.path && c.message.test(p.message));
    expect(match, JSON.stringify(found, null, 2)).toBeDefined();
    expect(match).toMatchObject({
      severity: c.severity ?? 'error',
      file: FILE,
      line: c.line,
      column: c.column,
    });
  });

  it('reports every error, not only the first', () => {
    const found = problems(
      yaml(
        'site: { timeZone: Nowhere/Atlantis }',
        'circuits:',
        '  - { id: main, limitA: 0 }',
        '  - { id: sub, parent: nope, limitA: 16 }',
        'stations:',
        '  - { id: cp1, circuit: sub, phases: L4 }',
        '  - { id: cp2, circuit: gone }',
        'colour: blue',
      ),
    );
    expect(found.map((p) => p.path)).toEqual([
      'site.timeZone',
      'circuits[0].limitA',
      'circuits[1].parent',
      'stations[0].phases',
      'stations[1].circuit',
      'colour',
    ]);
    expect(found.every((p) => p.severity === 'error')).toBe(true);
  });

  it('keeps checking the other elements when one element is invalid', () => {
    const found = problems(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - { id: main, limitA: -1 }',
        '  - { id: main, limitA: 16 }',
        'stations:',
        '  - { id: cp1, circuit: main }',
        '  - { id: cp2, circuit: other }',
      ),
    );
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'circuits[0].limitA: must be greater than 0 A',
      "circuits[1].id: duplicate circuit id 'main' (first used at circuits[0])",
      "stations[1].circuit: circuit 'other' does not exist",
    ]);
  });

  it('reports an empty file and a file that is not a map', () => {
    expect(problems('')).toMatchObject([{ severity: 'error', line: 1, column: 1, message: /empty/ }]);
    expect(problems('- a\n- b\n')).toMatchObject([{ severity: 'error', message: /must be a map/ }]);
  });

  it('reports duplicate YAML keys as syntax errors at their position', () => {
    expect(problems(yaml('site: { timeZone: Europe/Paris }', 'site: {}'))).toMatchObject([
      { severity: 'error', line: 2, column: 1, path: '', message: 'YAML: Map keys must be unique' },
    ]);
  });

  it('rejects giving both marginA and marginPct', () => {
    const found = problems(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - { id: main, limitA: 63, marginA: 2, marginPct: 5 }',
      ),
    );
    expect(found).toMatchObject([
      { path: 'circuits[0].marginPct', message: 'give marginA or marginPct, not both' },
    ]);
  });

  it('rejects AC settings on a DC port and DC settings on an AC port', () => {
    const found = problems(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 200 }]',
        'stations:',
        '  - { id: dc, circuit: main, type: DC, maxKw: 50, maxA: 80 }',
        '  - { id: ac, circuit: main, maxKw: 11 }',
      ),
    );
    expect(found.map((p) => p.path)).toEqual(['stations[0].maxA', 'stations[1].maxKw']);
  });

  it('warns about solar modes on a site without PV', () => {
    const r = loadSiteConfigText(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 63 }]',
        'stations: [{ id: cp1, circuit: main, chargingMode: solar-only }]',
      ),
      FILE,
    );
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([{ severity: 'warning', path: 'stations[0].chargingMode' }]);
  });

  it('warns about a schedule entry that does not lower the limit', () => {
    const r = loadSiteConfigText(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - id: main',
        '    limitA: 63',
        '    schedule:',
        "      weekly: [{ days: [sat, sun], from: '00:00', to: '24:00', limitA: 80 }]",
      ),
      FILE,
    );
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([
      { severity: 'warning', path: 'circuits[0].schedule.weekly[0].limitA' },
    ]);
  });

  it('checks schedule exceptions: a date, or from before to', () => {
    const found = problems(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - id: main',
        '    limitA: 63',
        '    schedule:',
        '      exceptions:',
        "        - { date: '2025-02-30' }",
        "        - { from: '2025-06-02T10:00', to: '2025-06-01T10:00' }",
        "        - { date: '2025-06-01', from: '2025-06-01T10:00', to: '2025-06-01T12:00' }",
      ),
    );
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "circuits[0].schedule.exceptions[0].date: '2025-02-30' is not a date YYYY-MM-DD",
      'circuits[0].schedule.exceptions[1].to: to must be after from',
      'circuits[0].schedule.exceptions[2]: an exception has either a date, or from and to',
    ]);
  });
});
