/** What the building EMS reads (docs/modbus-ems.md), from the control loop's latest decision. */
import type { ControlSnapshot } from './control/control-snapshot.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import { DIM_COUNT } from './core/compiled-site.ts';
import type { PhaseValues } from './contracts/meter-reading.ts';
import type { EmsCircuitValues, EmsPortState, EmsPortValues, EmsSnapshot } from './modbus/index.ts';
import type { PortSnapshot, PortStatus } from './contracts/station-gateway.ts';

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

  // `cs` is the site in force; after a reload the snapshot may still be of the previous site until the next
  // run: a circuit the site in force does not know is left out (it reads "not available"), never an error.
  const circuits = new Map<string, EmsCircuitValues>();
  for (const c of control.circuits) {
    const idx = cs.circuitIndex.get(c.circuitId);
    if (idx === undefined) continue;
    const site = cs.circuits[idx]!;
    const meter = site.meterId !== undefined ? control.meters.get(site.meterId) : undefined;
    const loadA: PhaseValues =
      meter && !meter.stale && meter.reading ? meter.reading.currentA : [c.load[0]!, c.load[1]!, c.load[2]!];
    circuits.set(c.circuitId, {
      loadA,
      // The limit in force: the lowest of the static limit, schedules, operator overrides and EMS commands.
      limitA: control.limits.get(c.circuitId)?.limitA ?? null,
      powerKw: meter && !meter.stale && meter.reading ? meter.reading.powerKw : c.load[3]!,
    });
  }

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
      sessionEnergyKwh: inSession ? sessionEnergyKwh(p) : null,
    });
  }

  // Headroom at the grid connection: what EVs could still take there (lowest phase, and kW).
  let headroomA: number | null = null;
  let headroomKw: number | null = null;
  if (root) {
    const explained = control.circuits.find((c) => c.circuitId === root.id);
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

/**
 * Energy of the port's session: the rise of its energy register since the session began (the meter start, or
 * the session's first reading), in kWh; null while no register value of the session is known.
 */
function sessionEnergyKwh(p: PortSnapshot): number | null {
  if (p.sessionStartWh === undefined) return null;
  const lastWh = p.sessionLastWh ?? p.sessionStartWh;
  return Math.max(0, lastWh - p.sessionStartWh) / 1000;
}
