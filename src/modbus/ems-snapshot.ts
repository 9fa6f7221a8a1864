/** What the control loop shows the building EMS; the server asks for it on every read. */
import type { EmsPortState } from './ems-map-spec.ts';
import type { PhaseValues } from '../contracts/meter-reading.ts';

export interface EmsCircuitValues {
  /** Measured load per phase in A (null: no meter or stale). */
  readonly loadA: PhaseValues;
  /** Limit in force per phase in A. */
  readonly limitA: number | null;
  readonly powerKw: number | null;
}

export interface EmsPortValues {
  readonly state: EmsPortState;
  /** Phases the port draws on: 1, 2 or 3. */
  readonly phases: number;
  /** Measured current, highest phase, in A. */
  readonly currentA: number | null;
  /** Limit sent to the station in A. */
  readonly limitA: number | null;
  readonly powerKw: number | null;
  readonly sessionEnergyKwh: number | null;
}

export interface EmsAlarms {
  readonly meterStale?: boolean | undefined;
  readonly stationOffline?: boolean | undefined;
  readonly failSafe?: boolean | undefined;
  readonly overLimit?: boolean | undefined;
}

export interface EmsSnapshot {
  readonly sitePowerKw: number | null;
  readonly siteCurrentA: PhaseValues;
  readonly evPowerKw: number | null;
  /** What the site could still give EVs: lowest phase in A, and in kW. */
  readonly headroomA: number | null;
  readonly headroomKw: number | null;
  readonly activeSessions: number;
  readonly pausedSessions: number;
  readonly alarms: EmsAlarms;
  /** By circuit id; a circuit not listed reads "not available". */
  readonly circuits: ReadonlyMap<string, EmsCircuitValues>;
  /** By port id; a port not listed reads state unknown. */
  readonly ports: ReadonlyMap<string, EmsPortValues>;
}

/** The control loop's current view; throwing means the loop is not alive (heartbeat stops, status bit 0 clears). */
export type EmsSnapshotProvider = () => EmsSnapshot;
