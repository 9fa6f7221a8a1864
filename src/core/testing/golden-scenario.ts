/**
 * Golden allocator scenarios: a hand-written input (site, options, a sequence of steps) and the expected
 * output as one readable line per port and per circuit, so that a diff reads like an electrician's notes.
 */
import type {
  AllocationResult,
  AllocatorOptions,
  Capacity,
  LimitedBy,
  PortDemand,
  AllocatorState,
} from '../allocation.ts';
import { INITIAL_ALLOCATOR_STATE } from '../allocation.ts';
import { allocate } from '../allocator.ts';
import type { CompiledSite } from '../compiled-site.ts';
import { compileSite } from '../compiled-site.ts';
import type { Wiring } from '../phases.ts';
import type { Site, SiteCircuit, SitePort, Supply } from '../site.ts';
import type { SupplyName } from './supplies.ts';
import { SUPPLIES } from './supplies.ts';

/** The input file, as written by hand (supplies by name, port fields with defaults). */
export interface GoldenInput {
  readonly description: string;
  readonly options?: Partial<AllocatorOptions>;
  readonly circuits: readonly (Omit<SiteCircuit, 'supply' | 'marginA'> & {
    readonly supply: SupplyName | Supply;
    readonly marginA?: number;
  })[];
  readonly ports: readonly (Partial<SitePort> & {
    readonly id: string;
    readonly circuitId: string;
    readonly wiring: Wiring;
  })[];
  readonly steps: readonly {
    readonly atMs: number;
    /** Capacity per circuit id; phaseA may use .inf in YAML. */
    readonly capacities?: Readonly<Record<string, Capacity>>;
    readonly demands: readonly PortDemand[];
  }[];
}

/** The expected file: per step, one line per port and per circuit. */
export interface GoldenExpected {
  readonly steps: readonly {
    readonly atMs: number;
    readonly ports: Readonly<Record<string, string>>;
    readonly circuits: Readonly<Record<string, string>>;
  }[];
}

export function goldenSite(input: GoldenInput): CompiledSite {
  const site: Site = {
    timeZone: 'UTC',
    circuits: input.circuits.map((c) => ({
      ...c,
      marginA: c.marginA ?? 0,
      supply: typeof c.supply === 'string' ? SUPPLIES[c.supply] : c.supply,
    })),
    ports: input.ports.map((p) => ({
      stationId: p.id,
      connectorId: 1,
      currentType: 'AC',
      minCurrentA: 6,
      maxCurrentA: 32,
      stepA: 1,
      priority: 0,
      ...p,
    })),
    meters: [],
  };
  return compileSite(site);
}

const fmt = (x: number): string => String(Math.round(x * 1000) / 1000);

export function describeLimit(l: LimitedBy): string {
  const src = (s: string | undefined): string => (s ? ` [${s}]` : '');
  switch (l.kind) {
    case 'idle':
      return 'idle';
    case 'port-max':
      return 'port max';
    case 'demand-max':
      return 'demand max';
    case 'cloud-profile':
      return 'cloud profile';
    case 'plan':
      return `plan (${fmt(l.targetA)} A)`;
    case 'below-minimum':
      return 'below minimum';
    case 'car':
      return `car (measured ${fmt(l.measuredA)} A)`;
    case 'circuit':
      return `circuit ${l.circuitId}/${l.dimension}${src(l.source)}`;
    case 'paused':
      return `paused ${l.circuitId}/${l.dimension}${l.rotation ? ' rotation' : ''}${src(l.source)}`;
    case 'uncontrolled':
      return `uncontrolled (${l.reason}, ${fmt(l.countedA)} A)`;
  }
}

/** Runs every step of the scenario, carrying state, and renders the results. */
export function runGolden(input: GoldenInput): GoldenExpected {
  const cs = goldenSite(input);
  let state: AllocatorState = INITIAL_ALLOCATOR_STATE;
  const steps = input.steps.map((step) => {
    const r: AllocationResult = allocate(
      cs,
      { capacities: new Map(Object.entries(step.capacities ?? {})), demands: step.demands },
      state,
      step.atMs,
      input.options,
    );
    state = r.state;
    return {
      atMs: step.atMs,
      ports: Object.fromEntries(
        r.allocation.map((a) => [a.portId, `${fmt(a.currentA)} A, ${describeLimit(a.limitedBy)}`]),
      ),
      circuits: Object.fromEntries(
        r.explain.circuits.map((c) => {
          const [l1, l2, l3, kw] = c.load;
          return [c.circuitId, `L1 ${fmt(l1)} A, L2 ${fmt(l2)} A, L3 ${fmt(l3)} A, ${fmt(kw)} kW`];
        }),
      ),
    };
  });
  return { steps };
}

/** Readable differences between expected and actual, one line each; empty when equal. */
export function goldenDiff(expected: GoldenExpected, actual: GoldenExpected): string[] {
  const out: string[] = [];
  const n = Math.max(expected.steps.length, actual.steps.length);
  for (let i = 0; i < n; i++) {
    const e = expected.steps[i];
    const a = actual.steps[i];
    if (!e || !a) {
      out.push(`step ${i + 1}: ${e ? 'missing from the result' : 'not in the expected file'}`);
      continue;
    }
    const where = `step ${i + 1} (atMs ${a.atMs})`;
    if (e.atMs !== a.atMs) out.push(`${where}: expected atMs ${e.atMs}`);
    for (const [kind, ev, av] of [
      ['port', e.ports, a.ports],
      ['circuit', e.circuits, a.circuits],
    ] as const) {
      for (const id of [...new Set([...Object.keys(ev), ...Object.keys(av)])].sort()) {
        if (ev[id] !== av[id]) {
          out.push(
            `${where} ${kind} ${id}:\n    expected ${ev[id] ?? '(none)'}\n    actual   ${av[id] ?? '(none)'}`,
          );
        }
      }
    }
  }
  return out;
}
