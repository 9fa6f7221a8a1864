/**
 * Turns what the meters and stations report into the core's capacity inputs (docs/control.md, "What a circuit can give EVs"):
 * per DLM circuit its metered load and the EV load measured below it, PV production, EMS commands.
 */
import type { CompiledSite } from '../core/compiled-site.ts';
import { DIM_COUNT } from '../core/compiled-site.ts';
import type {
  CapacityInputs,
  CircuitCapacityInputs,
  OperatorOverride,
  PvReading,
} from '../core/effective-capacity.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { MeterReading } from '../contracts/meter-reading.ts';

/** The latest of one meter, as the control loop holds it. */
export interface MeterObservation {
  readonly reading: MeterReading | null;
  readonly stale: boolean;
}

/** EV load (A per phase and kW) on every circuit: circuits × DIM_COUNT, as from core loadOnCircuits. */
export type CircuitLoads = Float64Array;

/** Capacity inputs for every circuit from meters, measured EV load, EMS commands and operator overrides. */
export function capacityInputs(
  cs: CompiledSite,
  meters: ReadonlyMap<string, MeterObservation>,
  evLoad: CircuitLoads,
  ems: EmsCommands | null,
  overrides: ReadonlyMap<string, readonly OperatorOverride[]> = new Map(),
  gridState?: 'islanded' | 'unknown',
): CapacityInputs {
  const circuits = new Map<string, CircuitCapacityInputs>();
  cs.circuits.forEach((c, ci) => {
    const o = ci * DIM_COUNT;
    const entry: {
      -readonly [K in keyof CircuitCapacityInputs]: CircuitCapacityInputs[K];
    } = {};
    if (c.meterId !== undefined) {
      const m = meters.get(c.meterId);
      const r = m?.reading ?? null;
      const currents = r ? completePhases(r.currentA) : null;
      entry.meterStale = !m || m.stale || currents === null;
      if (r && currents) {
        entry.load = {
          totalA: currents,
          evA: [evLoad[o]!, evLoad[o + 1]!, evLoad[o + 2]!],
          totalKw: r.powerKw ?? undefined,
          evKw: evLoad[o + 3]!,
          readAtMs: r.atMs,
        };
      }
    }
    // Islanded or not known: the root's islanded limit holds (docs/control.md, "Islanded operation").
    if (c.parentId === null && gridState !== undefined) entry.gridState = gridState;
    const circuitOverrides = overrides.get(c.id);
    if (circuitOverrides?.length) entry.overrides = circuitOverrides;
    const pv = pvProduction(c.pvMeterIds ?? [], meters);
    if (pv) entry.pv = pv;
    if (ems) {
      if (c.parentId === null) {
        if (ems.siteLimitA !== undefined) entry.emsLimitA = ems.siteLimitA;
        if (ems.siteLimitKw !== undefined) entry.emsLimitKw = ems.siteLimitKw;
      }
      const circuitA = ems.circuitLimitA.get(c.id);
      if (circuitA !== undefined) entry.emsLimitA = Math.min(entry.emsLimitA ?? Infinity, circuitA);
    }
    circuits.set(c.id, entry);
  });
  return { circuits };
}

function completePhases(v: MeterReading['currentA']): [number, number, number] | null {
  const [a, b, c] = v;
  return a === null || b === null || c === null ? null : [a, b, c];
}

/**
 * Production of the listed PV meters, summed: per phase max(0, −current) since an inverter's export reads
 * negative (docs/meters.md sign convention). Null when none has a fresh reading.
 */
export function pvProduction(
  ids: readonly string[],
  meters: ReadonlyMap<string, MeterObservation>,
): PvReading | null {
  const phaseA: [number, number, number] = [0, 0, 0];
  let powerKw = 0;
  let readAtMs = Infinity;
  let any = false;
  for (const id of ids) {
    const m = meters.get(id);
    const r = m?.reading;
    if (!m || m.stale || !r) continue;
    any = true;
    r.currentA.forEach((a, p) => {
      if (a !== null && a < 0) phaseA[p] = phaseA[p]! - a;
    });
    const kw = r.productionKw ?? (r.powerKw !== null ? -r.powerKw : 0);
    powerKw += Math.max(0, kw);
    readAtMs = Math.min(readAtMs, r.atMs);
  }
  return any ? { phaseA, powerKw, readAtMs } : null;
}

/**
 * PV surplus at the grid connection in kW (export positive) for solar modes: from the first root
 * circuit's meter when fresh; without one, the PV production itself (assumes no other load: documented);
 * null when nothing is known.
 */
export function exportKw(cs: CompiledSite, meters: ReadonlyMap<string, MeterObservation>): number | null {
  const root = cs.circuits.find((c) => c.parentId === null && c.meterId !== undefined);
  if (root) {
    const m = meters.get(root.meterId!);
    if (m && !m.stale && m.reading && m.reading.powerKw !== null) return -m.reading.powerKw;
    return null;
  }
  const pvIds = cs.site.meters.filter((m) => m.role === 'pv').map((m) => m.id);
  return pvProduction(pvIds, meters)?.powerKw ?? null;
}
