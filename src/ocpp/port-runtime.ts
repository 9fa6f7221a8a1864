/** What Fusebox knows about one port while it runs: status, session, last reading, setpoints. */
import type { PortInfo } from './port-directory.ts';
import { SetpointTracker } from './setpoint-tracker.ts';
import type {
  EvChargingNeeds,
  PortMeterEvent,
  PortSnapshot,
  PortStatus,
} from '../contracts/station-gateway.ts';

export interface ActiveSession {
  readonly sessionId: number;
  readonly transactionRef: string;
  readonly startedMs: number;
  readonly meterStartWh?: number | undefined;
  /** The latest energy register stored for the session (a restart resumes from it). */
  readonly meterLastWh?: number | undefined;
  /** What the car said of its needs, as stored (a restart mid-session keeps it). */
  readonly evNeeds?: EvChargingNeeds | undefined;
}

/** Needs said before the transaction started are kept this long for it, in ms. */
const PENDING_NEEDS_MS = 10 * 60_000;

export class PortRuntime {
  status: PortStatus = 'unknown';
  session: ActiveSession | undefined;
  lastMeter: PortMeterEvent | undefined;
  /** Conductors the car was last seen drawing on (for W limits); undefined until measured. */
  conductorsInUse: number | undefined;
  /** Energy register at the session's start, else its first reading, in Wh. */
  sessionStartWh: number | undefined;
  /** The session's latest energy register, in Wh. */
  sessionLastWh: number | undefined;
  /** Latest SoC reported in the session, in %, and when. */
  socPct: number | undefined;
  socAtMs: number | undefined;
  /** What the car said of its needs in this session. */
  evNeeds: EvChargingNeeds | undefined;
  /** Needs said on this port before its transaction started (ISO 15118 may talk before TxStartPoint). */
  private pendingNeeds: EvChargingNeeds | undefined;
  /** A renewal of the session setpoint is in flight. */
  renewing = false;
  readonly setpoints: SetpointTracker;
  /** The last snapshot made, handed out again while nothing in it changed. */
  private lastSnapshot: PortSnapshot | undefined;

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
    this.sessionStartWh = session.meterStartWh;
    this.sessionLastWh = session.meterLastWh ?? session.meterStartWh;
    this.socPct = this.socAtMs = undefined;
    this.evNeeds = session.evNeeds;
    this.setpoints.setSession(session.sessionId);
  }

  endSession(): void {
    this.session = undefined;
    this.conductorsInUse = undefined;
    this.sessionStartWh = this.sessionLastWh = undefined;
    this.socPct = this.socAtMs = undefined;
    this.evNeeds = undefined;
    this.pendingNeeds = undefined;
    this.setpoints.setSession(undefined);
  }

  /** Keeps needs said while no transaction runs, for the one about to start. */
  holdNeeds(needs: EvChargingNeeds): void {
    this.pendingNeeds = needs;
  }

  /** Needs said shortly before the session started at `startedMs`, once; undefined when none. */
  takePendingNeeds(startedMs: number): EvChargingNeeds | undefined {
    const needs = this.pendingNeeds;
    this.pendingNeeds = undefined;
    if (!needs || startedMs - needs.receivedAtMs > PENDING_NEEDS_MS) return undefined;
    return needs;
  }

  /**
   * What the control loop and the API read of the port. The same object as the last call while nothing it
   * shows changed: every control run reads all ports (2,000 at the soak's size), most unchanged, and a new
   * object per port per run was the largest share of a run's garbage (bench control-run). Snapshots are
   * never changed once made (readonly), so handing the same one out again is safe.
   */
  snapshot(connected: boolean, nowMs: number, smartCharging?: boolean): PortSnapshot {
    const effectiveLimitA = this.setpoints.effectiveLimitA(nowMs);
    const last = this.lastSnapshot;
    const session = this.session;
    if (
      last !== undefined &&
      last.connected === connected &&
      last.status === this.status &&
      last.sessionId === session?.sessionId &&
      last.sessionStartedAtMs === session?.startedMs &&
      last.lastMeter === this.lastMeter &&
      last.sessionStartWh === this.sessionStartWh &&
      last.sessionLastWh === this.sessionLastWh &&
      last.socPct === this.socPct &&
      last.socAtMs === this.socAtMs &&
      last.evNeeds === this.evNeeds &&
      last.failSafeA === this.setpoints.failSafeA &&
      last.effectiveLimitA === effectiveLimitA &&
      last.smartCharging === smartCharging
    )
      return last;
    return (this.lastSnapshot = {
      portId: this.portId,
      stationId: this.info.port.stationId,
      connectorId: this.info.port.connectorId,
      connected,
      status: this.status,
      sessionId: session?.sessionId,
      sessionStartedAtMs: session?.startedMs,
      lastMeter: this.lastMeter,
      sessionStartWh: this.sessionStartWh,
      sessionLastWh: this.sessionLastWh,
      socPct: this.socPct,
      socAtMs: this.socAtMs,
      evNeeds: this.evNeeds,
      failSafeA: this.setpoints.failSafeA,
      effectiveLimitA,
      smartCharging,
    });
  }
}
