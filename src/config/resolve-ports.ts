/** Ports as the core sees them: station defaults applied, wiring checked against the supply, DC converted to A. */
import { wiringPhases } from '../core/phases.ts';
import type { Wiring } from '../core/phases.ts';
import type { SitePort, Supply } from '../core/site.ts';
import { AC_MIN_A, dcPowerToCurrentA } from '../core/site.ts';
import type { CircuitTree } from './circuit-tree.ts';
import type { DocPath } from './config-problem.ts';
import type { ParsedSections } from './parse-sections.ts';
import type { Report } from './problem-list.ts';
import type { PortConfig, StationConfig } from './schema.ts';
import { notFound } from './suggest-key.ts';
import { supplyLabel } from './supply-systems.ts';

export const AC_DEFAULT_MAX_A = 32;
export const DEFAULT_STEP_A = 0.1;
export const DC_DEFAULT_EFFICIENCY = 0.95;
// IEC 62196-2 / SAE J1772 AC inputs: at most 277 V across the car's input (480Y/277 V three phase).
const AC_MAX_INPUT_V = 277;

const MS_PER_HOUR = 3_600_000;

type SettingKey = Exclude<keyof PortConfig & keyof StationConfig, 'id' | 'name'>;

/** The default wiring on a supply: all phases, line to line on split phase, the one phase on single phase. */
export function defaultWiring(supply: Supply): Wiring {
  return supply.phases.length === 3 ? 'L1L2L3' : supply.phases.length === 2 ? 'L1-L2' : 'L1';
}

export interface ResolvedPorts {
  /** Ports without errors, in file order. */
  readonly ports: readonly SitePort[];
  /** Where each port is written. */
  readonly pathOf: ReadonlyMap<string, DocPath>;
}

/** Resolves and checks every port of every station; ports with errors are left out. */
export function resolvePorts(
  parsed: ParsedSections,
  tree: CircuitTree,
  siteHasPv: boolean,
  report: Report,
): ResolvedPorts {
  const out: SitePort[] = [];
  const portPaths = new Map<string, DocPath>();
  for (const { index, value: station } of parsed.stations) {
    const first = parsed.writtenIds.stations.get(station.id) ?? index;
    if (first !== index) {
      report.error(
        ['stations', index, 'id'],
        `duplicate station id '${station.id}' (first used at stations[${first}])`,
      );
      continue;
    }
    const connectors = new Set<number>();
    station.ports.forEach((port, k) => {
      const path: DocPath = ['stations', index, 'ports', k];
      const connectorId = port.connectorId ?? k + 1;
      if (connectors.has(connectorId)) {
        report.error(
          [...path, 'connectorId'],
          `connector ${connectorId} is used twice on station '${station.id}'`,
        );
        return;
      }
      connectors.add(connectorId);
      const id = port.id ?? `${station.id}/${connectorId}`;
      const firstPath = portPaths.get(id);
      if (firstPath) {
        report.error(port.id !== undefined ? [...path, 'id'] : path, `duplicate port id '${id}'`);
        return;
      }
      portPaths.set(id, path);
      const resolved = resolvePort(station, index, port, path, id, connectorId, tree, parsed, report);
      if (resolved) out.push(resolved);
    });
  }
  if (!siteHasPv) warnSolarWithoutPv(parsed, tree, report);
  return { ports: out, pathOf: portPaths };
}

/** Solar modes charge from PV surplus: without any PV meter that surplus is always zero. */
function warnSolarWithoutPv(parsed: ParsedSections, tree: CircuitTree, report: Report): void {
  const message = (mode: string): string => `${mode} needs a PV meter, and this site has none`;
  for (const c of tree.ordered) {
    const mode = c.config.chargingMode;
    if (mode !== undefined && mode !== 'fast') report.warning([...c.path, 'chargingMode'], message(mode));
  }
  for (const { index, value } of parsed.stations) {
    if (value.chargingMode !== undefined && value.chargingMode !== 'fast') {
      report.warning(['stations', index, 'chargingMode'], message(value.chargingMode));
    }
    value.ports.forEach((p, k) => {
      if (p.chargingMode !== undefined && p.chargingMode !== 'fast') {
        report.warning(['stations', index, 'ports', k, 'chargingMode'], message(p.chargingMode));
      }
    });
  }
}

/** A port's setting, from the port or else its station, and where it is written. */
type Setting<K extends SettingKey> = { value: NonNullable<PortConfig[K]>; path: DocPath };

/** What the checks of one port share: its settings, where it is written, and where problems go. */
interface PortChecks {
  readonly pick: <K extends SettingKey>(key: K) => Setting<K> | undefined;
  /** An error: the port is left out. */
  readonly fail: (at: DocPath, message: string) => void;
  readonly report: Report;
  readonly path: DocPath;
}

/**
 * An AC port's current range (minA, maxA), with the checks that only apply to AC; `supply` is given when the
 * wiring fits it (the input voltage is then checked).
 */
