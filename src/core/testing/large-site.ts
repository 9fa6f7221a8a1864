/**
 * Large deterministic sites for benchmarks: a 4-level tree (277/480 V service → feeders, most through a
 * transformer to 120/208 V → panels → branch circuits) with mixed wiring (120 V, 208 V line-to-line,
 * three phase with rotations, 480 V DC chargers), some single-phase cars on three-phase ports, and limits
 * sized from the connected load so that every level binds.
 */
import type { AllocationInput, Capacity, PortDemand } from '../allocation.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { compileSite, DIM_COUNT, portLoadFactors } from '../compiled-site.ts';
import type { Wiring } from '../phases.ts';
import type { SiteCircuit, SitePort, Supply } from '../site.ts';
import { dcPowerToCurrentA } from '../site.ts';
import { SUPPLIES, THREE_PHASE_WIRINGS } from './supplies.ts';

/** A small fast seeded PRNG (mulberry32): uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LargeSite {
  readonly cs: CompiledSite;
  /** Demands of the ports with a car (about 80 %), without measurements. */
  readonly demands: readonly PortDemand[];
  /** Capacities of the root (DLM-style, to be varied per cycle); other circuits use their static limits. */
  readonly rootCapacity: Capacity;
}

const PORTS_PER_BRANCH = 8;
const BRANCHES_PER_PANEL = 6;
const PANELS_PER_FEEDER = 4;
/** Limit as a share of the peak load that could be connected below, per level (oversubscription). */
const LIMIT_SHARE = { branch: 0.75, panel: 0.6, feeder: 0.5, root: 0.4 } as const;

