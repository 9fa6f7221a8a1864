/** The latest decision as plain JSON for `GET /api/v1/state`: ports with their limit and why, circuits. */
import type { MeterObservation } from './control/capacity-inputs.ts';
import type { ControlSnapshot } from './control/control-loop.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import { describeLimitedBy } from './core/explain.ts';
import type { PortSnapshot } from './ocpp/station-gateway.ts';

const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** JSON-friendly view of a control snapshot (Infinity becomes null). */
export function stateView(
  cs: CompiledSite,
  snapshot: ControlSnapshot | null,
  ports: readonly PortSnapshot[],
) {
  const allocation = new Map(snapshot?.allocation.map((a) => [a.portId, a]));
  return {
    at: snapshot ? new Date(snapshot.atMs).toISOString() : null,
    runs: snapshot?.runs ?? 0,
    allocationMs: snapshot ? round(snapshot.allocationMs) : null,
    circuits: (snapshot?.circuits ?? []).map((c) => ({
      id: c.circuitId,
      evLoadA: c.load.slice(0, 3).map(round),
      evLoadKw: round(c.load[3]!),
      capacityA: c.capacity.slice(0, 3).map(round),
      capacityKw: round(c.capacity[3]!),
      source: snapshot?.capacities.get(c.circuitId)?.source ?? null,
    })),
    meters: [...(snapshot?.meters ?? new Map<string, MeterObservation>())].map(([id, m]) => ({
      id,
      stale: m.stale,
      at: m.reading ? new Date(m.reading.atMs).toISOString() : null,
      currentA: m.reading?.currentA ?? null,
      powerKw: m.reading?.powerKw ?? null,
    })),
    ports: ports.map((p) => {
      const a = allocation.get(p.portId);
      const site = cs.ports[cs.portIndex.get(p.portId) ?? -1];
      return {
        id: p.portId,
        stationId: p.stationId,
        connected: p.connected,
        status: p.status,
        session: p.sessionId ?? null,
        measuredA: p.lastMeter?.currentA ?? null,
        powerKw: p.lastMeter?.powerKw ?? null,
        limitA: a?.currentA ?? null,
        why: a ? describeLimitedBy(a.limitedBy) : null,
        limitedBy: a?.limitedBy ?? null,
        failSafeA: p.failSafeA,
        maxA: site?.maxCurrentA ?? null,
      };
    }),
  };
}
