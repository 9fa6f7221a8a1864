/** GET /api/v1/ports, /allocation and the `ports` stream event: state, current, limit and why. */
import type { ControlSnapshot, UncontrolledState } from '../../control/control-snapshot.ts';
import type { LimitedBy, PortDemand } from '../../core/allocation.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import type { Urgency } from '../../core/explain.ts';
import { describeLimitedBy, describeUncontrolled } from '../../core/explain.ts';
import type { SessionItem } from '../../contracts/api-store.ts';
import type { LivePort } from '../api-deps.ts';
import { iso } from '../api-context.ts';
import { localTimeText } from '../../control/control-sync.ts';
import { measuredConductors } from './circuits-view.ts';
import { sessionNeedsView } from './session-needs-view.ts';

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

/**
 * Deadline mode: the session's departure and need as the allocator had them in its last run, for the
 * reason line (undefined in fair mode or without both).
 */
function urgencyOf(cs: CompiledSite, d: PortDemand | undefined, nowMs: number): Urgency | undefined {
  if (cs.site.allocation?.mode !== 'deadline' || d?.departureMs === undefined) return undefined;
  if (d.energyRemainingKwh === undefined || !Number.isFinite(d.departureMs)) return undefined;
  return {
    leaves: localTimeText(d.departureMs, nowMs, cs.site.timeZone),
    energyRemainingKwh: d.energyRemainingKwh,
  };
}

/** The ports payload; `stayOrigins` says per port whether its `stayH` is the port's or its station's. */
export function portsView(
  cs: CompiledSite,
  snap: ControlSnapshot | null,
  ports: readonly LivePort[],
  openSessions: readonly SessionItem[],
  nowMs: number,
  stayOrigins: ReadonlyMap<string, 'port' | 'station'> = new Map(),
) {
  const allocation = new Map(snap?.allocation.map((a) => [a.portId, a]));
  const demands = new Map(snap?.demands.map((d) => [d.portId, d]));
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
        const demand = demands.get(p.portId);
        const urgency = limitedBy.kind === 'idle' ? undefined : urgencyOf(cs, demand, nowMs);
        return {
          id: p.portId,
          stationId: p.stationId,
          circuitId: site.circuitId,
          state: portState(p),
          connected: p.connected,
          measuredA: measuredConductors(p, nowMs),
          limitA: a?.currentA ?? 0,
          limitedBy,
          reason: describeLimitedBy(limitedBy, urgency),
          uncontrolled: uncontrolledView(snap?.uncontrolled.get(p.portId)),
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
                  ...sessionNeedsView(p, site, cs.site.allocation, demand, stayOrigins.get(p.portId)),
                },
        };
      }),
  };
}

/** A port whose station does not take limits, for the API (null when it does). */
function uncontrolledView(u: UncontrolledState | undefined) {
  if (!u) return null;
  return {
    reason: u.reason,
    reasonText: describeUncontrolled(u.reason),
    detail: u.detail,
    since: iso(u.sinceMs),
    failures: u.failures,
    retryAt: u.retryAtMs === null ? null : iso(u.retryAtMs),
    countedA: u.countedA,
    restricted: u.restricted ? { action: u.restricted.action, answer: u.restricted.answer } : null,
  };
}

/** The allocation payload; `cs` words the reason in deadline mode as the ports payload does. */
export function allocationView(snap: ControlSnapshot | null, nowMs: number, cs?: CompiledSite) {
  const demands = new Map(snap?.demands.map((d) => [d.portId, d]));
  return {
    atMs: snap?.atMs ?? nowMs,
    ports: (snap?.allocation ?? []).map((a) => ({
      portId: a.portId,
      currentA: a.currentA,
      limitedBy: a.limitedBy,
      reason: describeLimitedBy(
        a.limitedBy,
        cs && a.limitedBy.kind !== 'idle' ? urgencyOf(cs, demands.get(a.portId), nowMs) : undefined,
      ),
    })),
  };
}
