/** StationProtocol for OCPP 2.0.1 and 2.1 (Part 2: blocks B, C, D, E, F, G, K). */
import type { RateUnit } from './charging-profile.ts';
import { profile2, schedulePeriods } from './charging-profile.ts';
import type { CommandResult, ConfigurationEntry, StationProtocol } from './station-protocol.ts';
import type { StationConnection } from './station-connection.ts';
import type { ComponentVariable2, GetVariableResult2, SetVariableResult2 } from './v2-types.ts';

interface StatusConf {
  readonly status: string;
}

async function command(conn: StationConnection, action: string, payload: unknown): Promise<CommandResult> {
  const raw = await conn.call<StatusConf>(action, payload);
  return { status: raw.status, raw };
}

/** Configuration keys are written `Component.Variable`, each optionally with `[instance]`. */
const KEY = /^([A-Za-z0-9_-]+)(?:\[([^\]]+)\])?\.([A-Za-z0-9_-]+)(?:\[([^\]]+)\])?$/;

/** A configuration key that is not `Component.Variable`. */
export class ConfigurationKeyError extends Error {
  constructor(readonly key: string) {
    super(
      `'${key}' is not an OCPP 2.x variable: write Component.Variable, e.g. OCPPCommCtrlr.HeartbeatInterval`,
    );
    this.name = 'ConfigurationKeyError';
  }
}

export function parseVariableKey(key: string): ComponentVariable2 {
  const m = KEY.exec(key);
  if (!m) throw new ConfigurationKeyError(key);
  return {
    component: { name: m[1]!, ...(m[2] ? { instance: m[2] } : {}) },
    variable: { name: m[3]!, ...(m[4] ? { instance: m[4] } : {}) },
  };
}

export function variableKey(cv: ComponentVariable2): string {
  const c = cv.component.instance ? `${cv.component.name}[${cv.component.instance}]` : cv.component.name;
  const v = cv.variable.instance ? `${cv.variable.name}[${cv.variable.instance}]` : cv.variable.name;
  return `${c}.${v}`;
}

/** Read when no keys are given: 2.x has no "all keys" query short of an asynchronous report. */
const DEFAULT_KEYS = [
  'OCPPCommCtrlr.HeartbeatInterval',
  'SampledDataCtrlr.TxUpdatedInterval',
  'SampledDataCtrlr.TxUpdatedMeasurands',
  'SmartChargingCtrlr.RateUnit',
  'SmartChargingCtrlr.Enabled',
  'AuthCtrlr.LocalAuthorizeOffline',
];

const MEASURANDS = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC';

