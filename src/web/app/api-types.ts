/**
 * Shapes of the HTTP API v1 as the dashboard reads them (docs/api.md), derived from the zod schemas the
 * server answers with (src/api/response-schemas.ts), so that a change of an answer that the dashboard does not
 * follow fails `npm run typecheck`. Type imports only: nothing of the server (not even zod) enters the bundle
 * (eslint.config.js keeps it so).
 */
import type { z } from 'zod';
import type * as R from '../../api/response-schemas.ts';
import type { planSchema } from '../../api/response-schemas-plan.ts';

/** What the client receives for a schema: its output, as the serializer sends it. */
type Answer<S extends z.ZodType> = z.output<S>;

/** Per-phase values L1, L2, L3; null where the circuit or port has no such phase or it is unknown. */
export type PhaseValues = Answer<typeof R.circuitLive>['loadA'];

export type Me = Answer<typeof R.me>;
export type Role = Me['role'];
export type AuthConfig = Answer<typeof R.authConfig>;

export type Site = Answer<typeof R.site>;
export type SiteCircuit = Site['circuits'][number];
export type SitePort = Site['ports'][number];

/** Site power flows now, in kW (grid import, PV production and battery charging positive). */
export type Flows = Answer<typeof R.flows>;
export type CircuitLive = Answer<typeof R.circuitLive>;
export type CircuitsPayload = Answer<typeof R.circuits>;

export type PortLive = Answer<typeof R.portLive>;
export type PortState = PortLive['state'];
/** The core's reason for a limit (core/allocation.ts LimitedBy), as JSON. */
export type LimitedBy = Answer<typeof R.limitedBy>;
export type PortSession = NonNullable<PortLive['session']>;
/** A port whose station does not take limits: why, and what it counts at. */
export type PortUncontrolled = NonNullable<PortLive['uncontrolled']>;
export type PortsPayload = Answer<typeof R.ports>;

export type StationInfo = Answer<typeof R.stations>['stations'][number];

/** GET /api/v1/upstream: the relay to the operator's cloud, per station (docs/proxy.md). */
export type UpstreamPayload = Answer<typeof R.upstream>;
export type UpstreamStation = UpstreamPayload['stations'][number];

/** A page of a list, newest first (sessions, events). */
export interface Paged<T> {
  readonly total: number;
  readonly items: T[];
}
export type SessionRow = Answer<typeof R.sessionItem>;
export type EventRow = Answer<typeof R.eventItem>;

export type History = Answer<typeof R.history>;

export type Override = Answer<typeof R.overrideItem>;

export type Schedule = Answer<typeof R.scheduleItem>;
export type WeeklyEntry = Schedule['weekly'][number];
export type Day = WeeklyEntry['days'][number];
export type SchedulesPayload = Answer<typeof R.scheduleList>;

/** An id tag of the local authorization list (GET /api/v1/local-list). */
export type LocalIdTag = Answer<typeof R.localIdTag>;
export type LocalList = Answer<typeof R.localList>;

/** GET /api/v1/plan: the live planner (docs/control.md, "The planner"). */
export type PlanPayload = Answer<typeof planSchema>;
