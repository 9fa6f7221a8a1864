import { describe, expect, it } from 'vitest';
import { loaded, yaml } from './testing/load-text.ts';

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
