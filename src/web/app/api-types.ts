/** Shapes of the HTTP API v1 as the dashboard reads them (see docs/api.md). */

/** Per-phase values L1, L2, L3; null where the circuit or port has no such phase or it is unknown. */
export type PhaseValues = [number | null, number | null, number | null];

export type Role = 'viewer' | 'operator';

export interface Me {
  readonly username: string;
  readonly role: Role;
}

export interface AuthConfig {
  readonly demo: boolean;
  readonly demoUser?: string;
  readonly demoPassword?: string;
}

export interface SiteCircuit {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly parentId: string | null;
  readonly phases: string[];
  readonly limitA: number;
  readonly limitKw: number | null;
  readonly hasSchedule: boolean;
  readonly meterId: string | null;
}

export interface SitePort {
  readonly id: string;
  readonly stationId: string;
  readonly circuitId: string;
  readonly name: string;
  readonly phases: string;
  readonly minA: number;
  readonly maxA: number;
  readonly kind: 'ac' | 'dc';
}

export interface Site {
  readonly name: string;
  readonly timeZone: string;
  readonly supply: string;
  readonly circuits: SiteCircuit[];
  readonly stations: { id: string; name: string; ocppVersion: string }[];
  readonly ports: SitePort[];
}

/** Site power flows now, in kW (grid import, PV production and battery charging positive). */
export interface Flows {
  readonly atMs: number;
  readonly gridKw: number | null;
  readonly pvKw: number | null;
  readonly batteryKw: number | null;
  readonly evKw: number | null;
  readonly otherKw: number | null;
}

export interface CircuitLive {
  readonly id: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly loadA: PhaseValues;
  readonly evLoadA: PhaseValues;
  readonly limitA: PhaseValues;
  readonly effectiveLimitA: PhaseValues;
  readonly capacityA: PhaseValues;
  readonly headroomA: PhaseValues;
  readonly loadKw: number | null;
  readonly limitKw: number | null;
  readonly limitSource: string | null;
  readonly overrideId: number | null;
}

export interface CircuitsPayload {
  readonly atMs: number;
  readonly circuits: CircuitLive[];
  /** Requested from the API helper; absent on servers that do not send it. */
  readonly flows?: Flows;
}

export type PortState =
  'available' | 'charging' | 'suspended' | 'offline' | 'faulted' | 'preparing' | 'finishing';

/** The core's reason for a limit (core/allocation.ts LimitedBy), as JSON. */
export interface LimitedBy {
  readonly kind: string;
  readonly circuitId?: string;
  readonly dimension?: string;
  readonly source?: string;
  readonly measuredA?: number;
  readonly rotation?: boolean;
  readonly waitingBehind?: string;
}

export interface PortSession {
  readonly id: number | string;
  readonly startedAt: string;
  readonly energyKwh: number;
  readonly durationS: number;
  readonly idTag: string | null;
  /** When the car leaves and who said so (absent on servers before these fields; docs/api.md). */
  readonly departureAt?: string | null;
  readonly departureSource?: 'car' | 'port' | 'station' | 'site' | null;
  readonly energyRequestedKwh?: number | null;
  /** Deadline mode: what the allocator counts the session still needs. */
  readonly energyRemainingKwh?: number | null;
  readonly socPct?: number | null;
}

export interface PortLive {
  readonly id: string;
  readonly stationId: string;
  readonly circuitId: string;
  readonly state: PortState;
  readonly connected: boolean;
  readonly measuredA: PhaseValues;
  readonly limitA: number;
  readonly limitedBy: LimitedBy | null;
  readonly reason: string;
  /** Its station does not take limits (absent on servers before this field; docs/api.md). */
  readonly uncontrolled?: PortUncontrolled | null;
  readonly session: PortSession | null;
}

/** A port whose station does not take limits: why, and what it counts at. */
export interface PortUncontrolled {
  readonly reason: 'rejected' | 'not-implemented' | 'timeout' | 'no-smart-charging';
  readonly reasonText: string;
  readonly detail: string;
  readonly since: string;
  readonly failures: number;
  readonly retryAt: string | null;
  readonly countedA: number;
  readonly restricted: { readonly action: 'unavailable' | 'stop'; readonly answer: string } | null;
}

export interface PortsPayload {
  readonly atMs: number;
  readonly ports: PortLive[];
}

export interface StationInfo {
  readonly id: string;
  readonly connected: boolean;
  readonly ocppVersion: string;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  readonly lastSeenAt: string | null;
  readonly portIds: string[];
}

/** GET /api/v1/upstream: the relay to the operator's cloud, per station (docs/proxy.md). */
export interface UpstreamStation {
  readonly stationId: string;
  readonly state: 'connected' | 'connecting' | 'outage' | 'idle' | 'disabled';
  readonly outageSince: string | null;
  readonly queueDepth: number;
  readonly oldestQueuedAgeS: number | null;
  readonly lastRelayAt: string | null;
  readonly failed: number;
}

export interface UpstreamPayload {
  readonly relaying: boolean;
  readonly stations: UpstreamStation[];
}

export interface SessionRow {
  readonly id: number | string;
  readonly stationId: string;
  readonly portId: string;
  readonly idTag: string | null;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly energyKwh: number;
  readonly durationS: number;
  readonly stopReason: string | null;
}

export interface Paged<T> {
  readonly total: number;
  readonly items: T[];
}

export interface EventRow {
  readonly id: number | string;
  readonly at: string;
  readonly level: string;
  readonly kind: string;
  readonly stationId: string | null;
  readonly portId: string | null;
  readonly message: string;
  readonly data?: unknown;
}

export interface History {
  readonly resolutionS: number;
  readonly t: number[];
  readonly series: Record<string, (number | null)[]>;
}

export interface Override {
  readonly id: number;
  readonly circuitId: string;
  readonly limitA: number | null;
  readonly limitKw: number | null;
  readonly until: string;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly version: number;
}

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface WeeklyEntry {
  readonly days: Day[];
  readonly from: string;
  readonly to: string;
  readonly limitA?: number;
  readonly limitKw?: number;
  readonly label?: string;
}

export interface Schedule {
  readonly id: number;
  readonly circuitId: string;
  readonly name: string;
  readonly weekly: WeeklyEntry[];
  readonly exceptions: unknown[];
  readonly enabled: boolean;
  readonly version: number;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

export interface SchedulesPayload {
  readonly items: Schedule[];
  readonly fromSiteFile: { circuitId: string; weekly: WeeklyEntry[]; exceptions: unknown[] }[];
}

/** An id tag of the local authorization list (GET /api/v1/local-list). */
export interface LocalIdTag {
  readonly idTag: string;
  readonly status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';
  readonly expiresAt: string | null;
  readonly parentIdTag: string | null;
  readonly updatedAt: string;
}

export interface LocalList {
  readonly version: number;
  readonly items: readonly LocalIdTag[];
}
