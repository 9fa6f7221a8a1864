/**
 * Scenario tests (issue #5), continued: a scheduled limit across a change of summer time, solar-only
 * charging under clouds, 100 ports on one circuit for 8 hours, and the demo site (see scenarios.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { EvSpec } from '../sim/world/ev-model.ts';
import { buildingLoadProfile, createRng, pvProfile } from '../sim/world/profiles.ts';
import { DEFAULT_SOLAR_OPTIONS } from '../core/solar.ts';
import { DEFAULT_CONTROL_OPTIONS } from './control-options.ts';
import { describeOverloads, jainIndex, report, TransitionCounter } from './testing/scenario-metrics.ts';
import { building, TZ } from './testing/scenario-sites.ts';
import { bigCar, SimHarness, siteFromYaml, TEST_DRIVER } from './testing/sim-harness.ts';

describe('scenario 5: a scheduled limit across the change from winter to summer time', () => {
  it('the allocation follows each boundary of a weekday 17:00–21:00 limit in Europe/Berlin; never over it', async () => {
    const site = siteFromYaml(`
site: { name: t, timeZone: ${TZ} }
circuits:
  - id: c
    limitA: 63
    marginA: 1
    schedule:
      weekly: [{ days: [mon, tue, wed, thu, fri], from: '17:00', to: '21:00', limitA: 32, label: evening peak }]
stations:
  - { id: a, circuit: c }
  - { id: b, circuit: c }
  - { id: x, circuit: c }
`);
    const periodMs = DEFAULT_CONTROL_OPTIONS.periodMs;
    const leadMs = DEFAULT_CONTROL_OPTIONS.scheduleLeadMs;
    // Friday 27 March 2026 is on CET (UTC+1); the clocks go forward on Sunday 29; Monday 30 is on CEST.
    const boundaries = {
      friDown: Date.UTC(2026, 2, 27, 16, 0),
      friUp: Date.UTC(2026, 2, 27, 20, 0),
      monDown: Date.UTC(2026, 2, 30, 15, 0),
      monUp: Date.UTC(2026, 2, 30, 19, 0),
    };
    const h = new SimHarness({
      site,
      startMs: Date.UTC(2026, 2, 27, 14, 0),
      tickMs: 1000,
      gateway: { meterValuesIntervalMs: 60_000 },
    });
    for (const day of [27, 30]) {
      for (const p of ['a/1', 'b/1', 'x/1']) {
        const arrive = Date.UTC(2026, 2, day, 14, 30);
        h.world.addEv(p, bigCar(`${p}@${day}`, arrive, { departureMs: Date.UTC(2026, 2, day, 21, 30) }));
      }
    }
    const runs: { atMs: number; sumA: number }[] = [];
    h.loop.onRun((s) => runs.push({ atMs: s.atMs, sumA: s.allocation.reduce((t, a) => t + a.currentA, 0) }));
    await h.advanceTo(Date.UTC(2026, 2, 30, 22, 0));

    const firstRun = (fromMs: number, ok: (sumA: number) => boolean): number =>
      runs.find((r) => r.atMs >= fromMs && ok(r.sumA))!.atMs;
    const measured: Record<string, number> = {};
    for (const [name, b] of Object.entries(boundaries)) {
      if (name.endsWith('Down')) {
        // Lowered ahead of the boundary (lead), and never above the scheduled capacity from then on.
        const at = firstRun(b - leadMs - periodMs, (s) => s <= 31 + 1e-6);
        measured[name] = at - b;
        expect(at).toBeLessThanOrEqual(b);
        expect(
          runs.filter((r) => r.atMs >= at && r.atMs < b + 3_600_000).every((r) => r.sumA <= 31 + 1e-6),
        ).toBe(true);
      } else {
        const at = firstRun(b, (s) => s > 31 + 1e-6);
        measured[name] = at - b;
        expect(at - b).toBeLessThanOrEqual(periodMs);
      }
    }
    report('5 schedule + DST', { ...measured, over: describeOverloads(h.world.violations()) });
    expect(describeOverloads(h.world.violations())).toEqual([]);
    expect(measured.friDown).toBe(-leadMs); // 17:00 CET = 16:00Z
    expect(measured.monDown).toBe(-leadMs); // 17:00 CEST = 15:00Z
  });
});

describe('scenario 6: solar-only charging under a cloudy sky', () => {
  const site = siteFromYaml(`
site: { name: solar, timeZone: ${TZ} }
circuits:
  - { id: grid, kind: grid, limitA: 63, marginA: 3, meter: gm, staleNonEvLoadA: 30 }
  - { id: carport, kind: panel, parent: grid, limitA: 40, pv: [pv] }
meters:
  - { id: gm, role: load, circuit: grid, timeoutMs: 5000, ${TEST_DRIVER} }
  - { id: pv, role: pv, circuit: carport, timeoutMs: 10000, ${TEST_DRIVER} }
stations:
  - { id: sun, circuit: carport, chargingMode: solar-only }
`);

  async function sunnyDay(seed: number, solar: Record<string, number> = {}) {
    const start = Date.UTC(2026, 5, 10, 8, 0); // 10:00 CEST
    const hours = 6;
    const h = new SimHarness({
      site,
      startMs: start,
      tickMs: 1000,
      control: { solar },
      loads: [{ circuitId: 'grid', profile: building(seed, 4) }],
      pv: [
        {
          meterId: 'pv',
          profile: pvProfile({ seed, timeZone: TZ, peakKw: 11, cloudiness: 0.45, cloudStepMs: 240_000 }),
        },
      ],
    });
    const ev = h.world.addEv('sun/1', bigCar('sun', start, { maxCurrentA: 16, socPct: 10 }));
    const transitions = new TransitionCounter();
    let portKwh = 0;
    let fromGridKwh = 0;
    const gi = h.cs.circuitIndex.get('grid')! * DIM_COUNT + 3;
    h.world.onTick((s) => {
      transitions.add(ev.currentA, s.atMs);
      const portKw = ev.currentA * 0.69;
      const importKw = Math.max(0, s.circuits[gi]!);
      portKwh += (portKw * s.tickMs) / 3_600_000;
      // What the site imports while the port draws is the port's, up to what it draws.
      fromGridKwh += (Math.min(portKw, importKw) * s.tickMs) / 3_600_000;
    });
    await h.advanceBy(hours * 3_600_000);
    return { h, transitions, portKwh, fromGridKwh, hours };
  }

  it('follows the surplus without chattering and charges mostly from it', async () => {
    const r = await sunnyDay(6);
    const gridShare = r.fromGridKwh / r.portKwh;
    const { minOnMs, minOffMs } = DEFAULT_SOLAR_OPTIONS;
    report('6 solar', {
      starts: r.transitions.starts,
      stops: r.transitions.stops,
      shortestOnMin: r.transitions.shortestOnMs / 60_000,
      shortestOffMin: r.transitions.shortestOffMs / 60_000,
      portKwh: +r.portKwh.toFixed(2),
      fromGridKwh: +r.fromGridKwh.toFixed(2),
      gridShare: +gridShare.toFixed(3),
    });
    // No on or off shorter than the solar hysteresis allows (5 min on, 3 min off), to the physics step.
    expect(r.transitions.shortestOnMs).toBeGreaterThanOrEqual(minOnMs - 1000);
    expect(r.transitions.shortestOffMs).toBeGreaterThanOrEqual(minOffMs - 1000);
    // At most one start and one stop per 8 min in theory (90 in 6 h); clouds every few minutes give half
    // that at most (the same sky without hysteresis: hundreds, see below).
    const theoreticalMax = (2 * r.hours * 3_600_000) / (minOnMs + minOffMs);
    expect(r.transitions.transitions).toBeLessThanOrEqual(theoreticalMax / 2);
    expect(r.transitions.starts).toBeGreaterThanOrEqual(1);
    expect(r.portKwh).toBeGreaterThan(10);
    // What comes from the grid is the minimum current kept through short clouds (stop delay, minimum on).
    expect(gridShare).toBeLessThan(0.25);
    expect(describeOverloads(r.h.world.violations())).toEqual([]);
  });

  it('negative control: without hysteresis the same sky makes it chatter', async () => {
    const r = await sunnyDay(6, { startDelayMs: 0, stopDelayMs: 0, minOnMs: 0, minOffMs: 0 });
    report('6 solar without hysteresis', { transitions: r.transitions.transitions });
    expect(r.transitions.transitions).toBeGreaterThan(30);
  });
});

describe('scenario 7: 100 ports on one 400 A circuit for 8 hours', () => {
  it('nobody starves: every car gets a fair share; no overload', async () => {
    const wirings = ['L1L2L3', 'L2L3L1', 'L3L1L2'];
    const stations = Array.from(
      { length: 50 },
      (_, i) =>
        `  - { id: d${String(i + 1).padStart(2, '0')}, circuit: depot, phases: ${wirings[i % 3]}, ports: 2 }`,
    ).join('\n');
    const site = siteFromYaml(`
site: { name: depot, timeZone: ${TZ} }
circuits:
  - { id: depot, limitA: 400 }
stations:
${stations}
`);
    const start = Date.UTC(2026, 0, 5, 19, 0); // 20:00: the night shift
    const rng = createRng(7);
    const h = new SimHarness({
      site,
      startMs: start,
      tickMs: 5000,
      control: { periodMs: 10_000 },
      gateway: { meterValuesIntervalMs: 60_000, meterValuesAligned: true },
    });
    const evs = site.ports.map((p, i) =>
      h.world.addEv(
        p.id,
        bigCar(`van${i}`, start + rng.int(0, 600_000), {
          maxCurrentA: rng.pick([16, 32]),
          socPct: rng.int(5, 30),
          batteryKwh: 120,
        }),
      ),
    );
    const t = performance.now();
    await h.advanceBy(8 * 3_600_000);
    const energy = evs.map((e) => e.energyKwh);
    const mean = energy.reduce((a, b) => a + b, 0) / energy.length;
    const min = Math.min(...energy);
    const jain = jainIndex(energy);
    report('7 depot', {
      meanKwh: +mean.toFixed(2),
      minKwh: +min.toFixed(2),
      maxKwh: +Math.max(...energy).toFixed(2),
      jain: +jain.toFixed(4),
      runs: h.loop.snapshot()!.runs,
      setpoints: h.gateway.stats.sent,
      wallMs: Math.round(performance.now() - t),
      over: describeOverloads(h.world.violations()),
    });
    expect(describeOverloads(h.world.violations())).toEqual([]);
    expect(jain).toBeGreaterThanOrEqual(0.9);
    expect(min).toBeGreaterThanOrEqual(0.7 * mean);
    // 400 A × 0.69 kW/A over 8 h is 2208 kWh at most: most of it is used.
    expect(energy.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.8 * 2208);
    // 8 simulated hours of ~8,000 runs are CPU-bound: 73 s was seen (over the 60 s default) on a 2-core
    // machine shared by several test runs.
  }, 600_000);
});

/** Cars for the demo site: a mix of one- and three-phase cars arriving over the first 40 minutes. */
function demoCars(cs: CompiledSite, seed: number, startMs: number): { portId: string; spec: EvSpec }[] {
  const rng = createRng(seed);
  const ports = cs.ports.map((p) => p.id);
  for (let i = ports.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ports[i], ports[j]] = [ports[j]!, ports[i]!];
  }
  return ports.map((portId, i) => {
    const port = cs.ports[cs.portIndex.get(portId)!]!;
    const arrivalMs = startMs + rng.int(0, 40 * 60_000);
    const leaves = rng.chance(0.3);
    const dc = port.currentType === 'DC';
    return {
      portId,
      spec: {
        id: `car${i}`,
        batteryKwh: rng.pick([40, 60, 80]),
        socPct: rng.int(10, 60),
        phases: dc || rng.chance(0.7) ? 3 : 1,
        maxCurrentA: dc ? port.maxCurrentA : rng.pick([16, 32]),
        arrivalMs,
        ...(leaves ? { departureMs: arrivalMs + rng.int(10, 30) * 60_000 } : {}),
        energyWantedKwh: rng.int(5, 40),
      },
    };
  });
}

