/** GET /api/v1/ports, /allocation and the `ports` stream event: state, current, limit and why. */
import type { ControlSnapshot } from '../../control/control-loop.ts';
import type { LimitedBy } from '../../core/allocation.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import { describeLimitedBy } from '../../core/explain.ts';
import type { SessionItem } from '../api-store.ts';
import type { LivePort } from '../api-deps.ts';
import { iso } from '../api-context.ts';
import { measuredConductors } from './circuits-view.ts';

export type PortState =
  'available' | 'charging' | 'suspended' | 'offline' | 'faulted' | 'preparing' | 'finishing';

/** The gateway's normalised status in the dashboard's words. */
export function portState(p: LivePort): PortState {
  if (!p.connected) return 'offline';
  switch (p.status) {
    case 'charging':
      return 'charging';
    case 'suspended-ev':
    case 'suspended-evse':
      return 'suspended';
    case 'occupied':
      return 'preparing';
    case 'finishing':
      return 'finishing';
    case 'faulted':
      return 'faulted';
    case 'unavailable':
      return 'offline';
    default:
      return 'available';
  }
}

const IDLE: LimitedBy = { kind: 'idle' };

export function portsView(
  cs: CompiledSite,
  snap: ControlSnapshot | null,
  ports: readonly LivePort[],
  openSessions: readonly SessionItem[],
  nowMs: number,
) {
  const allocation = new Map(snap?.allocation.map((a) => [a.portId, a]));
  const sessionOf = new Map(openSessions.map((s) => [s.portId, s]));
  const known = new Set(cs.ports.map((p) => p.id));
  return {
    atMs: snap?.atMs ?? nowMs,
    ports: ports
      .filter((p) => known.has(p.portId))
      .map((p) => {
        const a = allocation.get(p.portId);
        const limitedBy = a?.limitedBy ?? IDLE;
        const site = cs.ports[cs.portIndex.get(p.portId)!]!;
        const s = p.sessionId === undefined ? undefined : sessionOf.get(p.portId);
        return {
          id: p.portId,
          stationId: p.stationId,
          circuitId: site.circuitId,
          state: portState(p),
          connected: p.connected,
          measuredA: measuredConductors(p, nowMs),
          limitA: a?.currentA ?? 0,
          limitedBy,
          reason: describeLimitedBy(limitedBy),
          session:
            p.sessionId === undefined
              ? null
              : {
                  id: p.sessionId,
                  startedAt: iso(s?.startedMs ?? p.sessionStartedAtMs ?? nowMs),
                  energyKwh: Math.round((s?.energyWh ?? 0) / 10) / 100,
                  durationS: Math.max(
                    0,
                    Math.round((nowMs - (s?.startedMs ?? p.sessionStartedAtMs ?? nowMs)) / 1000),
                  ),
                  idTag: s?.idTag ?? null,
                },
        };
      }),
  };
}

export function allocationView(snap: ControlSnapshot | null, nowMs: number) {
  return {
    atMs: snap?.atMs ?? nowMs,
    ports: (snap?.allocation ?? []).map((a) => ({
      portId: a.portId,
      currentA: a.currentA,
      limitedBy: a.limitedBy,
      reason: describeLimitedBy(a.limitedBy),
    })),
  };
}
