/**
 * What the simulated-day scenarios of the control loop (battery, islanding, demand cap, planner: *.scenario.test.ts)
 * set up alike: a site file loaded or thrown, its metered `grid` circuit with stations on it, a battery meter, a
 * stepped building load, and the grid connection's 15-minute window averages.
 */
import { loadSiteConfigText } from '../../config/load.ts';
import { tariffYaml } from '../../config/testing/tariff-yaml.ts';
import type { LoadedSiteConfig } from '../../config/load.ts';
import type { Triple } from '../../sim/devices/modbus-meter-values.ts';
import type { SimHarness } from './sim-harness.ts';
import { TEST_DRIVER } from './sim-harness.ts';

const MIN = 60_000;
export const WINDOW_MS = 15 * MIN;

/** The loaded site file `text`; throws with its problems when it has errors (or no tariff when `tariff`). */
export function loadSite(
  text: string,
  fileName = 'test.yaml',
  opts: { tariff?: boolean } = {},
): LoadedSiteConfig {
  const r = loadSiteConfigText(text, fileName);
  if (!r.ok || (opts.tariff === true && !r.tariff))
    throw new Error(r.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return r;
}

/** A battery meter `bm` on `grid` (meters list YAML, a leading newline): `kw` both ways, `extra` in its stanza. */
export const batteryMeterYaml = (kw = 20, extra = ''): string => `
  - id: bm
    role: battery
    circuit: grid
    ${TEST_DRIVER}
    battery: { capacityKwh: 40, maxChargeKw: ${kw}, maxDischargeKw: ${kw}, reserveSocPct: 10${extra}, control: { type: sunspec } }`;

/**
 * The circuits, meters and stations of a site with one metered `grid` circuit (`grid` added to its line, e.g.
 * `islanded: { limitA: 40 }`), meter `gm`, the meters in `meters` (YAML, e.g. batteryMeterYaml()) and one
 * station per id on it.
 */
export function gridYaml(
  o: {
    readonly limitA?: number;
    readonly grid?: string;
    readonly meters?: string;
    readonly stations?: readonly string[];
  } = {},
): string {
  return `circuits:
  - { id: grid, limitA: ${o.limitA ?? 100}, meter: gm${o.grid ? `, ${o.grid}` : ''} }
meters:
  - { id: gm, role: load, circuit: grid, ${TEST_DRIVER} }${o.meters ?? ''}
stations:
${(o.stations ?? ['a', 'b', 'c']).map((id) => `  - { id: ${id}, circuit: grid }`).join('\n')}
`;
}

/** Building load per phase (A, three-phase 230 V: 1 A ≈ 0.69 kW) from a list of [minute after `t0`, A]. */
export const steppedBuilding =
  (t0: number, steps: readonly (readonly [number, number])[]) =>
  (atMs: number): Triple => {
    const min = (atMs - t0) / MIN;
    let a = 0;
    for (const [from, amps] of steps) if (min >= from) a = amps;
    return [a, a, a];
  };

export type Windows = Map<number, { kwMs: number; ms: number }>;

/** Window sums of the grid connection's real load (the world's physics, not the meter the cap reads). */
export function windowAverages(h: SimHarness, rootIdx = 0): Windows {
  const windows: Windows = new Map();
  h.world.onTick((s) => {
    const start = Math.floor((s.atMs - s.tickMs) / WINDOW_MS) * WINDOW_MS;
    const w = windows.get(start) ?? { kwMs: 0, ms: 0 };
    w.kwMs += s.circuits[rootIdx * 4 + 3]! * s.tickMs;
    w.ms += s.tickMs;
    windows.set(start, w);
  });
  return windows;
}

/** The average kW of each full window from `fromMs` to `toMs`, in time order. */
export const averages = (windows: Windows, fromMs: number, toMs: number): number[] =>
  [...windows]
    .filter(([start, w]) => start >= fromMs && start + WINDOW_MS <= toMs && w.ms >= WINDOW_MS - 1000)
    .sort((a, b) => a[0] - b[0])
    .map(([, w]) => w.kwMs / w.ms);

/**
 * The planner scenarios' site line: fair sharing, 8 h stays and 20 kWh by default, the planner (12 h
 * horizon) when `planner`; the site's zone Europe/Berlin.
 */
export const plannerSiteYaml = (name: string, planner: boolean): string => `
site:
  name: ${name}
  timeZone: Europe/Berlin
  allocation: { mode: fair, defaultStayH: 8, defaultEnergyKwh: 20${planner ? ', planner: { horizonH: 12 }' : ''} }
`;

/** A tariff with a 20 kW demand floor at 10 a kW and the energy price `bands` (YAML list items) every day. */
export const bandsTariffYaml = (bands: string): string =>
  tariffYaml({
    demand: '{ floorKw: 20 }',
    demandPerKw: 10,
    prices: `
        - days: [weekdays, weekends]
          bands: [${bands}]`,
  });