export const v2Outbound: StationProtocol = {
  setChargingProfile: (conn, spec) => command(conn, 'SetChargingProfile', profile2(spec)),

  async readRateUnits(conn) {
    // 2.0.1 Part 2 appendix, SmartChargingCtrlr.RateUnit: a member list such as "A,W".
    const [entry] = await this.getConfiguration(conn, ['SmartChargingCtrlr.RateUnit']);
    const value = entry?.status === 'Accepted' ? entry.value : undefined;
    if (!value) return ['A'];
    const units = value
      .split(',')
      .map((u) => u.trim())
      .filter((u): u is RateUnit => u === 'A' || u === 'W');
    return units.length ? units : ['A'];
  },

  async readSmartChargingSupport(conn) {
    // 2.0.1 Part 2 appendix: SmartChargingCtrlr.Available (the block is there) and .Enabled (switched on).
    const entries = await this.getConfiguration(conn, [
      'SmartChargingCtrlr.Available',
      'SmartChargingCtrlr.Enabled',
    ]);
    const said = entries
      .filter((e) => e.status === 'Accepted' && e.value !== undefined)
      .map((e) => e.value!.trim().toLowerCase());
    if (said.includes('false')) return false;
    return said.includes('true') ? true : undefined;
  },

  async configureMeterValues(conn, intervalS) {
    const setVariableData = [
      { ...parseVariableKey('SampledDataCtrlr.TxUpdatedMeasurands'), attributeValue: MEASURANDS },
      { ...parseVariableKey('SampledDataCtrlr.TxUpdatedInterval'), attributeValue: String(intervalS) },
    ];
    // Best effort, as for 1.6: a refusal leaves the station's own sampling.
    await conn.call('SetVariables', { setVariableData }).catch(() => undefined);
  },

  remoteStart: (conn, connectorId, idTag, remoteStartId) =>
    command(conn, 'RequestStartTransaction', {
      idToken: { idToken: idTag, type: 'Central' },
      remoteStartId,
      ...(connectorId !== undefined ? { evseId: connectorId } : {}),
    }),

  remoteStop: (conn, transactionRef) =>
    command(conn, 'RequestStopTransaction', { transactionId: transactionRef }),

  reset: (conn, kind) => command(conn, 'Reset', { type: kind === 'hard' ? 'Immediate' : 'OnIdle' }),

  changeAvailability: (conn, connectorId, operative) =>
    command(conn, 'ChangeAvailability', {
      operationalStatus: operative ? 'Operative' : 'Inoperative',
      ...(connectorId > 0 ? { evse: { id: connectorId } } : {}),
    }),

  async getConfiguration(conn, keys) {
    const list = keys?.length ? keys : DEFAULT_KEYS;
    const getVariableData = list.map(parseVariableKey);
    const raw = await conn.call<{ getVariableResult: GetVariableResult2[] }>('GetVariables', {
      getVariableData,
    });
    return raw.getVariableResult.map((r): ConfigurationEntry => ({
      key: variableKey(r),
      value: r.attributeValue,
      status: r.attributeStatus,
    }));
  },

  async setConfiguration(conn, key, value) {
    const raw = await conn.call<{ setVariableResult: SetVariableResult2[] }>('SetVariables', {
      setVariableData: [{ ...parseVariableKey(key), attributeValue: value }],
    });
    return { status: raw.setVariableResult[0]?.attributeStatus ?? 'Rejected', raw };
  },

  triggerMessage: (conn, message, connectorId) =>
    command(conn, 'TriggerMessage', {
      requestedMessage: message,
      ...(connectorId !== undefined && connectorId > 0 ? { evse: { id: connectorId } } : {}),
    }),

  // 2.0.1 F06.FR.13: a StatusNotification is asked for with the evse field, at connector level.
  triggerStatus: (conn, connectorId) =>
    command(conn, 'TriggerMessage', {
      requestedMessage: 'StatusNotification',
      evse: { id: connectorId, connectorId: 1 },
    }),

  // Fusebox ports are EVSEs with one connector each (the usual case); connector 1 is the one to unlock.
  unlockConnector: (conn, connectorId) =>
    command(conn, 'UnlockConnector', { evseId: connectorId, connectorId: 1 }),

  clearChargingProfile: (conn, criteria) => {
    const c = {
      ...(criteria.connectorId !== undefined ? { evseId: criteria.connectorId } : {}),
      ...(criteria.purpose !== undefined
        ? { chargingProfilePurpose: criteria.purpose === 'default' ? 'TxDefaultProfile' : 'TxProfile' }
        : {}),
    };
    return command(conn, 'ClearChargingProfile', {
      ...(criteria.profileId !== undefined ? { chargingProfileId: criteria.profileId } : {}),
      ...(Object.keys(c).length ? { chargingProfileCriteria: c } : {}),
    });
  },

  async getCompositeSchedule(conn, connectorId, durationS, unit) {
    interface Conf {
      status: string;
      schedule?: {
        duration: number;
        scheduleStart: string;
        chargingRateUnit: RateUnit;
        chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
      };
    }
    const raw = await conn.call<Conf>('GetCompositeSchedule', {
      evseId: connectorId,
      duration: durationS,
      ...(unit ? { chargingRateUnit: unit } : {}),
    });
    const s = raw.schedule;
    return {
      status: raw.status,
      schedule: s && {
        startMs: Date.parse(s.scheduleStart),
        durationS: s.duration,
        unit: s.chargingRateUnit,
        periods: schedulePeriods(s.chargingSchedulePeriod),
      },
    };
  },
};
