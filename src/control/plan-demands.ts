/**
 * What the allocator is asked for each port with a car in one control run (plan-run.ts): the measured
 * draw, the phases in use, the car's own current range, an EMS or cloud cap, solar caps, and in deadline mode
 * its departure and remaining energy (session-needs.ts). Pure: time is an argument.
 */
import type { PortDemand } from '../core/allocation.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { portLoadFactors } from '../core/compiled-site.ts';
import { isFresh } from '../core/freshness.ts';
import type { ChargingMode } from '../core/site.ts';
import type { SolarOptions, SolarPort, SolarState } from '../core/solar.ts';
import { solarCaps } from '../core/solar.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { CLOCK_AHEAD_MS } from '../contracts/station-gateway.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import { exportKw } from './capacity-inputs.ts';
import { sessionNeeds } from './session-needs.ts';

export interface DemandInputs {
  readonly site: CompiledSite;
  /** Per port index, its charging mode (portModes). */
  readonly modes: readonly ChargingMode[];
  readonly meters: ReadonlyMap<string, MeterObservation>;
  readonly ems: EmsCommands | null;
  /** The cloud's cap per port now, in A (src/proxy/cloud-profiles.ts); null without. */
  readonly cloudCaps: ReadonlyMap<string, number> | null;
  readonly portMeterMaxAgeMs: number;
  readonly solar: Partial<SolarOptions>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The demands of the ports with a car, and the solar state after them. */
export function portDemands(
  d: DemandInputs,
  active: readonly PortSnapshot[],
  solarState: SolarState,
  nowMs: number,
): { readonly demands: PortDemand[]; readonly solarState: SolarState } {
  const cs = d.site;
  const solarPorts: SolarPort[] = [];
  const out: PortDemand[] = [];
  const allocation = cs.site.allocation;
  const deadline = allocation?.mode === 'deadline';
  for (const p of active) {
    const idx = cs.portIndex.get(p.portId);
    if (idx === undefined) continue;
    const needs = sessionNeeds(p, cs.ports[idx]!, allocation);
    // An EMS per-port limit (MQTT command topics) caps the port like the car's own maximum.
    const emsPortA = d.ems?.portLimitA?.get(p.portId);
    const maxCurrentA =
      emsPortA === undefined ? needs.maxCurrentA : Math.min(emsPortA, needs.maxCurrentA ?? Infinity);
    const m = p.lastMeter;
    const fresh = m !== undefined && isFresh(m.atMs, nowMs, d.portMeterMaxAgeMs, CLOCK_AHEAD_MS);
    const mode = d.modes[idx]!;
    if (mode !== 'fast') {
      const kwPerA = portLoadFactors(cs, idx, fresh ? m.conductorsInUse : undefined)[3]!;
      const drawingKw = fresh ? (m.powerKw ?? (m.maxCurrentA ?? 0) * kwPerA) : 0;
      solarPorts.push({ portId: p.portId, mode, minCurrentA: cs.ports[idx]!.minCurrentA, kwPerA, drawingKw });
    }
    // Fields set one by one, in the same order, not spread from objects made for it: this runs for every port
    // with a car in every control run.
    const dm: Mutable<PortDemand> = { portId: p.portId, arrivedAtMs: p.sessionStartedAtMs };
    if (fresh) {
      dm.measuredA = m.maxCurrentA;
      dm.measuredAtMs = m.atMs;
      dm.conductorsInUse = m.conductorsInUse;
    }
    if (needs.minCurrentA !== undefined) dm.minCurrentA = needs.minCurrentA;
    if (maxCurrentA !== undefined) dm.maxCurrentA = maxCurrentA;
    if (deadline && needs.departureMs !== undefined) dm.departureMs = needs.departureMs;
    if (deadline && needs.energyRemainingKwh !== undefined) dm.energyRemainingKwh = needs.energyRemainingKwh;
    out.push(dm);
  }
  const cloud = d.cloudCaps;
  if (cloud?.size)
    for (let i = 0; i < out.length; i++) {
      const dm = out[i]!;
      const cap = cloud.get(dm.portId);
      if (cap !== undefined && cap <= (dm.maxCurrentA ?? Infinity))
        out[i] = { ...dm, maxCurrentA: cap, maxFromCloud: true };
    }
  if (solarPorts.length === 0) return { demands: out, solarState };
  const solar = solarCaps(
    { exportKw: exportKw(cs, d.meters), ports: solarPorts },
    solarState,
    nowMs,
    d.solar,
  );
  const demands = out.map((dm) => {
    const cap = solar.caps.get(dm.portId);
    if (cap === undefined || cap >= (dm.maxCurrentA ?? Infinity)) return dm;
    return { ...dm, maxCurrentA: cap, maxFromCloud: false };
  });
  return { demands, solarState: solar.state };
}

/** Per port of the site, its charging mode (portMode). */
export function portModes(cs: CompiledSite): ChargingMode[] {
  return cs.ports.map((p) => portMode(cs, p.circuitId, p.chargingMode));
}

/** A port's charging mode: its own, else the nearest circuit's above it, else 'fast'. */
function portMode(cs: CompiledSite, circuitId: string, own: ChargingMode | undefined): ChargingMode {
  if (own) return own;
  for (let c = cs.circuitIndex.get(circuitId) ?? -1; c >= 0; c = cs.parent[c]!) {
    const mode = cs.circuits[c]!.chargingMode;
    if (mode) return mode;
  }
  return 'fast';
}
