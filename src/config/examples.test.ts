import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSiteConfigFile, loadSiteConfigText } from './load.ts';
import { siteConfigSchema } from './schema.ts';
import { demandChargeRateAt, energyPriceAt } from '../core/tariff.ts';
import { loadTariffFile } from '../sim/world/profiles-data/tariff-file.ts';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('examples', () => {
  it('include the five documented sites', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'small.yaml',
        'commercial-480.yaml',
        'depot-100.yaml',
        'solar-carport.yaml',
        'demo.yaml',
      ]),
    );
  });

  it.each(files)('%s passes the check without errors or warnings', (file) => {
    const result = loadSiteConfigFile(join(dir, file));
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it.each(files)('%s gives the same configuration through the one-piece schema', (file) => {
    const result = loadSiteConfigFile(join(dir, file));
    const whole = siteConfigSchema.parse(parse(readFileSync(join(dir, file), 'utf8'), { merge: true }));
    expect(result.ok && result.config).toEqual(whole);
  });

  it('small.yaml stays about twenty lines', () => {
    expect(readFileSync(join(dir, 'small.yaml'), 'utf8').trim().split('\n').length).toBeLessThanOrEqual(22);
  });

  it('depot-100 has 100 ports', () => {
    const depot = loadSiteConfigFile(join(dir, 'depot-100.yaml'));
    expect(depot.ok && depot.site.ports.length).toBe(100);
  });

  it('commercial-480 balances 208 V line-to-line chargers behind a transformer', () => {
    const r = loadSiteConfigFile(join(dir, 'commercial-480.yaml'));
    if (!r.ok) throw new Error('commercial-480.yaml must load');
    const panel = r.site.ports.filter((p) => p.circuitId === 'panel-p1');
    const count = (w: string): number => panel.filter((p) => p.wiring === w).length;
    expect([count('L1-L2'), count('L2-L3'), count('L3-L1')]).toEqual([4, 4, 4]);
    expect(r.site.circuits.find((c) => c.id === 'xfmr-t1')!.supply.lineToLineV).toBe(208);
    expect(r.site.circuits.find((c) => c.id === 'service')!.supply.lineToLineV).toBe(480);
  });

  it('demo is a 3-level site with ~20 ports, both OCPP versions, DLM, a schedule, PV and a DC charger', () => {
    const demo = loadSiteConfigFile(join(dir, 'demo.yaml'));
    if (!demo.ok) throw new Error('demo.yaml must load');
    const depth = (id: string | null): number =>
      id === null ? 0 : 1 + depth(demo.site.circuits.find((c) => c.id === id)!.parentId);
    expect(Math.max(...demo.site.circuits.map((c) => depth(c.id)))).toBe(3);
    expect(demo.site.ports.length).toBeGreaterThanOrEqual(18);
    expect(new Set(demo.config.stations.map((s) => s.ocppVersion))).toEqual(new Set(['1.6', '2.0.1']));
    expect(demo.site.ports.filter((p) => p.currentType === 'DC')).toHaveLength(1);
    expect(demo.site.circuits.some((c) => c.schedule)).toBe(true);
    expect(demo.site.circuits.find((c) => c.parentId === null)!.meterId).toBe('grid-meter');
    expect(demo.site.meters.some((m) => m.role === 'pv')).toBe(true);
  });
});

describe('docs/configuration.md', () => {
  it('has a full example that passes the check without problems', () => {
    const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    const block = /<!-- full-example -->\s*```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const result = loadSiteConfigText(block!, 'docs/configuration.md');
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe('the tariff examples', () => {
  it.each([
    ['tariff-sce-tou-ev-4.yaml', 'sce_tou_ev_4_march_2019.json'],
    ['tariff-pge-a10.yaml', 'pge_a10_tou_aug_2019.json'],
  ])('%s prices every 15 minutes of 2019 as datasets/tariffs/%s does', (file, json) => {
    const r = loadSiteConfigFile(join(dir, file));
    if (!r.ok || !r.tariff) throw new Error(`${file} must load with a tariff`);
    const { tariff: fromJson } = loadTariffFile(join(root, 'datasets/tariffs', json), r.tariff.timeZone);
    let checked = 0;
    for (let t = Date.UTC(2019, 0, 1, 8); t < Date.UTC(2020, 0, 1, 8); t += 15 * 60_000) {
      if (
        energyPriceAt(r.tariff, t) !== energyPriceAt(fromJson, t) ||
        demandChargeRateAt(r.tariff, t) !== demandChargeRateAt(fromJson, t)
      )
        throw new Error(`${file} and ${json} differ at ${new Date(t).toISOString()}`);
      checked++;
    }
    expect(checked).toBe(365 * 96);
  });
});
