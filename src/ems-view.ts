/** What the building EMS reads (docs/modbus-ems.md), from the control loop's latest decision. */
import type { ControlSnapshot } from './control/control-loop.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import { DIM_COUNT } from './core/compiled-site.ts';
import type {
  EmsCircuitValues,
  EmsPortState,
  EmsPortValues,
  EmsSnapshot,
  PhaseValues,
} from './modbus/index.ts';
import type { PortSnapshot, PortStatus } from './ocpp/station-gateway.ts';

const STATE_OF: Record<PortStatus, EmsPortState> = {
  available: 'available',
  occupied: 'occupied',
  charging: 'charging',
  'suspended-ev': 'suspendedEv',
  'suspended-evse': 'paused',
  finishing: 'occupied',
  reserved: 'available',
  unavailable: 'offline',
  faulted: 'faulted',
  unknown: 'unknown',
};

/** Builds the EMS snapshot; throws before the first control run (the EMS then sees no heartbeat). */
export function emsSnapshot(
  cs: CompiledSite,
  control: ControlSnapshot | null,
  ports: readonly PortSnapshot[],
): EmsSnapshot {
  if (!control) throw new Error('the control loop has not run yet');
  const root = cs.circuits.find((c) => c.parentId === null);
  const rootReading = root?.meterId !== undefined ? control.meters.get(root.meterId) : undefined;
  const fresh = rootReading && !rootReading.stale ? rootReading.reading : null;
  const allocation = new Map(control.allocation.map((a) => [a.portId, a]));

  const circuits = new Map<string, EmsCircuitValues>();
  control.circuits.forEach((c) => {
    const site = cs.circuits[cs.circuitIndex.get(c.circuitId)!]!;
    const meter = site.meterId !== undefined ? control.meters.get(site.meterId) : undefined;
    const loadA: PhaseValues =
      meter && !meter.stale && meter.reading ? meter.reading.currentA : [c.load[0]!, c.load[1]!, c.load[2]!];
    circuits.set(c.circuitId, {
      loadA,
      limitA: site.limitA,
      powerKw: meter && !meter.stale && meter.reading ? meter.reading.powerKw : c.load[3]!,
    });
  });

  let evPowerKw = 0;
  let active = 0;
  let paused = 0;
  const portValues = new Map<string, EmsPortValues>();
  for (const p of ports) {
    const a = allocation.get(p.portId);
    const inSession = p.sessionId !== undefined;
    const isPaused = inSession && a !== undefined && a.currentA === 0;
    if (inSession) {
      if (isPaused) paused++;
      else active++;
    }
    const powerKw = p.lastMeter?.powerKw ?? null;
    if (powerKw !== null) evPowerKw += powerKw;
    const idx = cs.portIndex.get(p.portId);
    const wiring = idx !== undefined ? cs.ports[idx]!.wiring : 'L1L2L3';
    portValues.set(p.portId, {
      state: !p.connected ? 'offline' : isPaused ? 'paused' : STATE_OF[p.status],
      phases: wiring.includes('-') ? 2 : wiring.length / 2,
      currentA: p.lastMeter?.maxCurrentA ?? null,
      limitA: inSession ? (a?.currentA ?? null) : null,
      powerKw,
      sessionEnergyKwh: null,
    });
  }

  // Headroom at the grid connection: what EVs could still take there (lowest phase, and kW).
  let headroomA: number | null = null;
  let headroomKw: number | null = null;
  if (root) {
    const explained = control.circuits[cs.circuitIndex.get(root.id)!];
    if (explained) {
      headroomA = Math.max(0, Math.min(...[0, 1, 2].map((d) => explained.capacity[d]! - explained.load[d]!)));
      const kw = explained.capacity[DIM_COUNT - 1]! - explained.load[DIM_COUNT - 1]!;
      headroomKw = Number.isFinite(kw) ? Math.max(0, kw) : null;
    }
  }
  const anyStale = [...control.meters.values()].some((m) => m.stale);
  const overLimit = cs.circuits.some((c) => {
    const r = c.meterId !== undefined ? control.meters.get(c.meterId) : undefined;
    return !!r && !r.stale && !!r.reading && r.reading.currentA.some((a) => a !== null && a > c.limitA);
  });
  return {
    sitePowerKw: fresh?.powerKw ?? null,
    siteCurrentA: fresh?.currentA ?? [null, null, null],
    evPowerKw,
    headroomA,
    headroomKw,
    activeSessions: active,
    pausedSessions: paused,
    alarms: {
      meterStale: anyStale,
      stationOffline: ports.some((p) => !p.connected),
      failSafe: control.fixed.length > 0 || anyStale,
      overLimit,
    },
    circuits,
    ports: portValues,
  };
}
