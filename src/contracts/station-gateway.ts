/**
 * The OCPP side as the control loop sees it: events from stations, and setpoints to ports. Ports are the
 * core's `SitePort.id`. Implemented by OcppServer (ocpp/ocpp-server.ts) and by the simulator's SimGateway
 * (sim/devices/sim-gateway.ts); both pass the same contract suite (contracts/testing/station-gateway-contract.ts).
 */

/** OCPP versions Fusebox speaks (the WebSocket subprotocols are in ocpp/ocpp-version.ts). */
export const OCPP_VERSIONS = ['1.6', '2.0.1', '2.1'] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];

/**
 * A station timestamp may be this far ahead of Fusebox's receive time, in ms; a later one is replaced by the
 * receive time (ocpp/station-input.ts). So the `atMs` of an event is never more than this in the future.
 */
export const CLOCK_AHEAD_MS = 5 * 60_000;

/** A port's state, normalised over 1.6 ChargePointStatus and 2.0.1 ConnectorStatus/ChargingState. */
export type PortStatus =
  | 'available'
  | 'occupied'
  | 'charging'
  | 'suspended-ev'
  | 'suspended-evse'
  | 'finishing'
  | 'reserved'
  | 'unavailable'
  | 'faulted'
  | 'unknown';

export interface StationConnectedEvent {
  readonly stationId: string;
  readonly version: OcppVersion;
  readonly atMs: number;
}

/** What the control loop counts on at a station changed after it connected (its smart-charging support became known). */
export interface StationCapabilitiesEvent {
  readonly stationId: string;
  readonly smartCharging: boolean | undefined;
  readonly atMs: number;
}

export interface StationDisconnectedEvent {
  readonly stationId: string;
  readonly atMs: number;
  readonly code?: number | undefined;
}

export interface PortStatusEvent {
  readonly portId: string;
  readonly stationId: string;
  readonly status: PortStatus;
  /** As the station sent it. */
  readonly ocppStatus: string;
  readonly errorCode?: string | undefined;
  readonly atMs: number;
}

export interface SessionStartedEvent {
  readonly portId: string;
  readonly sessionId: number;
  readonly idTag?: string | undefined;
  readonly startedAtMs: number;
  readonly meterStartWh?: number | undefined;
}

export interface SessionStoppedEvent {
  readonly portId: string;
  readonly sessionId: number;
  readonly stoppedAtMs: number;
  readonly energyWh?: number | undefined;
  readonly reason?: string | undefined;
}

export interface PortMeterEvent {
  readonly portId: string;
  readonly sessionId?: number | undefined;
  readonly atMs: number;
  /** Per station conductor (its L1, L2, L3 terminals) in A; undefined where not reported. */
  readonly currentA: readonly (number | undefined)[];
  /** Which conductors carry current; undefined while too little flows to tell. */
  readonly conductorsInUse?: readonly boolean[] | undefined;
  /** Highest conductor current in A (the core's `PortDemand.measuredA`). */
  readonly maxCurrentA?: number | undefined;
  readonly energyWh?: number | undefined;
  readonly powerKw?: number | undefined;
  readonly voltageV?: number | undefined;
  readonly socPct?: number | undefined;
}

/**
 * What a car said of its needs (OCPP 2.0.1 / 2.1 NotifyEVChargingNeeds, from ISO 15118), as Fusebox keeps it
 * for the session. Every field is optional: a car says what it says.
 */
export interface EvChargingNeeds {
  /** When Fusebox received it (UTC epoch ms). */
  readonly receivedAtMs: number;
  /** When the car expects to leave (chargingNeeds.departureTime). */
  readonly departureMs?: number | undefined;
  /** Energy the car asked for when it said so, in Wh (energyAmount; from SoC and capacity where only those came). */
  readonly energyWh?: number | undefined;
  /** The port's energy register then, in Wh: the car still needs energyWh less what was delivered since. */
  readonly meterWh?: number | undefined;
  /** AC: the car's own current range per phase, in A (evMinCurrent, evMaxCurrent). */
  readonly minCurrentA?: number | undefined;
  readonly maxCurrentA?: number | undefined;
  /** DC: battery capacity in Wh and the SoC it charges to in %, to follow its SoC as it charges. */
  readonly capacityWh?: number | undefined;
  readonly targetSocPct?: number | undefined;
}

/**
 * What a driver, fleet system or operator said of a session's needs through the API (PUT
 * /api/v1/ports/{portId}/needs): it wins over the car's NotifyEVChargingNeeds and the site file's
 * assumptions (control/session-needs.ts). Belongs to the session: a new session starts without it.
 */
export interface DriverNeeds {
  /** When it was said (UTC epoch ms), and by whom (the API account). */
  readonly atMs: number;
  readonly by: string;
  /** When the car leaves (UTC epoch ms); undefined: not said (the car's or the site file's holds). */
  readonly departureMs?: number | undefined;
  /** Energy it needs from `meterWh` on, in Wh; undefined: not said. */
  readonly energyWh?: number | undefined;
  /** The port's energy register when it was said, in Wh (undefined: no reading yet, from the session's start). */
  readonly meterWh?: number | undefined;
}

export interface EvChargingNeedsEvent {
  readonly portId: string;
  readonly sessionId?: number | undefined;
  readonly needs: EvChargingNeeds;
}