/** Builds a site with `portCount` ports, the same for the same seed. */
export function largeSite(portCount: number, seed = 1): LargeSite {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const circuits: { id: string; parentId: string | null; supply: Supply; level: keyof typeof LIMIT_SHARE }[] =
    [{ id: 'service', parentId: null, supply: SUPPLIES.us480, level: 'root' }];
  const ports: SitePort[] = [];
  const demands: PortDemand[] = [];
  let feeder = '';
  let panel = '';
  let branch = '';
  let feederSupply: Supply = SUPPLIES.us480;
  for (let i = 0; i < portCount; i++) {
    if (i % (PORTS_PER_BRANCH * BRANCHES_PER_PANEL * PANELS_PER_FEEDER) === 0) {
      feeder = `feeder${circuits.length}`;
      // Most feeders go through a transformer to 120/208 V; some stay at 480 V for DC and 277/480 V AC.
      feederSupply = rnd() < 0.7 ? SUPPLIES.us208 : SUPPLIES.us480;
      circuits.push({ id: feeder, parentId: 'service', supply: feederSupply, level: 'feeder' });
    }
    if (i % (PORTS_PER_BRANCH * BRANCHES_PER_PANEL) === 0) {
      panel = `panel${circuits.length}`;
      circuits.push({ id: panel, parentId: feeder, supply: feederSupply, level: 'panel' });
    }
    if (i % PORTS_PER_BRANCH === 0) {
      branch = `branch${circuits.length}`;
      circuits.push({ id: branch, parentId: panel, supply: feederSupply, level: 'branch' });
    }
    const id = `port${i}`;
    const r = rnd();
    let port: SitePort;
    if (feederSupply === SUPPLIES.us480 && r < 0.4) {
      const wiring = pick(THREE_PHASE_WIRINGS);
      const kw = pick([50, 62.5, 150]);
      port = {
        id,
        stationId: `st${i}`,
        connectorId: 1,
        circuitId: branch,
        wiring,
        currentType: 'DC',
        minCurrentA: 10,
        maxCurrentA: Math.floor(dcPowerToCurrentA(kw, feederSupply, wiring, 0.95)),
        stepA: 1,
        priority: 0,
        maxPowerKw: kw,
        efficiency: 0.95,
      };
    } else {
      const wiring: Wiring =
        r < 0.55
          ? pick(['L1-L2', 'L2-L3', 'L3-L1'] as const)
          : r < 0.7
            ? pick(['L1', 'L2', 'L3'] as const)
            : pick(THREE_PHASE_WIRINGS);
      port = {
        id,
        stationId: `st${Math.floor(i / 2)}`,
        connectorId: (i % 2) + 1,
        circuitId: branch,
        wiring,
        currentType: 'AC',
        minCurrentA: 6,
        maxCurrentA: pick([32, 40, 48]),
        stepA: rnd() < 0.8 ? 1 : 0.1,
        priority: rnd() < 0.1 ? 1 : 0,
      };
    }
    ports.push(port);
    if (rnd() < 0.8) {
      const singlePhaseCar = port.currentType === 'AC' && port.wiring.length === 6 && rnd() < 0.3;
      demands.push({
        portId: id,
        maxCurrentA: rnd() < 0.3 ? pick([16, 24, 32]) : undefined,
        weight: rnd() < 0.1 ? 2 : undefined,
        conductorsInUse: singlePhaseCar ? [true, false, false] : undefined,
        arrivedAtMs: Math.floor(rnd() * 3_600_000),
      });
    }
  }

  // Size every limit from the peak load the demands could put on it.
  const draftCircuits = (limits: number[]): SiteCircuit[] =>
    circuits.map((c, i) => ({
      id: c.id,
      parentId: c.parentId,
      limitA: limits[i]!,
      marginA: 0,
      supply: c.supply,
    }));
  const draft = compileSite({
    timeZone: 'UTC',
    circuits: draftCircuits(circuits.map(() => 0)),
    ports,
    meters: [],
  });
  const peak = new Float64Array(circuits.length * DIM_COUNT);
  for (const d of demands) {
    const idx = draft.portIndex.get(d.portId)!;
    const port = draft.ports[idx]!;
    const f = portLoadFactors(draft, idx, d.conductorsInUse);
    const hi = Math.min(port.maxCurrentA, d.maxCurrentA ?? Infinity);
    draft.portPath[idx]!.forEach((c, level) => {
      for (let dim = 0; dim < 3; dim++) peak[c * DIM_COUNT + dim]! += hi * f[level * DIM_COUNT + dim]!;
    });
  }
  const limits = circuits.map((c) => {
    const ci = draft.circuitIndex.get(c.id)!;
    const maxPhase = Math.max(peak[ci * DIM_COUNT]!, peak[ci * DIM_COUNT + 1]!, peak[ci * DIM_COUNT + 2]!);
    // One branch in ten is badly undersized (an old circuit reused for chargers): some ports there wait.
    const share = c.level === 'branch' && rnd() < 0.1 ? 0.12 : LIMIT_SHARE[c.level];
    return Math.max(16, Math.round(maxPhase * share));
  });
  const cs = compileSite({ timeZone: 'UTC', circuits: draftCircuits(limits), ports, meters: [] });
  const rootLimit = limits[0]!;
  return { cs, demands, rootCapacity: { phaseA: [rootLimit, rootLimit, rootLimit], powerKw: Infinity } };
}

/** The input for one control cycle: root capacity and measured draws varied a little. */
export function cycleInput(
  site: LargeSite,
  rnd: () => number,
  lastA: ReadonlyMap<string, number>,
  nowMs: number,
): AllocationInput {
  const jitter = (x: number): number => x * (0.97 + 0.03 * rnd());
  const [a, b, c] = site.rootCapacity.phaseA;
  const capacities = new Map([
    ['service', { phaseA: [jitter(a), jitter(b), jitter(c)] as const, powerKw: Infinity }],
  ]);
  const demands = site.demands.map((d) => {
    const offered = lastA.get(d.portId) ?? 0;
    if (offered <= 0) return d;
    // Most cars draw about what they are offered; some draw clearly less (taper, on-board charger).
    const draw = rnd() < 0.1 ? offered * 0.5 : offered * (0.95 + 0.05 * rnd());
    return { ...d, measuredA: draw, measuredAtMs: nowMs };
  });
  return { capacities, demands };
}
