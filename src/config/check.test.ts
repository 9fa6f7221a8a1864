import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';

const root = join(import.meta.dirname, '../..');
const example = (name: string): string => join(root, 'examples', name);

function check(path: string): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCheck(path, (line) => lines.push(line));
  return { code, lines };
}

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fusebox-check-')), 'site.yaml');
  writeFileSync(file, text);
  return file;
}

describe('runCheck', () => {
  it('prints the tree with limits, ports and oversubscription, and exits 0', () => {
    const path = example('small.yaml');
    const { code, lines } = check(path);
    expect(code).toBe(0);
    expect(lines).toEqual([
      "site 'Small office' (Europe/Paris)",
      '1 circuit, 3 stations (2 on OCPP 1.6, 1 on OCPP 2.0.1), 6 ports, 0 meters',
      '',
      'carpark "Car park feeder": 63 A/phase, 230/400V, margin 3.2 A, SLM',
      '  ports: 6 × AC 32 A L1L2L3 (cp1/1 … cp3/2)',
      '  Σ max of 6 ports: 192 A/phase vs 59.9 A usable → 3.21× oversubscribed',
      '',
      `${path}: OK, 0 warnings`,
    ]);
  });

  it('indents each level of a deeper tree and shows transformers, meters and schedules', () => {
    const { code, lines } = check(example('demo.yaml'));
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(
      /^grid "Grid connection" \[grid\]: 250 A\/phase, 160 kW, 230\/400V, margin 10 A, DLM meter grid-meter/m,
    );
    expect(text).toMatch(/^ {2}office "Office car park" \[panel\]/m);
    expect(text).toMatch(/^ {4}row-b .*schedule \(1 weekly entry, 1 exception\)/m);
    expect(text).toMatch(/^ {6}ports: 1 × DC 50 kW L1L2L3 \(dc-1\/1\)$/m);
    expect(text).toMatch(/^ {2}grid-meter: load on grid, modbus 127\.0\.0\.1:1502 unit 1/m);
    const commercial = check(example('commercial-480.yaml')).lines.join('\n');
    expect(commercial).toMatch(/^ {2}xfmr-t1 .*120\/208V \(transformer\)/m);
  });

  it('prints warnings and still exits 0', () => {
    const file = tempFile(
      [
        'site: { timeZone: Europe/Paris }',
        'circuits:',
        '  - { id: main, limitA: 63 }',
        '  - { id: sub, parent: main, limitA: 80 }',
      ].join('\n'),
    );
    const { code, lines } = check(file);
    expect(code).toBe(0);
    expect(lines).toContain(
      `${file}:4:38  circuits[1].limitA  warning: 80 A is above the 63 A of parent 'main': the parent's limit is the one that holds`,
    );
    expect(lines.at(-1)).toBe(`${file}: OK, 1 warning`);
  });

  it('prints every error as file:line:column  path  message and exits 2', () => {
    const file = tempFile(
      [
        'site: { timeZone: Mars/Olympus }',
        'circuits:',
        '  - { id: main, limitA: 63, colour: red }',
        'stations:',
        '  - { id: cp1, circuit: nowhere }',
      ].join('\n'),
    );
    const { code, lines } = check(file);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${file}:1:19  site.timeZone  'Mars/Olympus' is not an IANA time zone (e.g. Europe/Paris, America/New_York)`,
      `${file}:3:29  circuits[0].colour  unknown key 'colour'`,
      `${file}:5:25  stations[0].circuit  circuit 'nowhere' does not exist`,
      `${file}: 3 errors, 0 warnings`,
    ]);
  });

  it('refuses the retired `simulated` meter driver with what to use instead, and exits 2', () => {
    // Fusebox never read a `simulated` driver: the meter stayed stale. The demo's meters are Modbus TCP.
    const file = tempFile(
      [
        'site: { timeZone: Europe/Paris }',
        'circuits: [{ id: main, limitA: 63, meter: m }]',
        'meters:',
        '  - { id: m, role: load, driver: { type: simulated, profile: office } }',
      ].join('\n'),
    );
    const { code, lines } = check(file);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${file}:4:42  meters[0].driver.type  'simulated' is not a meter driver: Fusebox reads meters over Modbus TCP only (type: modbus); the demo's simulated meters are Modbus TCP servers too`,
      `${file}: 1 error, 0 warnings`,
    ]);
  });

  it('reports YAML syntax errors with their position and exits 2', () => {
    const file = tempFile('site: { timeZone: Europe/Paris\ncircuits: []\n');
    const { code, lines } = check(file);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+  -  YAML: `),
    );
  });

  it('exits 2 with a clear message for a missing file or a directory', () => {
    expect(check('/nonexistent/site.yaml')).toEqual({
      code: 2,
      lines: [
        '/nonexistent/site.yaml: cannot read the site configuration: no such file',
        '/nonexistent/site.yaml: 1 error, 0 warnings',
      ],
    });
    expect(check(join(root, 'examples')).lines[0]).toMatch(/this is a directory, not a file$/);
  });

  // The CLI entry imports the whole app; this runs once src/app.ts exists.
  it.skipIf(!existsSync(join(root, 'src/app.ts')))(
    'runs as `node bin/fusebox.js check examples/small.yaml`',
    () => {
      const ok = spawnSync(process.execPath, ['bin/fusebox.js', 'check', 'examples/small.yaml'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, FUSEBOX_FROM_SOURCE: '1' },
      });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain('examples/small.yaml: OK, 0 warnings');
      const missing = spawnSync(process.execPath, ['bin/fusebox.js', 'check', 'examples/missing.yaml'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, FUSEBOX_FROM_SOURCE: '1' },
      });
      expect(missing.status).toBe(2);
      expect(missing.stdout + missing.stderr).toContain('no such file');
    },
  );
});

describe('runCheck with a tariff', () => {
  it('prints the tariff: seasons, demand charges and the demand cap settings', () => {
    const { code, lines } = check(example('tariff-sce-tou-ev-4.yaml'));
    expect(code).toBe(0);
    expect(lines).toContain(
      "tariff 'SCE TOU-EV-4' (USD): 2 seasons (summer: months 6-9, demand 15.51/kW; winter: months 10-5, demand 15.51/kW); demand cap on 15-min windows, floor 20 kW",
    );
  });
});
