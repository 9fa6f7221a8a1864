/**
 * fast-check generators of whole allocation scenarios: random circuit trees of depth 1-4 with mixed
 * supplies (incl. 277/480 V → 120/208 V transformers), mixed wirings (line-to-line, rotations), single-phase
 * cars on three-phase ports, DC ports, kW limits, priorities and weights, with capacities sized from the
 * generated load so that constraints bind.
 */
import fc from 'fast-check';
import type { AllocationInput, Capacity, PortDemand } from '../allocation.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { compileSite } from '../compiled-site.ts';
import type { Site, SiteCircuit, SitePort, Supply } from '../site.ts';
import { dcPowerToCurrentA } from '../site.ts';
import { demandBounds, portFactors } from './allocation-check.ts';
import type { SupplyName } from './supplies.ts';
import { SUPPLIES, THREE_PHASE_WIRINGS, wiringsFor } from './supplies.ts';

export interface Scenario {
  readonly site: Site;
  readonly cs: CompiledSite;
  readonly input: AllocationInput;
}

export interface ScenarioOptions {
  readonly minPorts: number;
  readonly maxPorts: number;
  readonly maxCircuits: number;
  /** Deepest level of the tree, the root being level 1 (1-4). */
  readonly maxDepth: number;
  /** Every port gets this step in A instead of a random one. */
  readonly stepA?: number | undefined;
  /** Several priority classes (port priorities and demand overrides). */
  readonly priorities: boolean;
  /** Random weights within a class. */
  readonly weights: boolean;
  /** Zero, negative and infinite capacities on some circuits. */
  readonly oddCapacities: boolean;
  /** Capacities at least the sum of every demand's minimum, so that nobody is paused. */
  readonly everyoneFits: boolean;
  readonly dc: boolean;
  readonly singlePhaseCars: boolean;
}

export const DEFAULT_SCENARIO_OPTIONS: ScenarioOptions = {
  minPorts: 1,
  maxPorts: 16,
  maxCircuits: 8,
  maxDepth: 4,
  priorities: true,
  weights: true,
  oddCapacities: true,
  everyoneFits: false,
  dc: true,
  singlePhaseCars: true,
};

type Odd = 'none' | 'zero' | 'negative' | 'infinite' | 'zero-phase' | 'infinite-phase';

interface CircuitGene {
  readonly parentPick: number;
  readonly transformer: number;
  readonly loadPct: number;
  readonly skewPct: readonly [number, number, number];
  readonly kwPct: number | null;
  readonly marginA: number;
  readonly listed: boolean;
  readonly odd: Odd;
}

interface DemandGene {
  readonly maxA: number | undefined;
  readonly minA: number | undefined;
  readonly priority: number | undefined;
  readonly weight: number | undefined;
  readonly car: number;
  readonly arrivedAtMs: number | undefined;
}

interface PortGene {
  readonly circuitPick: number;
  readonly wiringPick: number;
  readonly dc: number;
  readonly dcKw: number;
  readonly maxA: number;
  readonly stepA: number;
  readonly priority: number;
  readonly demand: DemandGene | null;
}

const circuitGene: fc.Arbitrary<CircuitGene> = fc.record({
  parentPick: fc.nat(1000),
  transformer: fc.integer({ min: 0, max: 4 }),
  loadPct: fc.integer({ min: 0, max: 130 }),
  skewPct: fc.tuple(
    fc.integer({ min: 60, max: 100 }),
    fc.integer({ min: 60, max: 100 }),
    fc.integer({ min: 60, max: 100 }),
  ),
  kwPct: fc.option(fc.integer({ min: 0, max: 130 }), { nil: null, freq: 2 }),
  marginA: fc.constantFrom(0, 1, 2),
  listed: fc.boolean(),
  odd: fc.constantFrom<Odd>(
    'none',
    'none',
    'none',
    'none',
    'zero',
    'negative',
    'infinite',
    'zero-phase',
    'infinite-phase',
  ),
});

const demandGene: fc.Arbitrary<DemandGene> = fc.record({
  maxA: fc.constantFrom(undefined, undefined, undefined, 10, 16, 20.5, 4),
  minA: fc.constantFrom(undefined, undefined, undefined, undefined, 8, 6.25),
  priority: fc.constantFrom(undefined, undefined, undefined, 0, 3),
  weight: fc.constantFrom(undefined, 1, 2, 0.5, 3),
  car: fc.constantFrom(0, 0, 1, 2),
  arrivedAtMs: fc.option(fc.integer({ min: 0, max: 3_600_000 }), { nil: undefined }),
});