async function demoHour(seed: number, durationMs = 3_600_000) {
  const { loadSiteConfigFile } = await import('../config/load.ts');
  const loaded = loadSiteConfigFile(new URL('../../examples/demo.yaml', import.meta.url).pathname);
  if (!loaded.ok) throw new Error('demo.yaml does not load');
  const cs = loaded.compiled;
  const start = Date.UTC(2026, 5, 9, 9, 0); // Tuesday 11:00 in Amsterdam: the lunch peak starts at 11:30
  const h = new SimHarness({
    site: cs,
    startMs: start,
    tickMs: 250,
    loads: [
      {
        circuitId: 'grid',
        profile: buildingLoadProfile({ seed, timeZone: cs.site.timeZone, baseA: 40, peakA: 45 }),
      },
    ],
    pv: [
      {
        meterId: 'carport-pv',
        profile: pvProfile({ seed, timeZone: cs.site.timeZone, peakKw: 15, cloudiness: 0.3 }),
      },
    ],
  });
  const cars = demoCars(cs, seed, start).map(({ portId, spec }) => ({
    portId,
    ev: h.world.addEv(portId, spec),
  }));
  await h.advanceBy(durationMs);
  return { h, cars };
}

describe('the demo site (examples/demo.yaml)', () => {
  it('runs a simulated hour with 20 cars arriving, without any overload, and the cars get energy', async () => {
    const { h, cars } = await demoHour(2026);
    const energy = cars.map((c) => c.ev.energyKwh);
    const total = energy.reduce((a, b) => a + b, 0);
    report('demo hour', {
      cars: cars.length,
      totalKwh: +total.toFixed(1),
      minKwh: +Math.min(...energy).toFixed(2),
      setpoints: h.gateway.stats.sent,
      runs: h.loop.snapshot()!.runs,
      perCar: cars.map((c) => `${c.portId}:${c.ev.energyKwh.toFixed(1)}`).join(' '),
    });
    expect(cars.length).toBe(20);
    expect(describeOverloads(h.world.violations())).toEqual([]);
    expect(total).toBeGreaterThan(60);
    // Every car that stayed at least 10 minutes got something; but solar-only ports charge from surplus only,
    // and this site imports all hour.
    for (const c of cars) {
      if (h.cs.ports[h.cs.portIndex.get(c.portId)!]!.chargingMode === 'solar-only') continue;
      const stayedMs = (c.ev.spec.departureMs ?? Infinity) - c.ev.spec.arrivalMs;
      if (c.ev.spec.arrivalMs < h.clock.nowMs() - 600_000 && stayedMs >= 600_000) {
        expect(c.ev.energyKwh, c.ev.id).toBeGreaterThan(0.1);
      }
    }
  });

  it('is deterministic: the same seed gives the same run, to the last setpoint', async () => {
    const fingerprint = async (seed: number) => {
      const { h, cars } = await demoHour(seed, 1_200_000);
      return JSON.stringify({
        energy: cars.map((c) => c.ev.energyKwh),
        stats: h.gateway.stats,
        runs: h.loop.snapshot()!.runs,
        grid: h.world.circuitLoad('grid'),
      });
    };
    const a = await fingerprint(5);
    expect(await fingerprint(5)).toBe(a);
    expect(await fingerprint(6)).not.toBe(a);
  });
});
