import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from './config-problem.ts';
import type { LoadedSiteConfig } from './load.ts';
import { loadSiteConfigText } from './load.ts';

const FILE = 'site.yaml';

/** Joins lines, so that line numbers in the expectations can be read off the array. */
function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

function problems(text: string): readonly ConfigProblem[] {
  return loadSiteConfigText(text, FILE).problems;
}

function loaded(text: string): LoadedSiteConfig {
  const r = loadSiteConfigText(text, FILE);
  if (!r.ok)
    throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`).join('\n'));
  return r;
}

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

describe('loadSiteConfigText: the site model', () => {
  it('applies the defaults of a minimal site', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 63 }]',
        'stations: [{ id: cp1, circuit: main }]',
      ),
    );
    expect(r.config.site).toEqual({ name: 'Fusebox site', timeZone: 'Europe/Paris', supply: '230/400V' });
    expect(r.config.stations[0]!.ocppVersion).toBe('1.6');
    expect(r.site.circuits[0]).toMatchObject({
      id: 'main',
      parentId: null,
      limitA: 63,
      marginA: 0,
      supply: { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] },
    });
    expect(r.site.ports).toEqual([
      {
        id: 'cp1/1',
        stationId: 'cp1',
        connectorId: 1,
        circuitId: 'main',
        wiring: 'L1L2L3',
        currentType: 'AC',
        minCurrentA: 6,
        maxCurrentA: 32,
        stepA: 0.1,
        priority: 0,
        chargingMode: undefined,
      },
    ]);
  });

  it('gives ports their station defaults and a wiring that fits the supply', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: America/New_York, supply: 120/240V-split }',
        'circuits:',
        '  - { id: main, limitA: 200 }',
        "  - { id: garage, parent: main, limitA: 30, supply: '120V-1P', kind: transformer }",
        'stations:',
        '  - { id: a, circuit: main, maxA: 24, ports: 2 }',
        '  - { id: b, circuit: garage, ports: [{ maxA: 12 }, { connectorId: 5 }] }',
      ),
    );
    expect(r.site.ports.map((p) => [p.id, p.wiring, p.maxCurrentA])).toEqual([
      ['a/1', 'L1-L2', 24],
      ['a/2', 'L1-L2', 24],
      ['b/1', 'L1', 12],
      ['b/5', 'L1', 32],
    ]);
  });

  it('converts a DC port power to per-phase current at its circuit supply', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 200 }]',
        'stations: [{ id: dc, circuit: main, type: DC, maxKw: 50, minKw: 5 }]',
      ),
    );
    const port = r.site.ports[0]!;
    expect(port.maxCurrentA).toBeCloseTo(50 / 0.95 / 0.69, 6);
    expect(port.minCurrentA).toBeCloseTo(5 / 0.95 / 0.69, 6);
    expect(port).toMatchObject({ currentType: 'DC', maxPowerKw: 50, efficiency: 0.95 });
  });

  it('links meters from either side and defaults the stale load to the full limit', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - { id: grid, limitA: 100, meter: gm }',
        '  - { id: carport, parent: grid, limitA: 63, marginPct: 10 }',
        'meters:',
        '  - { id: gm, role: load, driver: { type: modbus, host: 10.0.0.2, preset: sdm630 } }',
        '  - { id: pv, role: pv, circuit: carport, driver: { type: modbus, host: 127.0.0.1, preset: sdm630 } }',
      ),
    );
    expect(r.site.circuits).toMatchObject([
      { id: 'grid', meterId: 'gm', staleNonEvLoadA: 100 },
      { id: 'carport', marginA: 6.3, pvMeterIds: ['pv'], meterId: undefined },
    ]);
    expect(r.site.meters).toEqual([
      { id: 'gm', role: 'load', circuitId: 'grid', timeoutMs: 5000 },
      { id: 'pv', role: 'pv', circuitId: 'carport', timeoutMs: 5000 },
    ]);
    expect(r.config.meters[0]!.driver).toMatchObject({
      type: 'modbus',
      host: '10.0.0.2',
      port: 502,
      unitId: 1,
      preset: 'sdm630',
      pollIntervalMs: 250,
    });
  });

  it('returns a frozen configuration and site', () => {
    const r = loaded(yaml('site: { timeZone: Europe/Paris }', 'circuits: [{ id: main, limitA: 63 }]'));
    expect(Object.isFrozen(r.config)).toBe(true);
    expect(Object.isFrozen(r.config.circuits[0])).toBe(true);
    expect(Object.isFrozen(r.site.circuits)).toBe(true);
  });

  it('reads unquoted OCPP versions, YAML anchors and x- keys', () => {
    const r = loaded(
      yaml(
        'x-wallbox: &wallbox { circuit: main, maxA: 16 }',
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 63 }]',
        'stations:',
        '  - { id: a, ocppVersion: 1.6, <<: *wallbox }',
        '  - { id: b, ocppVersion: 2.1, <<: *wallbox }',
      ),
    );
    expect(r.config.stations.map((s) => s.ocppVersion)).toEqual(['1.6', '2.1']);
    expect(r.site.ports.map((p) => p.maxCurrentA)).toEqual([16, 16]);
  });

  it('accepts several roots (separate grid connections)', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: north, limitA: 63 }, { id: south, limitA: 40 }]',
      ),
    );
    expect(r.compiled.parent).toEqual(Int32Array.from([-1, -1]));
  });

  it('compares a child across a transformer on its parent side', () => {
    const r = loaded(
      yaml(
        'site: { timeZone: America/Chicago, supply: 277/480V }',
        'circuits:',
        '  - { id: service, limitA: 200 }',
        '  - { id: t1, parent: service, supply: 120/208V, limitA: 416 }',
      ),
    );
    // 416 A at 208Y/120 V is about 180 A at 480Y/277 V: below 200 A, no warning.
    expect(r.problems).toEqual([]);
  });
});
