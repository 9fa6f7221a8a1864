/**
 * A typed hook on what the OCPP server exchanges with stations, frame by frame, for metrics: every CALL in
 * and out (with the station's OCPP version) and every CALLERROR. The composition root wires it; the OCPP
 * server knows nothing of who listens.
 */
import type { OcppVersion } from '../contracts/station-gateway.ts';

/** A CALL: `in` from a station, `out` from Fusebox to a station. */
export interface OcppCallSeen {
  readonly stationId: string;
  readonly version: OcppVersion;
  readonly direction: 'in' | 'out';
  readonly action: string;
}

/**
 * A CALLERROR: `out` = Fusebox refused a station's CALL (bad frame, unknown action, not booted, …),
 * `in` = a station refused Fusebox's CALL. `action` is the refused CALL's, or 'unknown' when it cannot be
 * told (an unparsable CALL).
 */
export interface OcppCallErrorSeen extends OcppCallSeen {
  /** The OCPP-J error code (FormatViolation, NotImplemented, SecurityError, …). */
  readonly code: string;
}

/** Listener for OCPP traffic; each method is optional and must not throw. */
export interface OcppTrafficObserver {
  onCall?(e: OcppCallSeen): void;
  onCallError?(e: OcppCallErrorSeen): void;
}
