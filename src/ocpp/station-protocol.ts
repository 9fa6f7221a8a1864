/**
 * What Fusebox asks of a station, independent of the OCPP version; `v16-outbound.ts` and `v2-outbound.ts`
 * implement it. Results carry the station's own status word (Accepted, Rejected, Scheduled, …).
 */
import type { ProfilePurpose, ProfileSpec, RateUnit } from './charging-profile.ts';
import type { StationConnection } from './station-connection.ts';

export interface CommandResult {
  /** The station's status, e.g. 'Accepted', 'Rejected', 'Scheduled', 'Unlocked'. */
  readonly status: string;
  readonly raw: unknown;
}

export interface ConfigurationEntry {
  /** 1.6: the key; 2.0.1: `Component.Variable` (with `[instance]` where needed). */
  readonly key: string;
  readonly value?: string | undefined;
  readonly readonly?: boolean | undefined;
  /** 'Accepted' or why it is missing (1.6 unknownKey → 'UnknownVariable'). */
  readonly status: string;
}

export interface CompositeSchedule {
  readonly startMs: number;
  readonly durationS: number;
  readonly unit: RateUnit;
  readonly periods: readonly {
    readonly startPeriodS: number;
    readonly limit: number;
    readonly numberPhases?: number;
  }[];
}

export type ResetKind = 'soft' | 'hard';

export interface StationProtocol {
  setChargingProfile(conn: StationConnection, spec: ProfileSpec): Promise<CommandResult>;
  /** Rate units the station takes, from its configuration; ['A'] when it does not say. */
  readRateUnits(conn: StationConnection): Promise<readonly RateUnit[]>;
  /**
   * Whether the station has smart charging at all (1.6 SupportedFeatureProfiles, 2.0.1 SmartChargingCtrlr
   * Available/Enabled); undefined when it does not say.
   */
  readSmartChargingSupport(conn: StationConnection): Promise<boolean | undefined>;
  /** Ask for per-phase current, power, energy, voltage and SoC every `intervalS` during sessions. */
  configureMeterValues(conn: StationConnection, intervalS: number): Promise<void>;
  remoteStart(
    conn: StationConnection,
    connectorId: number | undefined,
    idTag: string,
    remoteStartId: number,
  ): Promise<CommandResult>;
  remoteStop(conn: StationConnection, transactionRef: string): Promise<CommandResult>;
  reset(conn: StationConnection, kind: ResetKind): Promise<CommandResult>;
  /** connectorId 0: the whole station. */
  changeAvailability(
    conn: StationConnection,
    connectorId: number,
    operative: boolean,
  ): Promise<CommandResult>;
  getConfiguration(conn: StationConnection, keys?: readonly string[]): Promise<readonly ConfigurationEntry[]>;
  setConfiguration(conn: StationConnection, key: string, value: string): Promise<CommandResult>;
  /** `message` in the version's own vocabulary (e.g. MeterValues, StatusNotification, TransactionEvent). */
  triggerMessage(conn: StationConnection, message: string, connectorId?: number): Promise<CommandResult>;
  /** Ask for one port's StatusNotification (1.6 connector, 2.0.1 connector 1 of the EVSE). */
  triggerStatus(conn: StationConnection, connectorId: number): Promise<CommandResult>;
  unlockConnector(conn: StationConnection, connectorId: number): Promise<CommandResult>;
  clearChargingProfile(
    conn: StationConnection,
    criteria: { connectorId?: number; purpose?: ProfilePurpose; profileId?: number },
  ): Promise<CommandResult>;
  getCompositeSchedule(
    conn: StationConnection,
    connectorId: number,
    durationS: number,
    unit?: RateUnit,
  ): Promise<{ readonly status: string; readonly schedule?: CompositeSchedule | undefined }>;
}
