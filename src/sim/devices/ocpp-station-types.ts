/** The simulated OCPP station's options and state (ocpp-station.ts): its ports, cars and transactions. */
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import type { UpstreamTls } from '../../contracts/upstream.ts';

export interface SimPortOptions {
  readonly connectorId: number;
  /** Conductors of the port: 1 (single phase) or 3. */
  readonly phases?: 1 | 3;
  readonly maxCurrentA?: number;
}

/** The station's wss:// client TLS: what Fusebox's own OCPP client (the cloud relay) takes, CA and client cert. */
export type SimTlsOptions = UpstreamTls;

export interface SimStationOptions {
  /** Base URL without the station id, e.g. ws://127.0.0.1:9000/ocpp. */
  readonly url: string;
  readonly stationId: string;
  readonly version: OcppVersion;
  /** A number of identical three-phase 32 A ports, or each port. Default 1. */
  readonly ports?: number | readonly SimPortOptions[];
  readonly password?: string | undefined;
  readonly tls?: SimTlsOptions | undefined;
  /** Local address to connect from (tests: another 127.0.0.0/8 address is another source). */
  readonly localAddress?: string | undefined;
  readonly voltageV?: number;
  /** Rate units announced in the station's configuration. Default ['A']. */
  readonly rateUnits?: readonly ('A' | 'W')[];
  readonly now?: () => number;
  readonly callTimeoutMs?: number;
  readonly vendor?: string;
  readonly model?: string;
  /** Subprotocols offered; default: the one of `version`. */
  readonly offerProtocols?: readonly string[];
  /** Keep the last N calls received from the CSMS in `received` (0: none). Default 200. */
  readonly keepReceived?: number;
  /**
   * Reconnect by itself after losing the connection, as real stations do: after `initialDelayMs` (default
   * 1 s), doubling up to `maxDelayMs` (default 30 s), each delay randomised down to half so that stations
   * dropped together do not come back in step; without a new BootNotification. Off by default (tests).
   */
  readonly reconnect?: boolean | { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Told the round-trip time of every CALL the station makes (benchmarks). */
  readonly onCallDone?: (action: string, ms: number, ok: boolean) => void;
  /** How SetChargingProfile is refused (see SimProfileRefusal); default: profiles are applied. */
  readonly refuseProfiles?: SimProfileRefusal | undefined;
  /**
   * false: the station announces no smart charging (1.6 SupportedFeatureProfiles without SmartCharging,
   * 2.0.1 SmartChargingCtrlr Available and Enabled false). Default true.
   */
  readonly smartCharging?: boolean | undefined;
  /**
   * true: the station keeps a local authorization list (1.6 SupportedFeatureProfiles names
   * LocalAuthListManagement; GetLocalListVersion and SendLocalList are answered). Default false.
   */
  readonly localList?: boolean | undefined;
}

/** The station's local authorization list (SendLocalList): its version and entries by id tag. */
export interface SimLocalList {
  version: number;
  readonly entries: Map<string, unknown>;
}

/** What a car on a port wants: up to `maxCurrentA` per phase on `phases` conductors. */
export interface SimCar {
  maxCurrentA: number;
  phases: 1 | 2 | 3;
  socPct?: number | undefined;
  /** Battery size for SoC to follow the energy, in Wh. */
  capacityWh?: number | undefined;
  /**
   * An ISO 15118 car: when it leaves (ms since epoch) and the energy it asks for, in Wh. A 2.0.1 / 2.1
   * station sends them in NotifyEVChargingNeeds when its transaction starts; a 1.6 station cannot.
   */
  departureMs?: number | undefined;
  energyWantedWh?: number | undefined;
}

export interface SimTransaction {
  readonly id: string;
  readonly idTag: string;
  readonly startMs: number;
  readonly meterStartWh: number;
  seqNo: number;
}

export interface SimPort {
  readonly connectorId: number;
  readonly phases: 1 | 3;
  readonly maxCurrentA: number;
  car: SimCar | undefined;
  tx: SimTransaction | undefined;
  meterWh: number;
  lastAdvanceMs: number;
  status: string;
  operative: boolean;
}

export type SimAnswering = 'normal' | 'never' | 'reject-profiles';

/**
 * How a station without (working) smart charging answers SetChargingProfile: status Rejected, a CALLERROR
 * NotImplemented, or no answer at all (Fusebox's call times out). Undefined: it applies profiles.
 */
export type SimProfileRefusal = 'Rejected' | 'NotImplemented' | 'no-answer';

/** How a station answers TriggerMessage: as asked, refusing (its status word), or with a CALLERROR. */
export type SimTriggerAnswer = 'Accepted' | 'Rejected' | 'NotImplemented' | 'CALLERROR';
