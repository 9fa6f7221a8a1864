/** The demand cap's bookkeeping with explicit inputs: month edges, the estimate without a grid meter, the need rule. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from '../config/load.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { PortDemand } from '../core/allocation.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import type { DemandStore } from './demand-cap.ts';
import { DemandCap } from './demand-cap.ts';
import type { DemandPeakRecord, DemandPinRecord } from '../core/demand-window.ts';

const MIN = 60_000;
const logger = pino({ level: 'silent' });
const TARIFF = `
tariff:
  demand: { floorKw: 5 }
  seasons:
    - name: all
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
      demandPerKw: 15.51
      prices: [{ days: [weekdays, weekends], bands: [{ from: '00:00', perKwh: 0.1 }] }]
`;

function load(circuits: string, extra = '') {
  const r = loadSiteConfigText(
    `site: { name: s, timeZone: America/Los_Angeles }\n${circuits}\n${extra}\n${TARIFF}`,
    't.yaml',
  );
  if (!r.ok || !r.tariff) throw new Error(r.problems.map((p) => `${p.path} ${p.message}`).join('\n'));
  return r;
}

class MemoryStore implements DemandStore {
  peaks = new Map<string, DemandPeakRecord>();
  pinned: DemandPinRecord | null = null;
  peak(period: string) {
    return this.peaks.get(period);
  }
  pin() {
    return this.pinned;
  }
  savePeak(p: DemandPeakRecord) {
    const old = this.peaks.get(p.period);
    if (!old || p.peakKw > old.peakKw) this.peaks.set(p.period, p);
    return Promise.resolve();
  }
  savePin(p: DemandPinRecord | null) {
    this.pinned = p;
    return Promise.resolve();
  }
}

const reading = (meterId: string, powerKw: number, atMs: number): MeterObservation => ({
  stale: false,
  reading: { meterId, atMs, currentA: [10, 10, 10], powerKw } as unknown as MeterObservation['reading'],
});

describe('the demand cap', () => {
  const metered = load(
    'circuits:\n  - { id: grid, limitA: 400, meter: gm }\nmeters:\n  - { id: gm, role: load, circuit: grid, driver: { type: modbus, host: 127.0.0.1, port: 502, unitId: 1, preset: sdm630 } }',
    'stations:\n  - { id: a, circuit: grid }',
  );
  const cs = metered.compiled;
  const evLoad = new Float64Array(cs.circuits.length * DIM_COUNT);

  it('charges a window that ends after midnight on the 1st to the month it started in (local time)', () => {
    const store = new MemoryStore();
    const cap = new DemandCap({ tariff: metered.tariff!, floorKw: 5, store, logger });
    // 31 March 2019 23:45 PDT = 1 April 06:45Z; 40 kW for that window, then 10 kW in April.
    const t = Date.parse('2019-04-01T06:45:00Z');
    const run = (atMs: number, kw: number): number =>
      cap.update({
        site: cs,
        meters: new Map([['gm', reading('gm', kw, atMs)]]),
        evLoad,
        previous: null,
        nowMs: atMs,
      });
    run(t, 40);
    run(t + 15 * MIN, 10);
    run(t + 30 * MIN, 10);
    expect(store.peaks.get('2019-03')).toMatchObject({ peakKw: 40, peakAtMs: t });
    expect(store.peaks.get('2019-04')).toMatchObject({ peakKw: 10, peakAtMs: t + 15 * MIN });
    // April's target is April's peak (10 kW), not March's 40.
    expect(cap.state()).toMatchObject({
      period: '2019-04',
      periodPeakKw: 10,
      targetKw: 10,
      targetReason: 'period peak',
    });
    expect(cap.state()!.estimatedDemandCharge).toBeCloseTo(10 * 15.51, 9);
  });

  it('a new process starts from the stored peak of the month', () => {
    const store = new MemoryStore();
    store.peaks.set('2019-04', { period: '2019-04', peakKw: 33, peakAtMs: 1, windowMs: 15 * MIN });
    const cap = new DemandCap({ tariff: metered.tariff!, floorKw: 5, store, logger });
    const t = Date.parse('2019-04-10T18:00:00Z');
    cap.update({
      site: cs,
      meters: new Map([['gm', reading('gm', 3, t)]]),
      evLoad,
      previous: null,
      nowMs: t,
    });
    expect(cap.state()).toMatchObject({ periodPeakKw: 33, targetKw: 33, targetReason: 'period peak' });
  });

  it('raises the target to the least power that serves a deadline, and a pin wins over it', async () => {
    const store = new MemoryStore();
    const cap = new DemandCap({ tariff: metered.tariff!, floorKw: 5, store, logger });
    const t = Date.parse('2019-04-10T18:00:00Z');
    // 8 kW of building load; a car leaving in 2 h needing 20 kWh on a 32 A 230 V three-phase port (22 kW).
    const demands: PortDemand[] = [{ portId: 'a/1', departureMs: t + 120 * MIN, energyRemainingKwh: 20 }];
    const ctx = {
      site: cs,
      meters: new Map([['gm', reading('gm', 8, t)]]),
      evLoad,
      previous: { circuits: [], demands },
      nowMs: t,
    };
    cap.update(ctx);
    expect(cap.state()).toMatchObject({ targetReason: 'cars need' });
    expect(cap.state()!.targetKw).toBeCloseTo(10 + 8, 9);
    await cap.pin(6, 'alice', t);
    cap.update(ctx);
    expect(cap.state()).toMatchObject({
      targetKw: 6,
      targetReason: 'pinned',
      pin: { targetKw: 6, by: 'alice' },
    });
    expect(store.pinned).toMatchObject({ targetKw: 6 });
  });

  it('without a grid meter it estimates the import from the allocated EV load and the metered circuits below', () => {
    const r = load(
      'circuits:\n  - { id: grid, limitA: 400 }\n  - { id: office, parent: grid, limitA: 100, meter: om }\n  - { id: cars, parent: grid, limitA: 100 }\nmeters:\n  - { id: om, role: load, circuit: office, driver: { type: modbus, host: 127.0.0.1, port: 502, unitId: 1, preset: sdm630 } }',
      'stations:\n  - { id: a, circuit: cars }',
    );
    const cap = new DemandCap({ tariff: r.tariff!, floorKw: 25, logger });
    const t = Date.parse('2019-04-10T18:00:00Z');
    const ev = new Float64Array(r.compiled.circuits.length * DIM_COUNT);
    const capKw = cap.update({
      site: r.compiled,
      meters: new Map([['om', reading('om', 12, t)]]),
      evLoad: ev,
      previous: { circuits: [{ circuitId: 'grid', load: [10, 10, 10, 6.9] }], demands: [] },
      nowMs: t,
    });
    expect(cap.state()).toMatchObject({ measuredBy: 'estimate', circuitId: 'grid' });
    expect(cap.state()!.gridKw).toBeCloseTo(6.9 + 12, 9);
    // The root has no meter, so the core does not subtract the office: the cap does (25 − 12 kW for EVs),
    // less the present power held for the 5 s lead over the 15 min window.
    const allowed = (25 * 15 * MIN - 18.9 * 5000) / (15 * MIN - 5000);
    expect(capKw).toBeCloseTo(allowed - 12, 9);
  });
});

describe('a failing demand cap', () => {
  it('never stops the allocation: the inputs go through without a cap, and it is logged', () => {
    const r = load(
      'circuits:\n  - { id: grid, limitA: 400, meter: gm }\nmeters:\n  - { id: gm, role: load, circuit: grid, driver: { type: modbus, host: 127.0.0.1, port: 502, unitId: 1, preset: sdm630 } }',
    );
    const broken: DemandStore = {
      peak: () => {
        throw new Error('disk I/O error');
      },
      pin: () => null,
      savePeak: () => Promise.resolve(),
      savePin: () => Promise.resolve(),
    };
    const logged: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const cap = new DemandCap({ tariff: r.tariff!, store: broken, logger: log });
    const t = Date.parse('2019-04-10T18:00:00Z');
    const inputs = { circuits: new Map([['grid', { emsLimitKw: 50 }]]) };
    const ctx = {
      site: r.compiled,
      meters: new Map([['gm', reading('gm', 8, t)]]),
      evLoad: new Float64Array(DIM_COUNT),
      previous: null,
      nowMs: t,
    };
    expect(cap.apply(inputs, ctx)).toBe(inputs);
    expect(logged.join('\n')).toMatch(/demand cap failed.*disk I\/O error/);
  });
});
