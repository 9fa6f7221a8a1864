/**
 * Errors an operator command can meet; each carries the offending id and its code in the error catalogue
 * (src/error-catalogue.ts, docs/errors.md).
 */
import { FuseboxError } from '../error-catalogue.ts';

export class UnknownStationError extends FuseboxError {
  declare readonly code: 'OCPP_UNKNOWN_STATION';
  constructor(readonly stationId: string) {
    super('OCPP_UNKNOWN_STATION', `station '${stationId}' is not configured`);
    this.name = 'UnknownStationError';
  }
}

export class UnknownPortError extends FuseboxError {
  declare readonly code: 'OCPP_UNKNOWN_PORT';
  constructor(readonly portId: string) {
    super('OCPP_UNKNOWN_PORT', `port '${portId}' is not configured`);
    this.name = 'UnknownPortError';
  }
}

export class StationOfflineError extends FuseboxError {
  declare readonly code: 'OCPP_STATION_OFFLINE';
  constructor(readonly stationId: string) {
    super('OCPP_STATION_OFFLINE', `station '${stationId}' is not connected`);
    this.name = 'StationOfflineError';
  }
}

export class NoSessionError extends FuseboxError {
  declare readonly code: 'OCPP_NO_SESSION';
  constructor(readonly portId: string) {
    super('OCPP_NO_SESSION', `port '${portId}' has no session`);
    this.name = 'NoSessionError';
  }
}
