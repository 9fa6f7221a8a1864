/**
 * What one simulation runs on: the network model at a capacity, the compiled Fusebox site that stands for
 * it (for the Fusebox policy), and the policy by name.
 */
import { fileURLToPath } from 'node:url';
import { loadSiteConfigFile } from '../../config/load.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import { compileSite } from '../../core/compiled-site.ts';
import type { Site } from '../../core/site.ts';
import { AC_MIN_A } from '../../core/site.ts';
import { aggregateNetwork } from './aggregate-network.ts';
import { caltechNetwork } from './caltech-network.ts';
import type { Network } from '../../core/planner/network.ts';
import type { Policy } from './policy.ts';
import type { Tariff } from '../../core/tariff.ts';
import { fuseboxPolicy } from './policies/fusebox-policy.ts';
import type { SiteBatterySpec } from './site-battery.ts';
import { plannerPolicy } from './policies/planner-policy.ts';
import { offlinePolicy } from './policies/offline-policy.ts';
import { roundRobinPolicy } from './policies/round-robin.ts';
import { sortedPolicy } from './policies/sorted-policy.ts';
import { uncontrolledPolicy } from './policies/uncontrolled.ts';
import { networkFromSite, scaleSite, withLineModel } from '../../core/planner/site-network.ts';

export const POLICY_NAMES = [
  'fusebox',
  'uncontrolled',
  'fcfs',
  'round-robin',
  'edf',
  'llf',
  'offline',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** What a run optimises: energy delivered (the default), or cost (energy cost + demand charge) after energy. */
export const OBJECTIVES = ['energy', 'cost'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** With objective cost: the tariff (absent: zero prices, energy first alone) and the zone of its windows. */
export interface ObjectiveOptions {
  readonly objective?: Objective | undefined;
  readonly tariff?: Tariff | undefined;
  readonly timeZone?: string | undefined;
  /** The site battery, which the offline LP plans (offline-cost.ts). */
  readonly battery?: SiteBatterySpec | undefined;
}

/** aggregate: one circuit; caltech: ACN's exact three-phase model; caltech-linear: its linearization; site: a site file. */
export type NetworkKind = 'aggregate' | 'caltech' | 'caltech-linear' | 'site';

export interface Setup {
  readonly network: Network;
  readonly compiled: CompiledSite;
  readonly capacityKw: number;
}

export interface SetupOptions {
  readonly kind: NetworkKind;
  readonly stationIds: readonly string[];
  /** The site file's compiled site, for kind 'site'. */
  readonly site?: CompiledSite | undefined;
  /** EVSE voltage of the aggregate model. */
  readonly voltageV?: number | undefined;
  /** EVSE pilot bounds of the aggregate and Caltech models. */
  readonly evseMaxA?: number | undefined;
  readonly evseMinA?: number | undefined;
  /** Aggregate model: EVSEs per station, where the data has a station hold several cars at once. */
  readonly evsesPerStation?: ReadonlyMap<string, number> | undefined;
}

const CALTECH_SITE_FILE = fileURLToPath(new URL('../../../examples/caltech-acn.yaml', import.meta.url));
let caltechSite: CompiledSite | undefined;

/** examples/caltech-acn.yaml, compiled (cached). */
export function caltechCompiledSite(): CompiledSite {
  if (caltechSite) return caltechSite;
  const loaded = loadSiteConfigFile(CALTECH_SITE_FILE);
  if (!loaded.ok) throw new Error(`${CALTECH_SITE_FILE} does not load: ${loaded.problems[0]?.message ?? ''}`);
  caltechSite = loaded.compiled;
  return caltechSite;
}

/** A one-circuit site with one single-phase port per station, in deadline mode: the aggregate model as a Fusebox site. */
export function aggregateSite(network: Network): CompiledSite {
  const v = network.evses[0]?.voltageV ?? 230;
  const supply = { lineToNeutralV: v, lineToLineV: v, phases: ['L1'] as const };
  const site: Site = {
    timeZone: 'UTC',
    // The workload gives every session's departure and energy: let the allocator use them.
    allocation: { mode: 'deadline' },
    meters: [],
    circuits: [{ id: 'site', parentId: null, limitA: network.constraints[0]!.limitA, marginA: 0, supply }],
    ports: network.evses.map((e) => ({
      id: e.id,
      stationId: e.id,
      connectorId: 1,
      circuitId: 'site',
      wiring: 'L1' as const,
      currentType: 'AC' as const,
      // A real AC port cannot signal less than 6 A (IEC 61851-1), whatever the model's EVSEs allow.
      minCurrentA: Math.max(AC_MIN_A, e.minA),
      maxCurrentA: e.maxA,
      stepA: 0.1,
      priority: 0,
    })),
  };
  return compileSite(site);
}

/** The network and Fusebox site at `capacityKw` (for 'site' without a capacity: the file's own limits). */
export function buildSetup(opts: SetupOptions, capacityKw: number | undefined): Setup {
  const evse = { maxA: opts.evseMaxA, minA: opts.evseMinA };
  switch (opts.kind) {
    case 'aggregate': {
      if (capacityKw === undefined) throw new Error('the aggregate model needs a capacity (--capacity-kw)');
      const network = aggregateNetwork(
        opts.stationIds,
        capacityKw,
        opts.voltageV ?? 208,
        evse,
        opts.evsesPerStation,
      );
      return { network, compiled: aggregateSite(network), capacityKw };
    }
    case 'caltech':
    case 'caltech-linear': {
      const c = capacityKw ?? 150;
      const exact = opts.kind === 'caltech';
      const network = caltechNetwork(c, { exact, ...evse });
      // On the linearized network Fusebox must plan linearly too: its phasor line model would use room
      // that this (conservative) network does not grant.
      const site = caltechCompiledSite().site;
      const planned = exact ? site : withLineModel(site, 'linear');
      return { network, compiled: compileSite(scaleSite(planned, c)), capacityKw: c };
    }
    case 'site': {
      if (!opts.site) throw new Error('the site model needs a site file (--site)');
      const { network, compiled } = networkFromSite(opts.site, capacityKw);
      return { network, compiled, capacityKw: capacityKw ?? rootKw(compiled) };
    }
  }
}

function rootKw(cs: CompiledSite): number {
  const root = cs.circuits.find((c) => c.parentId === null)!;
  return root.limitKw ?? (root.limitA * root.supply.lineToNeutralV * root.supply.phases.length) / 1000;
}

/** A fresh policy by name for one run on `setup` (`externalKwAt`: building less PV, for the offline plan). */
export function makePolicy(
  name: PolicyName,
  setup: Setup,
  defaultMaxPowerKw?: number,
  externalKwAt?: (tMs: number) => number,
  objective: ObjectiveOptions = {},
): Policy {
  const cost = objective.objective === 'cost';
  switch (name) {
    case 'uncontrolled':
      return uncontrolledPolicy();
    case 'fcfs':
    case 'edf':
    case 'llf':
      return sortedPolicy(name);
    case 'round-robin':
      return roundRobinPolicy();
    case 'offline':
      return offlinePolicy(defaultMaxPowerKw, externalKwAt, cost ? objective : undefined, objective.battery);
    case 'fusebox':
      return cost
        ? plannerPolicy(setup.compiled, {
            tariff: objective.tariff,
            timeZone: objective.timeZone,
            externalKwAt,
          })
        : fuseboxPolicy(setup.compiled, undefined, { tariff: objective.tariff });
  }
}