const portGene: fc.Arbitrary<PortGene> = fc.record({
  circuitPick: fc.nat(1000),
  wiringPick: fc.nat(1000),
  dc: fc.integer({ min: 0, max: 5 }),
  dcKw: fc.constantFrom(24, 50, 150),
  maxA: fc.constantFrom(16, 32, 40, 48, 80),
  stepA: fc.constantFrom(1, 0.5, 0.1),
  priority: fc.constantFrom(0, 0, 1, 2),
  demand: fc.option(demandGene, { nil: null, freq: 6 }),
});

/** Generated scenarios; see ScenarioOptions. */
export function scenarioArbitrary(overrides: Partial<ScenarioOptions> = {}): fc.Arbitrary<Scenario> {
  const opts = { ...DEFAULT_SCENARIO_OPTIONS, ...overrides };
  return fc
    .record({
      root: fc.constantFrom<SupplyName>('eu400', 'us480', 'us480', 'us208', 'split240'),
      circuits: fc.array(circuitGene, { minLength: 1, maxLength: opts.maxCircuits }),
      ports: fc.array(portGene, { minLength: opts.minPorts, maxLength: opts.maxPorts }),
    })
    .map(({ root, circuits, ports }) => buildScenario(root, circuits, ports, opts));
}

const ceil2 = (x: number): number => (Number.isFinite(x) ? Math.ceil(x * 100 - 1e-9) / 100 : x);