function acCurrents(
  { pick, fail, report, path }: PortChecks,
  wiring: Wiring,
  supply: Supply | undefined,
): { minA: number; maxA: number } {
  for (const key of ['minKw', 'maxKw', 'efficiency'] as const) {
    const ref = pick(key);
    if (ref) fail(ref.path, `${key} is for DC ports; an AC port is limited in A (minA, maxA)`);
  }
  const minRef = pick('minA');
  const maxRef = pick('maxA');
  const minA = minRef?.value ?? AC_MIN_A;
  const maxA = maxRef?.value ?? AC_DEFAULT_MAX_A;
  if (minA > maxA) {
    fail(
      minRef?.path ?? maxRef?.path ?? path,
      `minA ${minA} A${minRef ? '' : ' (the default)'} is above maxA ${maxA} A${maxRef ? '' : ' (the default)'}`,
    );
  }
  if (minRef && minA < AC_MIN_A) {
    report.warning(
      minRef.path,
      `${minA} A is below the ${AC_MIN_A} A minimum of IEC 61851-1: cars may not charge`,
    );
  }
  const inputV = supply ? (wiring.includes('-') ? supply.lineToLineV : supply.lineToNeutralV) : 0;
  if (supply && inputV > AC_MAX_INPUT_V) {
    report.warning(
      pick('phases')?.path ?? path,
      `an AC car on ${wiring} of ${supplyLabel(supply)} sees ${inputV} V; AC inputs take at most ${AC_MAX_INPUT_V} V`,
    );
  }
  return { minA, maxA };
}

/** A DC port's power range (minKw, maxKw) and efficiency, with the checks that only apply to DC. */
function dcPower(
  { pick, fail, path }: PortChecks,
  id: string,
): { minKw: number; maxKw: number; efficiency: number } | undefined {
  for (const key of ['minA', 'maxA'] as const) {
    const ref = pick(key);
    if (ref) fail(ref.path, `${key} is for AC ports; a DC port is limited by its power (minKw, maxKw)`);
  }
  const maxKw = pick('maxKw');
  if (!maxKw) {
    fail(path, `DC port '${id}' needs maxKw, its rated output power`);
    return undefined;
  }
  const minRef = pick('minKw');
  const minKw = minRef?.value ?? 0;
  if (minKw > maxKw.value) fail(minRef?.path ?? path, `minKw ${minKw} kW is above maxKw ${maxKw.value} kW`);
  const efficiency = pick('efficiency')?.value ?? DC_DEFAULT_EFFICIENCY;
  return { minKw, maxKw: maxKw.value, efficiency };
}

function resolvePort(
  station: StationConfig,
  stationIdx: number,
  port: PortConfig,
  path: DocPath,
  id: string,
  connectorId: number,
  tree: CircuitTree,
  parsed: ParsedSections,
  report: Report,
): SitePort | undefined {
  // Each setting comes from the port, else from its station; errors point to where it was written.
  const pick = <K extends SettingKey>(key: K): Setting<K> | undefined => {
    const own = port[key];
    if (own !== undefined && own !== null) return { value: own, path: [...path, key] };
    const shared = station[key];
    if (shared !== undefined && shared !== null)
      return { value: shared, path: ['stations', stationIdx, key] };
    return undefined;
  };
  let ok = true;
  const fail = (at: DocPath, message: string): void => {
    report.error(at, message);
    ok = false;
  };
  const checks: PortChecks = { pick, fail, report, path };

  // Without a usable circuit the port is still checked for everything that does not depend on the supply.
  const circuitRef = pick('circuit');
  const circuit = circuitRef ? tree.byId.get(circuitRef.value) : undefined;
  if (!circuitRef) fail(path, `port '${id}' has no circuit: set \`circuit\` on the port or on its station`);
  else if (!circuit) {
    ok = false;
    if (!parsed.writtenIds.circuits.has(circuitRef.value)) {
      report.error(circuitRef.path, notFound('circuit', circuitRef.value, [...tree.byId.keys()]));
    }
  }
  const supply = circuit?.supply;
  const wiringRef = pick('phases');
  const wiring = wiringRef?.value ?? (supply ? defaultWiring(supply) : 'L1L2L3');
  const missing = supply ? wiringPhases(wiring).filter((p) => p >= supply.phases.length) : [];
  if (circuit && supply && missing.length > 0) {
    fail(
      wiringRef?.path ?? path,
      `wiring ${wiring} needs ${missing.map((p) => `L${p + 1}`).join(', ')}, which circuit '${circuit.id}' ` +
        `(${supplyLabel(supply)}) does not have: it has ${supply.phases.join(', ')}`,
    );
  }

  const type = pick('type')?.value ?? 'AC';
  const stepA = pick('stepA')?.value ?? DEFAULT_STEP_A;
  const priority = pick('priority')?.value ?? 0;
  const chargingMode = pick('chargingMode')?.value;
  // Deadline mode's assumptions for cars that do not say (docs/allocation.md), in the core's units.
  const stayH = pick('stayH')?.value;
  const energyKwh = pick('energyKwh')?.value;
  const common = {
    id,
    stationId: station.id,
    connectorId,
    circuitId: circuitRef?.value ?? '',
    wiring,
    stepA,
    priority,
    chargingMode,
    ...(stayH !== undefined ? { stayMs: stayH * MS_PER_HOUR } : {}),
    ...(energyKwh !== undefined ? { energyKwh } : {}),
  };

  if (type === 'AC') {
    const { minA, maxA } = acCurrents(checks, wiring, supply && missing.length === 0 ? supply : undefined);
    return ok ? { ...common, currentType: 'AC', minCurrentA: minA, maxCurrentA: maxA } : undefined;
  }

  const dc = dcPower(checks, id);
  if (!dc || !ok || !supply) return undefined;
  const { minKw, maxKw, efficiency } = dc;
  return {
    ...common,
    currentType: 'DC',
    minCurrentA: dcPowerToCurrentA(minKw, supply, wiring, efficiency),
    maxCurrentA: dcPowerToCurrentA(maxKw, supply, wiring, efficiency),
    maxPowerKw: maxKw,
    efficiency,
  };
}
