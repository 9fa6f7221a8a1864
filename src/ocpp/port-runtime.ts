/** What Fusebox knows about one port while it runs: status, session, last reading, setpoints. */
import type { PortInfo } from './port-directory.ts';
import { SetpointTracker } from './setpoint-tracker.ts';
import type { PortMeterEvent, PortSnapshot, PortStatus } from './station-gateway.ts';

export interface ActiveSession {
  readonly sessionId: number;
  readonly transactionRef: string;
  readonly startedMs: number;
}

export class PortRuntime {
  status: PortStatus = 'unknown';
  session: ActiveSession | undefined;
  lastMeter: PortMeterEvent | undefined;
  /** Conductors the car was last seen drawing on (for W limits); undefined until measured. */
  conductorsInUse: number | undefined;
  /** A renewal of the session setpoint is in flight. */
  renewing = false;
  readonly setpoints: SetpointTracker;

  constructor(
    readonly info: PortInfo,
    expiryMarginMs: number,
  ) {
    this.setpoints = new SetpointTracker(info.failSafeA, info.port.maxCurrentA, expiryMarginMs);
  }

  get portId(): string {
    return this.info.port.id;
  }

  startSession(session: ActiveSession): void {
    this.session = session;
    this.conductorsInUse = undefined;
    this.setpoints.setSession(session.sessionId);
  }

  endSession(): void {
    this.session = undefined;
    this.conductorsInUse = undefined;
    this.setpoints.setSession(undefined);
  }

  snapshot(connected: boolean, nowMs: number): PortSnapshot {
    return {
      portId: this.portId,
      stationId: this.info.port.stationId,
      connectorId: this.info.port.connectorId,
      connected,
      status: this.status,
      sessionId: this.session?.sessionId,
      sessionStartedAtMs: this.session?.startedMs,
      lastMeter: this.lastMeter,
      failSafeA: this.info.failSafeA,
      effectiveLimitA: this.setpoints.effectiveLimitA(nowMs),
    };
  }
}