function buildScenario(
  root: SupplyName,
  circuitGenes: readonly CircuitGene[],
  portGenes: readonly PortGene[],
  opts: ScenarioOptions,
): Scenario {
  // Tree shape and supplies.
  const depth: number[] = [];
  const parents: number[] = [];
  const supplies: Supply[] = [];
  circuitGenes.forEach((g, i) => {
    if (i === 0) {
      depth.push(1);
      parents.push(-1);
      supplies.push(SUPPLIES[root]);
      return;
    }
    const eligible = depth.flatMap((d, j) => (d < opts.maxDepth ? [j] : []));
    const p = eligible[g.parentPick % eligible.length]!;
    depth.push(depth[p]! + 1);
    parents.push(p);
    const ps = supplies[p]!;
    // A 277/480 V feeder steps down to 120/208 V (or 120/240 V split phase) for the chargers.
    supplies.push(
      ps === SUPPLIES.us480 && g.transformer === 0
        ? SUPPLIES.us208
        : ps === SUPPLIES.us480 && g.transformer === 1
          ? SUPPLIES.split240
          : ps,
    );
  });
  const circuitId = (i: number): string => `c${i}`;

  const ports: SitePort[] = [];
  const demands: PortDemand[] = [];
  portGenes.forEach((g, i) => {
    const ci = g.circuitPick % circuitGenes.length;
    const supply = supplies[ci]!;
    const id = `p${String(i).padStart(2, '0')}`;
    const isDc = opts.dc && g.dc === 0;
    let port: SitePort;
    if (isDc) {
      const wiring = supply.phases.length === 3 ? THREE_PHASE_WIRINGS[g.wiringPick % 6]! : 'L1-L2';
      port = {
        id,
        stationId: `s${i}`,
        connectorId: 1,
        circuitId: circuitId(ci),
        wiring,
        currentType: 'DC',
        minCurrentA: 1,
        maxCurrentA: Math.floor(dcPowerToCurrentA(g.dcKw, supply, wiring, 0.95) * 100) / 100,
        stepA: opts.stepA ?? 1,
        priority: opts.priorities ? g.priority : 0,
        maxPowerKw: g.dcKw,
        efficiency: 0.95,
      };
    } else {
      const wirings = wiringsFor(supply);
      port = {
        id,
        stationId: `s${i}`,
        connectorId: 1,
        circuitId: circuitId(ci),
        wiring: wirings[g.wiringPick % wirings.length]!,
        currentType: 'AC',
        minCurrentA: 6,
        maxCurrentA: g.maxA,
        stepA: opts.stepA ?? g.stepA,
        priority: opts.priorities ? g.priority : 0,
      };
    }
    ports.push(port);
    const d = g.demand;
    if (!d) return;
    const threePhaseAc = !isDc && port.wiring.length === 6;
    demands.push({
      portId: id,
      minCurrentA: d.minA,
      maxCurrentA: opts.everyoneFits && d.maxA !== undefined && d.maxA < 8 ? undefined : d.maxA,
      priority: opts.priorities ? d.priority : undefined,
      weight: opts.weights ? d.weight : undefined,
      conductorsInUse:
        opts.singlePhaseCars && threePhaseAc && d.car > 0 ? [true, d.car === 2, false] : undefined,
      arrivedAtMs: d.arrivedAtMs,
    });
  });

  // Size the capacities from the load the demands can put on each circuit.
  const circuitsAt = (limitA: number[], limitKw: (number | undefined)[]): SiteCircuit[] =>
    circuitGenes.map((g, i) => ({
      id: circuitId(i),
      parentId: parents[i]! < 0 ? null : circuitId(parents[i]!),
      limitA: limitA[i]!,
      limitKw: limitKw[i],
      marginA: g.marginA,
      supply: supplies[i]!,
    }));
  const zeros = circuitGenes.map(() => 0);
  const draft = compileSite({ timeZone: 'UTC', circuits: circuitsAt(zeros, []), ports, meters: [] });
  const minLoad = new Float64Array(circuitGenes.length * 4);
  const maxLoad = new Float64Array(circuitGenes.length * 4);
  for (const demand of demands) {
    const idx = draft.portIndex.get(demand.portId)!;
    const { lo, hi } = demandBounds(draft.ports[idx]!, demand);
    if (hi < lo) continue;
    const f = portFactors(draft, idx, demand);
    draft.portPath[idx]!.forEach((c, level) => {
      for (let dim = 0; dim < 4; dim++) {
        minLoad[c * 4 + dim]! += lo * f[level * 4 + dim]!;
        maxLoad[c * 4 + dim]! += hi * f[level * 4 + dim]!;
      }
    });
  }
  const target = (c: number, dim: number, pct: number, skewPct: number): number => {
    const lo = minLoad[c * 4 + dim]!;
    const hi = maxLoad[c * 4 + dim]!;
    return opts.everyoneFits
      ? ceil2(lo + (((10 + pct) / 100) * skewPct * (hi - lo)) / 100)
      : ceil2((((pct / 100) * skewPct) / 100) * hi);
  };

  const limitA: number[] = [];
  const limitKw: (number | undefined)[] = [];
  const capacities = new Map<string, Capacity>();
  circuitGenes.forEach((g, c) => {
    const phaseA = [0, 1, 2].map((d) => target(c, d, g.loadPct, g.skewPct[d]!)) as [number, number, number];
    const kw = g.kwPct === null ? Infinity : target(c, 3, g.kwPct, 100);
    const odd = opts.oddCapacities && !opts.everyoneFits ? g.odd : 'none';
    if (!g.listed) {
      limitA.push(odd === 'negative' ? g.marginA - 3 : ceil2(g.marginA + Math.max(...phaseA)));
      limitKw.push(Number.isFinite(kw) ? kw : undefined);
      return;
    }
    limitA.push(1000);
    limitKw.push(undefined);
    if (odd === 'zero') capacities.set(circuitId(c), { phaseA: [0, 0, 0], powerKw: 0 });
    else if (odd === 'negative') capacities.set(circuitId(c), { phaseA: [-5, -5, -5], powerKw: -1 });
    else if (odd === 'infinite')
      capacities.set(circuitId(c), { phaseA: [Infinity, Infinity, Infinity], powerKw: Infinity });
    else if (odd === 'zero-phase')
      capacities.set(circuitId(c), { phaseA: [0, phaseA[1], phaseA[2]], powerKw: kw });
    else if (odd === 'infinite-phase')
      capacities.set(circuitId(c), { phaseA: [phaseA[0], Infinity, phaseA[2]], powerKw: kw });
    else capacities.set(circuitId(c), { phaseA, powerKw: kw, source: `gene ${c}` });
  });
  const site: Site = { timeZone: 'UTC', circuits: circuitsAt(limitA, limitKw), ports, meters: [] };
  return { site, cs: compileSite(site), input: { capacities, demands } };
}
