import { describe, expect, it } from 'vitest';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';
import type { EstimatePort, NonEvEstimate } from './non-ev-estimate.ts';
import { CarObservations, evLoadForMeters, LimitHistory } from './non-ev-estimate.ts';
import { LIMIT_FALL_SLACK_MS, OVERLOAD_TIME_CONSTANT_MS, recordLimitsInForce } from './overload-rule.ts';
import { siteFromYaml, TEST_DRIVER } from './testing/sim-harness.ts';

/** A metered grid with one two-port station; `limits`: the grid's limitA (and marginA). */
const gridSite = (limits: string) =>
  siteFromYaml(`
site: { name: t, timeZone: Europe/Berlin }
circuits:
  - { id: grid, kind: grid, ${limits}, meter: gm, staleNonEvLoadA: 60 }
meters:
  - { id: gm, role: load, circuit: grid, timeoutMs: 5000, ${TEST_DRIVER} }
stations:
  - { id: s, circuit: grid, ports: 2 }
`);
const CS = gridSite('limitA: 100');
const RESPONSE_MS = 5000;

const reading = (atMs: number, a: number): MeterReading => ({
  meterId: 'gm',
  atMs,
  currentA: [a, a, a],
  voltageV: [230, 230, 230],
  powerKw: null,
  powerPhaseKw: [null, null, null],
  energyImportKwh: null,
  energyExportKwh: null,
  rejected: [],
});

const port = (portId: string, measuredA?: number, atMs = 0): EstimatePort => ({
  portId,
  minCurrentA: 6,
  measured: measuredA === undefined ? undefined : { conductorA: [measuredA, measuredA, measuredA], atMs },
  effectiveLimitA: 16,
});

/** The non-EV load on L1 of the grid the estimate arrives at. */
function nonEvL1(
  ports: EstimatePort[],
  history: LimitHistory,
  r: MeterReading | null,
  prev: Map<string, NonEvEstimate>,
): number {
  const ev = evLoadForMeters(CS, ports, history, new Map([['gm', r]]), prev, RESPONSE_MS);
  return r ? r.currentA[0]! - ev[CS.circuitIndex.get('grid')! * DIM_COUNT]! : NaN;
}

describe('LimitHistory', () => {
  it('gives the lowest and highest limit in force over a window, and the last change', () => {
    const h = new LimitHistory();
    expect(h.range('p', 0, 100)).toBeNull();
    h.record('p', 0, 16);
    h.record('p', 1000, 8);
    h.record('p', 2000, 20);
    expect(h.range('p', 500, 900)).toEqual({ lowA: 16, highA: 16, changedAtMs: 2000 });
    expect(h.range('p', 500, 1500)).toEqual({ lowA: 8, highA: 16, changedAtMs: 2000 });
    expect(h.range('p', 1000, 5000)).toEqual({ lowA: 8, highA: 20, changedAtMs: 2000 });
    h.prune(1500);
    expect(h.range('p', 1500, 5000)).toEqual({ lowA: 8, highA: 20, changedAtMs: 2000 });
    h.forget('p');
    expect(h.has('p')).toBe(false);
  });
});

