import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from '../../config/load.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import type { MeterReading } from '../../contracts/meter-reading.ts';
import { EvModel } from './ev-model.ts';
import { constantLoad, withSteps } from './profiles.ts';
import { SimGateway } from '../devices/sim-gateway.ts';
import type { MeterSink } from './site-world.ts';
import { SiteWorld } from './site-world.ts';
import { VirtualClock } from './virtual-clock.ts';

const DRIVER = 'driver: { type: modbus, host: 127.0.0.1, port: 502, unitId: 1, preset: sdm630 }';

function site(yaml: string): CompiledSite {
  const r = loadSiteConfigText(yaml, 't.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.compiled;
}

const CARPORT = site(`
site: { name: t, timeZone: Europe/Berlin }
circuits:
  - { id: grid, kind: grid, limitA: 100, meter: gm, staleNonEvLoadA: 40 }
  - { id: carport, parent: grid, limitA: 63, pv: [pv] }
meters:
  - { id: gm, role: load, circuit: grid, timeoutMs: 3000, ${DRIVER} }
  - { id: pv, role: pv, circuit: carport, timeoutMs: 3000, ${DRIVER} }
stations:
  - { id: a, circuit: carport, phases: L1 }
  - { id: b, circuit: carport, phases: L2L3L1 }
`);

const ev = (id: string, phases: 1 | 3, maxCurrentA: number): EvModel =>
  new EvModel({
    id,
    batteryKwh: 60,
    socPct: 20,
    phases,
    maxCurrentA,
    arrivalMs: 0,
    responseDelayMs: 0,
    startDelayMs: 0,
  });

class SinkSpy implements MeterSink {
  readonly readings: MeterReading[] = [];
  readonly statuses: { meterId: string; stale: boolean; atMs: number }[] = [];
  constructor(private readonly clock: VirtualClock) {}
  onMeterReading(r: MeterReading): void {
    this.readings.push(r);
  }
  onMeterStatus(meterId: string, stale: boolean): void {
    this.statuses.push({ meterId, stale, atMs: this.clock.nowMs() });
  }
}

describe('SiteWorld', () => {
  it('adds car draws (through wiring), building load and PV per circuit and phase; meters read it signed', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1, 10));
    const gateway = new SimGateway(CARPORT, clock);
    const world = new SiteWorld({
      site: CARPORT,
      clock,
      gateway,
      loads: [{ circuitId: 'grid', profile: constantLoad([10, 20, 30]) }],
      pv: [{ meterId: 'pv', profile: () => 6.9 }],
    });
    const sink = new SinkSpy(clock);
    world.connect(sink);
    world.addEv('a/1', ev('one-phase', 1, 10));
    world.addEv('b/1', ev('three-phase', 3, 16));
    world.start();
    await clock.advanceBy(2000);
    // a: 10 A on L1. b: 16 A on its three conductors, wired L2, L3, L1. PV: 10 A per phase exported.
    expect(world.circuitLoad('carport').slice(0, 3)).toEqual([16, 6, 6]);
    expect(world.circuitLoad('grid').slice(0, 3)).toEqual([26, 26, 36]);
    expect(world.circuitLoad('grid')[3]).toBeCloseTo(2.3 + 16 * 3 * 0.23 - 6.9 + 60 * 0.23, 9);
    const grid = sink.readings.filter((r) => r.meterId === 'gm').at(-1)!;
    expect(grid.currentA).toEqual([26, 26, 36]);
    expect(grid.powerKw).toBeCloseTo(20.24, 9);
    const pv = sink.readings.filter((r) => r.meterId === 'pv').at(-1)!;
    expect(pv.currentA).toEqual([-10, -10, -10]);
    expect(pv.powerKw).toBeCloseTo(-6.9, 9);
    expect(pv.productionKw).toBeCloseTo(6.9, 9);
    expect(sink.statuses.filter((s) => !s.stale).map((s) => s.meterId)).toEqual(['gm', 'pv']);
  });

  it('maps loads behind a transformer onto the primary (delta-wye)', async () => {
    const cs = site(`
site: { name: t, timeZone: America/Chicago, supply: 277/480V }
circuits:
  - { id: service, kind: grid, limitA: 800 }
  - { id: xfmr, kind: transformer, parent: service, supply: 120/208V, limitA: 416 }
stations:
  - { id: p, circuit: xfmr, phases: L1-L2 }
`);
    const clock = new VirtualClock();
    const gateway = new SimGateway(cs, clock, { failSafeA: new Map([['p/1', 30]]) });
    const world = new SiteWorld({
      site: cs,
      clock,
      gateway,
      loads: [{ circuitId: 'xfmr', profile: constantLoad([0, 0, 40]) }],
    });
    world.addEv('p/1', ev('car', 1, 32));
    world.start();
    await clock.advanceBy(1000);
    expect(world.circuitLoad('xfmr').slice(0, 3)).toEqual([30, 30, 40]);
    // Primary L_j = (I_j + I_j+1) × 120 / 480.
    const [l1, l2, l3] = world.circuitLoad('service');
    expect([l1, l2, l3]).toEqual([15, 17.5, 17.5]);
  });

  it('measures time and ampere-seconds over the limit per phase', async () => {
    const cs = site(`
site: { name: t, timeZone: Europe/Berlin }
circuits:
  - { id: c, limitA: 32 }
`);
    const clock = new VirtualClock(0);
    const world = new SiteWorld({
      site: cs,
      clock,
      gateway: new SimGateway(cs, clock),
      tickMs: 100,
      loads: [
        {
          circuitId: 'c',
          profile: withSteps(constantLoad([30, 20, 20]), [
            { atMs: 1000, addA: [10, 0, 20] },
            { atMs: 6000, addA: [-10, 0, -20] },
          ]),
        },
      ],
    });
    world.start();
    await clock.advanceBy(10_000);
    const v = world.violations();
    expect(
      v.map((o) => [o.dimension, o.overMs, Math.round(o.overIntegral * 1000) / 1000, o.maxOver]),
    ).toEqual([
      ['L1', 5000, 40, 8],
      ['L3', 5000, 40, 8],
    ]);
    expect(v[0]!.firstAtMs).toBe(1000);
  });

  it('a silent meter goes stale after its timeout, as the poller reports it; it comes back fresh', async () => {
    const clock = new VirtualClock(0);
    const world = new SiteWorld({
      site: CARPORT,
      clock,
      gateway: new SimGateway(CARPORT, clock),
      meterIntervalMs: 1000,
    });
    const sink = new SinkSpy(clock);
    world.connect(sink);
    world.start();
    await clock.advanceBy(5000);
    world.setMeterSilent('gm', true);
    await clock.advanceBy(10_000);
    world.setMeterSilent('gm', false);
    await clock.advanceBy(1000);
    const gm = sink.statuses.filter((s) => s.meterId === 'gm');
    // Readings every second; the last one before the silence at 5000, stale 3000 ms (its timeout) later;
    // the first one after it at 16 000.
    expect(gm).toEqual([
      { meterId: 'gm', stale: false, atMs: 0 },
      { meterId: 'gm', stale: true, atMs: 8000 },
      { meterId: 'gm', stale: false, atMs: 16_000 },
    ]);
  });

  it('limits in force follow the circuit schedule', () => {
    const cs = site(`
site: { name: t, timeZone: Europe/Berlin }
circuits:
  - id: c
    limitA: 63
    schedule:
      weekly: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: '17:00', to: '21:00', limitA: 40 }]
`);
    const clock = new VirtualClock(0);
    const world = new SiteWorld({ site: cs, clock, gateway: new SimGateway(cs, clock) });
    expect(world.limitAt('c', Date.UTC(2026, 9, 24, 14, 59, 59)).limitA).toBe(63); // 16:59:59 CEST
    expect(world.limitAt('c', Date.UTC(2026, 9, 24, 15, 0)).limitA).toBe(40); // 17:00 CEST
    expect(world.limitAt('c', Date.UTC(2026, 9, 25, 15, 30)).limitA).toBe(63); // 16:30 CET
    expect(world.limitAt('c', Date.UTC(2026, 9, 25, 16, 0)).limitA).toBe(40); // 17:00 CET
  });
});
