/** StationProtocol for OCPP 1.6J (§5: operations initiated by the central system). */
import type { RateUnit } from './charging-profile.ts';
import { profile16, schedulePeriods } from './charging-profile.ts';
import type {
  CommandResult,
  CompositeSchedule,
  ConfigurationEntry,
  StationProtocol,
} from './station-protocol.ts';
import type { StationConnection } from './station-connection.ts';
import type { GetConfigurationResult16 } from './v16-types.ts';

interface StatusConf {
  readonly status: string;
}

async function command(conn: StationConnection, action: string, payload: unknown): Promise<CommandResult> {
  const raw = await conn.call<StatusConf>(action, payload);
  return { status: raw.status, raw };
}

/** Measurands Fusebox asks for (1.6 §9.1.18 MeterValuesSampledData). */
const MEASURANDS = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC';

export const v16Outbound: StationProtocol = {
  setChargingProfile: (conn, spec) => command(conn, 'SetChargingProfile', profile16(spec)),

  async readRateUnits(conn) {
    // 1.6 §9.4.2 ChargingScheduleAllowedChargingRateUnit: "Current", "Power" or both.
    const entries = await this.getConfiguration(conn, ['ChargingScheduleAllowedChargingRateUnit']);
    const value = entries.find((e) => e.key === 'ChargingScheduleAllowedChargingRateUnit')?.value;
    if (!value) return ['A'];
    const units: RateUnit[] = [];
    if (/current/i.test(value)) units.push('A');
    if (/power/i.test(value)) units.push('W');
    return units.length ? units : ['A'];
  },

  async readSmartChargingSupport(conn) {
    // 1.6 §9.1.31 SupportedFeatureProfiles: a list such as "Core,FirmwareManagement,SmartCharging".
    const entries = await this.getConfiguration(conn, ['SupportedFeatureProfiles']);
    const value = entries.find((e) => e.key === 'SupportedFeatureProfiles')?.value;
    if (!value) return undefined;
    return value.split(',').some((p) => p.trim().toLowerCase() === 'smartcharging');
  },

  async configureMeterValues(conn, intervalS) {
    // Best effort: a station that refuses keeps its own settings; MeterValues are parsed whatever they hold.
    await this.setConfiguration(conn, 'MeterValuesSampledData', MEASURANDS).catch(() => undefined);
    await this.setConfiguration(conn, 'MeterValueSampleInterval', String(intervalS)).catch(() => undefined);
  },

  remoteStart: (conn, connectorId, idTag) =>
    command(conn, 'RemoteStartTransaction', { idTag, ...(connectorId !== undefined ? { connectorId } : {}) }),

  remoteStop: (conn, transactionRef) =>
    command(conn, 'RemoteStopTransaction', { transactionId: Number(transactionRef) }),

  reset: (conn, kind) => command(conn, 'Reset', { type: kind === 'hard' ? 'Hard' : 'Soft' }),

  changeAvailability: (conn, connectorId, operative) =>
    command(conn, 'ChangeAvailability', { connectorId, type: operative ? 'Operative' : 'Inoperative' }),

  async getConfiguration(conn, keys) {
    const raw = await conn.call<GetConfigurationResult16>(
      'GetConfiguration',
      keys?.length ? { key: keys } : {},
    );
    const entries: ConfigurationEntry[] = (raw.configurationKey ?? []).map((k) => ({
      key: k.key,
      value: k.value,
      readonly: k.readonly,
      status: 'Accepted',
    }));
    for (const key of raw.unknownKey ?? []) entries.push({ key, status: 'UnknownVariable' });
    return entries;
  },

  setConfiguration: (conn, key, value) => command(conn, 'ChangeConfiguration', { key, value }),

  triggerMessage: (conn, message, connectorId) =>
    command(conn, 'TriggerMessage', {
      requestedMessage: message,
      ...(connectorId !== undefined ? { connectorId } : {}),
    }),

  triggerStatus: (conn, connectorId) =>
    command(conn, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId }),

  unlockConnector: (conn, connectorId) => command(conn, 'UnlockConnector', { connectorId }),

  clearChargingProfile: (conn, criteria) =>
    command(conn, 'ClearChargingProfile', {
      ...(criteria.profileId !== undefined ? { id: criteria.profileId } : {}),
      ...(criteria.connectorId !== undefined ? { connectorId: criteria.connectorId } : {}),
      ...(criteria.purpose !== undefined
        ? { chargingProfilePurpose: criteria.purpose === 'default' ? 'TxDefaultProfile' : 'TxProfile' }
        : {}),
    }),

  async getCompositeSchedule(conn, connectorId, durationS, unit) {
    interface Conf {
      status: string;
      scheduleStart?: string;
      chargingSchedule?: {
        duration?: number;
        startSchedule?: string;
        chargingRateUnit: RateUnit;
        chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
      };
    }
    const raw = await conn.call<Conf>('GetCompositeSchedule', {
      connectorId,
      duration: durationS,
      ...(unit ? { chargingRateUnit: unit } : {}),
    });
    const cs = raw.chargingSchedule;
    const start = raw.scheduleStart ?? cs?.startSchedule;
    const schedule: CompositeSchedule | undefined =
      cs && start
        ? {
            startMs: Date.parse(start),
            durationS: cs.duration ?? durationS,
            unit: cs.chargingRateUnit,
            periods: schedulePeriods(cs.chargingSchedulePeriod),
          }
        : undefined;
    return { status: raw.status, schedule };
  },
};
