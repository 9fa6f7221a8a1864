/** Errors an operator command can meet; each carries the offending id. */

export class UnknownStationError extends Error {
  readonly code = 'OCPP_UNKNOWN_STATION';
  constructor(readonly stationId: string) {
    super(`station '${stationId}' is not configured`);
    this.name = 'UnknownStationError';
  }
}

export class UnknownPortError extends Error {
  readonly code = 'OCPP_UNKNOWN_PORT';
  constructor(readonly portId: string) {
    super(`port '${portId}' is not configured`);
    this.name = 'UnknownPortError';
  }
}

export class StationOfflineError extends Error {
  readonly code = 'OCPP_STATION_OFFLINE';
  constructor(readonly stationId: string) {
    super(`station '${stationId}' is not connected`);
    this.name = 'StationOfflineError';
  }
}

export class NoSessionError extends Error {
  readonly code = 'OCPP_NO_SESSION';
  constructor(readonly portId: string) {
    super(`port '${portId}' has no session`);
    this.name = 'NoSessionError';
  }
}
