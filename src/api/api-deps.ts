/** What the HTTP API is given by the composition root (src/app.ts): store, live state, commands, options. */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { SiteConfig } from '../config/schema.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { DemandState } from '../control/demand-cap.ts';
import type { DriverNeedsAnswer, DriverNeedsInput } from '../control/driver-needs.ts';
import type { LivePlanStatus, PlannerMetrics } from '../control/live-plan-status.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { OperatorOverride } from '../core/effective-capacity.ts';
import type { UpstreamStatus } from '../contracts/upstream.ts';
import type { ApiStore } from '../contracts/api-store.ts';

/** A port as the station gateway reports it (structurally the OCPP server's PortSnapshot). */
export interface LivePort {
  readonly portId: string;
  readonly stationId: string;
  readonly connected: boolean;
  readonly status: string;
  readonly sessionId?: number | undefined;
  readonly sessionStartedAtMs?: number | undefined;
  readonly lastMeter?:
    | {
        readonly atMs: number;
        readonly currentA: readonly (number | undefined)[];
        readonly powerKw?: number | undefined;
      }
    | undefined;
  /** The latest SoC the station reported in this session, in %. */
  readonly socPct?: number | undefined;
  /** What the car said of its needs in this session (OCPP 2.0.1 / 2.1 NotifyEVChargingNeeds). */
  readonly evNeeds?:
    | {
        readonly departureMs?: number | undefined;
        readonly energyWh?: number | undefined;
        readonly capacityWh?: number | undefined;
      }
    | undefined;
  /** What a driver said of this session's needs through the API (control/driver-needs.ts). */
  readonly driverNeeds?:
    { readonly departureMs?: number | undefined; readonly energyWh?: number | undefined } | undefined;
}

/** A setpoint's round trip, for the dispatch latency metric. */
export interface DispatchSample {
  readonly sentAtMs: number;
  readonly answeredAtMs: number;
  readonly result: string;
}

/** The running controller as the API sees it. */
export interface LiveSource {
  snapshot(): ControlSnapshot | null;
  onRun(fn: (s: ControlSnapshot) => void): void;
  onDispatch(fn: (d: DispatchSample) => void): void;
  ports(): readonly LivePort[];
  connectedStationIds(): readonly string[];
  /** The site in force (site file plus the dashboard's schedules). */
  site(): CompiledSite;
  setOverrides(overrides: ReadonlyMap<string, readonly OperatorOverride[]>): void;
  /** Applies a site with merged schedules; returns why it cannot, or null. */
  reconfigure(site: CompiledSite): string | null;
  /** The API's grid state input (docs/control.md, "Islanded operation"); absent: not taken. */
  setGridState?(state: 'grid' | 'islanded' | null): void;
  gridStateInput?(): 'grid' | 'islanded' | null;
  /** Runs the control loop now (so that an answer shows the input's effect). */
  runNow?(): void;
}

/** The demand cap as the API sees it (src/control/demand-cap.ts). */
export interface DemandSource {
  /** As of the last control run; null before it. */
  state(): DemandState | null;
  /** Pins the target (kW) or unpins it (null), stored; the control loop re-runs with it. */
  pin(targetKw: number | null, by: string): Promise<void>;
}

/** The station's answer to a command ('Accepted', 'Rejected', ...). */
export interface CommandAnswer {
  readonly status: string;
}

/** Operator commands to stations; errors carry `code` OCPP_UNKNOWN_STATION / _PORT, _STATION_OFFLINE, _NO_SESSION. */
export interface StationCommands {
  remoteStart(portId: string, idTag: string): Promise<CommandAnswer>;
  remoteStop(portId: string): Promise<CommandAnswer>;
  reset(stationId: string, kind: 'soft' | 'hard'): Promise<CommandAnswer>;
  changeAvailability(
    target: { stationId: string; portId?: string },
    operative: boolean,
  ): Promise<CommandAnswer>;
}

export interface ApiOptions {
  /** Set the Secure flag on the session cookie even over plain HTTP (behind a TLS proxy). */
  readonly secureCookies: boolean;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken?: string | undefined;
  /** Trust X-Forwarded-* headers (client IP for login throttling, https for Secure cookies). */
  readonly trustProxy: boolean;
  /** The demo's account, shown on the login page; null on a real site. */
  readonly demo: { readonly username: string; readonly password: string } | null;
  /** Where the built dashboard is (dist/web). */
  readonly webRoot: string;
}

export interface ApiDeps {
  readonly config: SiteConfig;
  /** The site as the site file describes it, before the dashboard's schedules. */
  baseSite(): CompiledSite;
  readonly store: ApiStore;
  readonly live: LiveSource;
  /** The live demand cap; absent when the site file has no `tariff.demand`. */
  readonly demand?: DemandSource | undefined;
  /** The live planner; absent when the site file has no `site.allocation.planner`. */
  readonly planner?: { status(nowMs: number): LivePlanStatus; metrics(): PlannerMetrics } | undefined;
  readonly commands: StationCommands;
  /** Drivers' needs per session (control/driver-needs.ts); absent: the API cannot set them. */
  readonly driverNeeds?:
    | {
        /** Sets (null: clears) the needs of the session on the port, as `by` says; stored, in force at once. */
        set(portId: string, input: DriverNeedsInput | null, by: string): Promise<DriverNeedsAnswer>;
      }
    | undefined;
  hashPassword(password: string): Promise<string>;
  verifyPassword(password: string, hash: string): Promise<boolean>;
  readonly options: ApiOptions;
  readonly logger?: Logger | undefined;
  /** Fusebox's clock: the time of every answer and the live stream's timers. */
  readonly clock: Clock;
  /** True when the store is open and OCPP listens (for /readyz). */
  /** `storeProblem`: why the store cannot write, when that is why it is not ready. */
  readiness(): { readonly store: boolean; readonly ocpp: boolean; readonly storeProblem?: string | null };
  /** The relay to the cloud central system (docs/proxy.md); absent without `upstream:` in the site file. */
  readonly upstream?: UpstreamSource | undefined;
  /** The local authorization list changed (src/ocpp/local-list-sync.ts sends it to the stations). */
  onLocalListChange?: (() => void) | undefined;
}

/** What the API and the metrics read of the cloud relay. */
export interface UpstreamSource {
  /** Per station (relayed, disabled, or with messages queued), by id. */
  statuses(): readonly UpstreamStatus[];
  /** An `upstream:` is in force (a reload may add or remove it); absent: whenever the source is given. */
  relaying?(): boolean;
}