describe('evLoadForMeters: the non-EV load of a DLM circuit', () => {
  it('is metered − measured when every port was measured after following its limit', () => {
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    h.record('s/2', 0, 16);
    const prev = new Map<string, NonEvEstimate>();
    const ports = [port('s/1', 16, 10_000), port('s/2', 10, 10_000)];
    expect(nonEvL1(ports, h, reading(10_500, 70), prev)).toBe(44);
    expect(nonEvL1(ports, h, reading(11_000, 60), prev)).toBe(34); // it follows the meter both ways
    expect(nonEvL1(ports, h, reading(12_000, 80), prev)).toBe(54);
  });

  it('counts a car with no meter value yet as drawing anything up to its limit: keeps the last estimate', () => {
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    const prev = new Map<string, NonEvEstimate>();
    // No previous value: the safe (high) bound, as if the car drew nothing.
    expect(nonEvL1([port('s/1')], h, reading(1000, 40), prev)).toBe(40);
    // The car starts drawing 16 A: the meter rises, the estimate does not (it is explained by the car).
    expect(nonEvL1([port('s/1')], h, reading(7000, 56), prev)).toBe(40);
    // A rise beyond what the car can draw is non-EV load: by what the bounds prove.
    expect(nonEvL1([port('s/1')], h, reading(8000, 76), prev)).toBe(60);
    // A fall is believed at once (the high bound drops below the estimate).
    expect(nonEvL1([port('s/1')], h, reading(9000, 30), prev)).toBe(30);
  });

  it('does not move while a car follows a decrease or an increase the controller made', () => {
    const h = new LimitHistory();
    h.record('s/1', 0, 32);
    const prev = new Map<string, NonEvEstimate>();
    const measured = [port('s/1', 32, 9000)];
    expect(nonEvL1(measured, h, reading(9500, 82), prev)).toBe(50);
    h.record('s/1', 10_000, 10); // decrease confirmed at 10 s
    expect(nonEvL1(measured, h, reading(11_000, 82), prev)).toBe(50); // not followed yet
    expect(nonEvL1(measured, h, reading(14_000, 60), prev)).toBe(50); // followed: the meter drops
    expect(nonEvL1(measured, h, reading(16_000, 60), prev)).toBe(50); // past the response time
    h.record('s/1', 20_000, 24); // increase
    expect(nonEvL1(measured, h, reading(24_000, 74), prev)).toBe(50); // followed, value not in yet
    expect(nonEvL1([port('s/1', 24, 26_000)], h, reading(26_500, 74), prev)).toBe(50);
  });

  it('counts a car seen limiting itself at what it drew, on the conductors it uses: a building step is seen at once', () => {
    // Found by `npm run bench -- soak`: with many ports whose limits the controller had just changed, counting
    // every such port at its limit on every conductor hid tens of amperes of a building step for 10-20 s
    // (until the ports' next meter values), and the grid was over its limit all that time.
    const h = new LimitHistory();
    const cars = new CarObservations();
    h.record('s/1', 0, 32);
    const prev = new Map<string, NonEvEstimate>();
    const grid = CS.circuitIndex.get('grid')! * DIM_COUNT;
    // A single-phase car with a 16 A charger under 32 A: its value shows 16 A on L1, nothing on L2 and L3.
    const measured = { conductorA: [16, 0, 0], atMs: 10_000 };
    const car = (): EstimatePort => ({
      portId: 's/1',
      minCurrentA: 6,
      measured,
      effectiveLimitA: 32,
      car: cars.observe(
        { portId: 's/1', sessionId: 1, minCurrentA: 6 },
        { ...measured, inUse: [true, false, false] },
        h,
        RESPONSE_MS,
      ),
    });
    const nonEv = (atMs: number, building: number): number[] => {
      const r: MeterReading = { ...reading(atMs, building), currentA: [building + 16, building, building] };
      const ev = evLoadForMeters(CS, [car()], h, new Map([['gm', r]]), prev, RESPONSE_MS);
      return [0, 1, 2].map((k) => building + (k === 0 ? 16 : 0) - ev[grid + k]!);
    };
    expect(nonEv(10_500, 50)).toEqual([50, 50, 50]);
    expect(car().car).toEqual({ inUse: [true, false, false], ownMaxA: 16 });
    h.record('s/1', 20_000, 30); // the controller lowers it a little; its value is now older than that
    // The building steps up by 30 A on every phase: the car cannot be drawing more than 16 A (+ 0.5 A of
    // noise) on L1 nor anything on L2 and L3, so the step is non-EV load at once.
    const after = nonEv(21_000, 80);
    expect(after).toEqual([79.5, 80, 80]);
    // A car that then draws more than it was seen to makes the non-EV load look larger, never smaller.
    expect(after.every((a) => a <= 80)).toBe(true);
  });

  it('remembers a single-phase, self-limited car through a pause, for its session only', () => {
    const h = new LimitHistory();
    const cars = new CarObservations();
    const prev = new Map<string, NonEvEstimate>();
    const grid = CS.circuitIndex.get('grid')! * DIM_COUNT;
    const session = { portId: 's/1', sessionId: 7, minCurrentA: 6 };
    h.record('s/1', 0, 32);
    // Seen drawing 16 A on L1 alone under 32 A, then paused (0 A: nothing to tell), then resumed at 32 A.
    cars.observe(
      session,
      { conductorA: [16, 0, 0], atMs: 8_000, inUse: [true, false, false] },
      h,
      RESPONSE_MS,
    );
    h.record('s/1', 10_000, 0);
    const paused = { conductorA: [0, 0, 0], atMs: 16_000 };
    expect(cars.observe(session, paused, h, RESPONSE_MS)).toEqual({
      inUse: [true, false, false],
      ownMaxA: 16,
    });
    h.record('s/1', 20_000, 32);
    const car: EstimatePort = {
      portId: 's/1',
      minCurrentA: 6,
      measured: paused,
      effectiveLimitA: 32,
      car: cars.observe(session, paused, h, RESPONSE_MS),
    };
    const at = (atMs: number, l1: number, l2: number): number[] => {
      const r: MeterReading = { ...reading(atMs, 0), currentA: [l1, l2, l2] };
      const ev = evLoadForMeters(CS, [car], h, new Map([['gm', r]]), prev, RESPONSE_MS);
      return [l1 - ev[grid]!, l2 - ev[grid + 1]!];
    };
    expect(at(17_000, 40, 40)).toEqual([40, 40]);
    // Resumed: 16 A on L1; the building steps up by 20 A on every phase: seen at once (L1 less the noise).
    expect(at(21_000, 76, 60)).toEqual([59.5, 60]);
    // A value showing more than it was seen to draw drops what was known of its own maximum.
    expect(
      cars.observe(session, { conductorA: [30, 0, 0], atMs: 27_000 }, h, RESPONSE_MS)?.ownMaxA,
    ).toBeUndefined();
    // Another session on the port: nothing is known of its car; ended sessions are forgotten.
    expect(cars.observe({ ...session, sessionId: 8 }, undefined, h, RESPONSE_MS)).toBeUndefined();
    cars.observe(
      { ...session, portId: 's/2', sessionId: 9 },
      { conductorA: [10, 10, 10], atMs: 1, inUse: [true, true, true] },
      h,
      RESPONSE_MS,
    );
    cars.retain(new Set(['s/1']));
    expect(
      cars.observe({ ...session, portId: 's/2', sessionId: 9 }, undefined, h, RESPONSE_MS),
    ).toBeUndefined();
  });

  it('does not take a car below its minimum current for a self-limited one', () => {
    const h = new LimitHistory();
    h.record('s/1', 0, 4); // paused below 6 A: the car draws nothing because of the limit, not by itself
    const prev = new Map<string, NonEvEstimate>();
    const ports = [port('s/1', 0, 10_000)];
    expect(nonEvL1(ports, h, reading(10_500, 50), prev)).toBe(50);
    h.record('s/1', 20_000, 16); // released: the car may draw up to 16 A before its next value
    // The meter rises by 16 A: that is the car, not the building.
    expect(nonEvL1(ports, h, reading(22_000, 66), prev)).toBe(50);
  });

  it('never counts a port above the highest limit in force on it: a wild EV reading cannot raise capacity', () => {
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    const prev = new Map<string, NonEvEstimate>();
    // A station reporting 400 A or 1e308 A on a port limited to 16 A: at most 16 A is EV load.
    expect(nonEvL1([port('s/1', 400, 10_000)], h, reading(10_500, 70), prev)).toBe(54);
    expect(nonEvL1([port('s/1', 1e308, 11_000)], h, reading(11_500, 70), prev)).toBe(54);
    // A non-finite value says nothing: none of the metered load is taken for the car's.
    for (const a of [Infinity, -Infinity, NaN])
      expect(nonEvL1([port('s/1', a, 13_000)], h, reading(13_500, 70), new Map())).toBe(70);
  });

  it('rises by half a second of what an overload shows over limit − margin, however wide the bounds', () => {
    // Found by `npm run bench -- soak` and src/control/mass-start.scenario.test.ts: while sessions start, cars
    // not yet seen drawing count anywhere between 0 A and their limit; a building step inside that band left
    // the grid over its limit until the cars' values came.
    const withMargin = gridSite('limitA: 100, marginA: 4');
    expect(OVERLOAD_TIME_CONSTANT_MS).toBe(2000);
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    h.record('s/2', 0, 16);
    const ports = [port('s/1'), port('s/2')]; // no values yet: each draws 0-16 A
    const prev = new Map<string, NonEvEstimate>();
    const nonEv = (r: MeterReading): number => {
      const ev = evLoadForMeters(withMargin, ports, h, new Map([['gm', r]]), prev, RESPONSE_MS);
      return r.currentA[0]! - ev[withMargin.circuitIndex.get('grid')! * DIM_COUNT]!;
    };
    expect(nonEv(reading(1000, 70))).toBe(70); // no previous value: the high bound
    // The cars start: 30 A more, explained by them; the bounds [68, 100] keep 70.
    expect(nonEv(reading(2000, 98))).toBe(70);
    // Over the limit by 4 A a second after the last reading: 104 − (100 − 4) = 8 A short, half of it taken.
    expect(nonEv(reading(3000, 104))).toBe(74);
    // The same reading again (another run before the next one): nothing more.
    expect(nonEv(reading(3000, 104))).toBe(74);
    // A reading 250 ms later (the Modbus poll): an eighth. A reading after a gap counts one second at most.
    expect(nonEv(reading(3250, 104))).toBe(75);
    expect(nonEv(reading(9250, 104))).toBe(79);
    // At the limit (within the margin): nothing more.
    expect(nonEv(reading(10_250, 100))).toBe(79);
    // Never above the high bound: the metered load less what the cars surely draw (nothing known: all of it).
    prev.set('grid', { values: new Float64Array([99, 99, 99, NaN]), readAtMs: 11_000 });
    expect(nonEv(reading(12_000, 101))).toBe(101);
  });

  it('holds an overload to a lower limit in force once it has held for a car response time', () => {
    // An EMS limit of 60 A on the 100 A grid, in force from 0 (recorded by the runs: plan-run.ts).
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    h.record('s/2', 0, 16);
    const ports = [port('s/1'), port('s/2')]; // no values yet: each draws 0-16 A
    const prev = new Map<string, NonEvEstimate>();
    const nonEv = (r: MeterReading): number => {
      const ev = evLoadForMeters(CS, ports, h, new Map([['gm', r]]), prev, RESPONSE_MS);
      return r.currentA[0]! - ev[CS.circuitIndex.get('grid')! * DIM_COUNT]!;
    };
    const held = RESPONSE_MS + LIMIT_FALL_SLACK_MS;
    expect(nonEv(reading(0, 40))).toBe(40);
    recordLimitsInForce(prev, new Map([['grid', { limitA: 60, limitKw: Infinity }]]), 0, RESPONSE_MS);
    // Before the record reaches a car response time back, the static 100 A holds: 70 A proves nothing.
    expect(nonEv(reading(held - 1000, 70))).toBe(40);
    // After it: 70 A over 60 A (no margin) is 10 A short, half of it in the second since the last reading.
    expect(nonEv(reading(held, 70))).toBe(45);
    // The limit falls to 50 A: for a car response time (and the slack) the cars may still follow it, so the
    // readings are held to the 60 A before it; then to 50 A.
    recordLimitsInForce(prev, new Map([['grid', { limitA: 50, limitKw: Infinity }]]), held, RESPONSE_MS);
    expect(nonEv(reading(held + 1000, 58))).toBe(45);
    expect(nonEv(reading(2 * held - 1000, 58))).toBe(45);
    expect(nonEv(reading(2 * held, 58))).toBe(49); // 8 A over 50 A: half of it a second
    // A rise counts at once: held to the highest limit over the window, and 60 A is above 58 A.
    recordLimitsInForce(prev, new Map([['grid', { limitA: 60, limitKw: Infinity }]]), 2 * held, RESPONSE_MS);
    expect(nonEv(reading(2 * held + 1000, 58))).toBe(49);
  });

  it('holds an overload to the static limit before a reload lowered it, for a car response time', () => {
    const lowered = gridSite('limitA: 60');
    const h = new LimitHistory();
    h.record('s/1', 0, 16);
    h.record('s/2', 0, 16);
    const ports = [port('s/1'), port('s/2')];
    const prev = new Map<string, NonEvEstimate>();
    const nonEv = (cs: typeof CS, r: MeterReading): number => {
      const ev = evLoadForMeters(cs, ports, h, new Map([['gm', r]]), prev, RESPONSE_MS);
      return r.currentA[0]! - ev[cs.circuitIndex.get('grid')! * DIM_COUNT]!;
    };
    const held = RESPONSE_MS + LIMIT_FALL_SLACK_MS;
    expect(nonEv(CS, reading(0, 40))).toBe(40);
    recordLimitsInForce(prev, new Map([['grid', { limitA: 100, limitKw: Infinity }]]), 0, RESPONSE_MS);
    // The reload at `held`: the static limit is 60 A from then on, and the runs note it.
    recordLimitsInForce(prev, new Map([['grid', { limitA: 60, limitKw: Infinity }]]), held, RESPONSE_MS);
    expect(nonEv(lowered, reading(held + 1000, 70))).toBe(40); // the cars are still following
    expect(nonEv(lowered, reading(2 * held - 1000, 70))).toBe(40);
    expect(nonEv(lowered, reading(2 * held, 70))).toBe(45); // 10 A over 60 A: half of it a second
  });

  it("keeps a circuit's limits in force only when they change, and as far back as a reading may need", () => {
    const prev = new Map<string, NonEvEstimate>([
      ['grid', { values: new Float64Array([10, 10, 10, NaN]), readAtMs: 0 }],
    ]);
    const at = (ms: number, limitA: number): void =>
      recordLimitsInForce(prev, new Map([['grid', { limitA, limitKw: Infinity }]]), ms, RESPONSE_MS);
    at(0, 80);
    at(1000, 80);
    at(2000, 60);
    expect(prev.get('grid')!.limits!.map((l) => [l.atMs, l.limitA])).toEqual([
      [0, 80],
      [2000, 60],
    ]);
    // Readings up to 10 s old find their limits over a car response time and the slack before them; the last
    // entry before that stays (the one in force then), older ones go.
    at(100_000, 70);
    expect(prev.get('grid')!.limits!.map((l) => [l.atMs, l.limitA])).toEqual([
      [2000, 60],
      [100_000, 70],
    ]);
    // The estimate itself is kept: only its limits change.
    expect([...prev.get('grid')!.values]).toEqual([10, 10, 10, NaN]);
  });

  it('forgets the estimate while the meter is stale', () => {
    const h = new LimitHistory();
    const prev = new Map<string, NonEvEstimate>();
    nonEvL1([], h, reading(0, 20), prev);
    expect(prev.has('grid')).toBe(true);
    nonEvL1([], h, null, prev);
    expect(prev.has('grid')).toBe(false);
  });
});
