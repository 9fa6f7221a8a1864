/** The state the parts of the OCPP server share; built once by OcppServer. */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { GatewayEmitter } from './gateway-emitter.ts';
import type { EventRecord, OcppRepository } from '../contracts/ocpp-repository.ts';
import type { OcppStationSettings, OcppServerSettings } from './ocpp-settings.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { isV2 } from './ocpp-version.ts';
import type { PortDirectory } from './port-directory.ts';
import type { PortRuntime } from './port-runtime.ts';
import type { StationClockSkew } from './station-clock.ts';
import type { StationConnection } from './station-connection.ts';
import type { StationProtocol } from './station-protocol.ts';
import { v16Outbound } from './v16-outbound.ts';
import { v2Outbound } from './v2-outbound.ts';

export interface OcppContext {
  readonly repo: OcppRepository;
  readonly log: Logger;
  /** Fusebox's clock, for timers. */
  readonly clock: Clock;
  /** `clock.nowMs()`, the time every record and decision uses. */
  readonly now: () => number;
  readonly settings: OcppServerSettings;
  readonly stations: ReadonlyMap<string, OcppStationSettings>;
  readonly directory: PortDirectory;
  readonly ports: ReadonlyMap<string, PortRuntime>;
  readonly events: GatewayEmitter;
  readonly connections: Map<string, StationConnection>;
  /** Per station id, how far its clock is from Fusebox's (station-clock.ts); kept across its connections. */
  readonly stationClocks: Map<string, StationClockSkew>;
}

/** The outbound protocol of a version. */
export function protocolOf(version: OcppVersion): StationProtocol {
  return isV2(version) ? v2Outbound : v16Outbound;
}

/** Store an event without waiting; a storage failure is logged, never thrown into protocol handling. */
export function recordEvent(ctx: OcppContext, event: Omit<EventRecord, 'atMs'> & { atMs?: number }): void {
  ctx.repo.recordEvent({ ...event, atMs: event.atMs ?? ctx.now() }).catch((err: unknown) => {
    ctx.log.error({ err, kind: event.kind }, 'could not store event');
  });
}

/** The runtime of the port at a station's connector / EVSE, if the site has one there. */
export function portAt(ctx: OcppContext, stationId: string, connectorId: number): PortRuntime | undefined {
  const info = ctx.directory.at(stationId, connectorId);
  return info ? ctx.ports.get(info.port.id) : undefined;
}