export type SetpointResult =
  | 'accepted'
  | 'rejected'
  | 'timeout'
  /** No transaction on the port: a TxProfile needs one (OCPP 1.6 §3.13.3, 2.0.1 K01.FR.03). */
  | 'no-session'
  | 'offline'
  | 'unknown-port';

export interface SetpointEvent {
  readonly portId: string;
  readonly currentA: number;
  readonly result: SetpointResult;
  readonly reason?: string | undefined;
  /**
   * A refusal in the station's own word: its status (e.g. 'Rejected') or the code of its CALLERROR (e.g.
   * 'NotImplemented'); undefined when accepted, timed out, or not sent.
   */
  readonly stationAnswer?: string | undefined;
  readonly atMs: number;
  /** True when the gateway renewed an expiring setpoint by itself. */
  readonly renewal: boolean;
  /**
   * 'default' for the fail-safe TxDefaultProfile sent at a station's set-up (no session); absent for a
   * session's setpoint.
   */
  readonly purpose?: 'default' | undefined;
}

export interface GatewayEvents {
  'station-connected': StationConnectedEvent;
  'station-disconnected': StationDisconnectedEvent;
  'station-capabilities': StationCapabilitiesEvent;
  'port-status': PortStatusEvent;
  'session-started': SessionStartedEvent;
  'session-stopped': SessionStoppedEvent;
  'meter-values': PortMeterEvent;
  'ev-charging-needs': EvChargingNeedsEvent;
  setpoint: SetpointEvent;
}

export type GatewayEventName = keyof GatewayEvents;

const EVENT_NAMES: Record<GatewayEventName, true> = {
  'station-connected': true,
  'station-disconnected': true,
  'station-capabilities': true,
  'port-status': true,
  'session-started': true,
  'session-stopped': true,
  'meter-values': true,
  'ev-charging-needs': true,
  setpoint: true,
};
/** Every event a gateway emits (complete: the compiler checks the record above against GatewayEvents). */
export const GATEWAY_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly GatewayEventName[];

export interface SetpointOptions {
  /** Lifetime of the TxProfile; the station falls back to its fail-safe default after it. */
  readonly expiresAfterMs?: number | undefined;
}

/** A snapshot of one port. */
export interface PortSnapshot {
  readonly portId: string;
  readonly stationId: string;
  readonly connectorId: number;
  readonly connected: boolean;
  readonly status: PortStatus;
  readonly sessionId?: number | undefined;
  readonly sessionStartedAtMs?: number | undefined;
  readonly lastMeter?: PortMeterEvent | undefined;
  /** The energy register at the session's start (or its first reading), and its latest reading, in Wh. */
  readonly sessionStartWh?: number | undefined;
  readonly sessionLastWh?: number | undefined;
  /** The latest SoC the station reported in this session, in %, and when. */
  readonly socPct?: number | undefined;
  readonly socAtMs?: number | undefined;
  /** What the car said of its needs in this session (OCPP 2.0.1 / 2.1 only). */
  readonly evNeeds?: EvChargingNeeds | undefined;
  /** What a driver said of this session's needs through the API (control/driver-needs.ts adds it). */
  readonly driverNeeds?: DriverNeeds | undefined;
  /**
   * The fail-safe default the station may hold, in A: the last it accepted (the higher of that and one sent
   * and not answered, while in doubt; before any answer since the start, the one computed at the start).
   * What the port may draw when no TxProfile is in force.
   */
  readonly failSafeA: number;
  readonly effectiveLimitA: number;
  /**
   * false when the station said at its set-up that it has no smart charging (1.6 SupportedFeatureProfiles
   * without SmartCharging; 2.0.1 SmartChargingCtrlr Available or Enabled false); undefined when not known.
   */
  readonly smartCharging?: boolean | undefined;
}

export interface StationGateway {
  /** Subscribe; returns the unsubscribe function. Listener errors are logged, never thrown into OCPP. */
  on<E extends GatewayEventName>(event: E, listener: (e: GatewayEvents[E]) => void): () => void;
  /** Send a port its limit as a TxProfile bound to its session; resolves with the station's answer. */
  applySetpoint(portId: string, currentA: number, options?: SetpointOptions): Promise<SetpointResult>;
  /**
   * The highest limit the port may be drawing under now, in A: an unconfirmed or timed-out change counts
   * at the higher of old and new, an expiring setpoint at the higher of it and the fail-safe default.
   */
  effectiveLimitA(portId: string): number;
  port(portId: string): PortSnapshot | undefined;
  ports(): readonly PortSnapshot[];
  /**
   * Takes an uncontrolled port out of use (docs/control.md): 'unavailable' sends ChangeAvailability
   * Inoperative, 'stop' stops its transaction. Resolves with the station's answer (e.g. 'Accepted',
   * 'Scheduled'). Optional: a gateway without it cannot.
   */
  restrictPort?(portId: string, action: 'unavailable' | 'stop'): Promise<string>;
  /**
   * The fail-safe defaults that fit the limits in force now, per port id (the control loop's, whenever they
   * change): sent to the stations as TxDefaultProfiles, decreases first; a station that is away gets them
   * when it is back. Until a station accepts its new one, `failSafeA` stays at the one it may hold.
   */
  setFailSafeDefaults?(defaults: ReadonlyMap<string, number>): void;
}
