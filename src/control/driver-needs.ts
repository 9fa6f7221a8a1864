/**
 * A driver's (or fleet system's, operator's) needs per session, set through the API (PUT
 * /api/v1/ports/{portId}/needs): kept in memory by session id for the control loop, stored on the session's
 * row (store/driver-needs-repository.ts) so that a restart keeps them. Keyed by session: a new session on the
 * port starts without. `withDriverNeeds` puts them on the gateway's port snapshots, where the control loop,
 * the live planner and the API read a session's needs (session-needs.ts).
 */
import type { DriverNeeds, PortSnapshot, StationGateway } from '../contracts/station-gateway.ts';

/** What a driver gives: either or both. */
export interface DriverNeedsInput {
  readonly departureMs?: number | undefined;
  readonly energyWh?: number | undefined;
}

/** The answer to setting a port's needs: the session's needs now, or why there is no session to set them on. */
export type DriverNeedsAnswer =
  | { readonly ok: true; readonly sessionId: number; readonly needs: DriverNeeds | null }
  | { readonly ok: false; readonly problem: 'unknown-port' | 'no-session' };

/** Where the needs are stored (the store's DriverNeedsRepository). */
export interface DriverNeedsStore {
  open(): Map<number, DriverNeeds>;
  save(sessionId: number, needs: DriverNeeds | null): Promise<void>;
}

export class DriverNeedsBook {
  private readonly bySession: Map<number, DriverNeeds>;

  constructor(private readonly store: DriverNeedsStore) {
    this.bySession = store.open();
  }

  get(sessionId: number): DriverNeeds | undefined {
    return this.bySession.get(sessionId);
  }

  get size(): number {
    return this.bySession.size;
  }

  /**
   * Stores and puts in force (or with null clears) a session's needs; `openSessions` (the sessions still
   * open) lets it forget the needs of sessions that ended.
   */
  async set(sessionId: number, needs: DriverNeeds | null, openSessions: ReadonlySet<number>): Promise<void> {
    await this.store.save(sessionId, needs);
    if (needs === null) this.bySession.delete(sessionId);
    else this.bySession.set(sessionId, needs);
    for (const id of this.bySession.keys()) if (!openSessions.has(id)) this.bySession.delete(id);
  }

  /**
   * Sets (or with null clears) the needs of the session now on `portId`, as `by` said at `nowMs`; the energy
   * counts from the port's energy register now.
   */
  async setOnPort(
    gateway: StationGateway,
    portId: string,
    input: DriverNeedsInput | null,
    by: string,
    nowMs: number,
  ): Promise<DriverNeedsAnswer> {
    const p = gateway.port(portId);
    if (!p) return { ok: false, problem: 'unknown-port' };
    if (p.sessionId === undefined) return { ok: false, problem: 'no-session' };
    const last = p.lastMeter;
    const meterWh =
      p.sessionLastWh ?? (last?.sessionId === p.sessionId ? last.energyWh : undefined) ?? p.sessionStartWh;
    const needs: DriverNeeds | null =
      input === null
        ? null
        : { atMs: nowMs, by, departureMs: input.departureMs, energyWh: input.energyWh, meterWh };
    const open = new Set<number>();
    for (const q of gateway.ports()) if (q.sessionId !== undefined) open.add(q.sessionId);
    await this.set(p.sessionId, needs, open);
    return { ok: true, sessionId: p.sessionId, needs };
  }

  /** `p` with its session's needs, or `p` itself when its session has none. */
  on(p: PortSnapshot): PortSnapshot {
    const n = p.sessionId === undefined ? undefined : this.bySession.get(p.sessionId);
    return n === undefined ? p : { ...p, driverNeeds: n };
  }
}

/** `gateway` whose port snapshots carry their session's driver needs; everything else is the gateway's. */
export function withDriverNeeds(gateway: StationGateway, book: DriverNeedsBook): StationGateway {
  const wrapped: Pick<StationGateway, Wrapped> = {
    port: (portId) => {
      const p = gateway.port(portId);
      return p && book.on(p);
    },
    // Most sites have no driver needs: the gateway's own array then, not a copy per control run.
    ports: () => (book.size === 0 ? gateway.ports() : gateway.ports().map((p) => book.on(p))),
  };
  const out: Record<string, unknown> = { ...wrapped };
  for (const name of FORWARDED) {
    const method: unknown = Reflect.get(gateway, name);
    // An optional method the gateway lacks stays absent: the caller's `?.` then sees what it would without us.
    if (typeof method === 'function') out[name] = method.bind(gateway);
  }
  return out as unknown as StationGateway;
}

type Wrapped = 'port' | 'ports';
/**
 * Every other member of StationGateway, forwarded as it is. The Record over `keyof StationGateway` makes a
 * member added to the interface fail to compile until it is listed here, so the wrapper never drops one
 * silently (an earlier version listed them by hand and lost a new optional method).
 */
const MEMBERS: Record<keyof StationGateway, 'forwarded' | 'wrapped'> = {
  on: 'forwarded',
  applySetpoint: 'forwarded',
  effectiveLimitA: 'forwarded',
  restrictPort: 'forwarded',
  setFailSafeDefaults: 'forwarded',
  port: 'wrapped',
  ports: 'wrapped',
};
const FORWARDED = (Object.keys(MEMBERS) as (keyof StationGateway)[]).filter(
  (k) => MEMBERS[k] === 'forwarded',
);
