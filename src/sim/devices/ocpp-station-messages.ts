/** Payloads a simulated station sends, and the profiles it receives, per OCPP version. */
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import type { SimProfile, SimProfilePurpose } from './ocpp-station-profiles.ts';
import { AC_MIN_A } from '../../core/site.ts';
import type { SimCar, SimPort, SimStationOptions } from './ocpp-station-types.ts';

export interface SimReading {
  readonly atMs: number;
  readonly energyWh: number;
  readonly powerW: number;
  /** Per conductor of the port (1 or 3). */
  readonly currentA: readonly number[];
  readonly voltageV: number;
  readonly socPct?: number | undefined;
  readonly context: 'Sample.Periodic' | 'Transaction.Begin' | 'Transaction.End' | 'Trigger';
}

const iso = (ms: number): string => new Date(ms).toISOString();
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** One MeterValue with energy, power, current per phase, voltage and SoC (1.6 text values, 2.x numbers). */
export function meterValue(version: OcppVersion, r: SimReading): unknown {
  const v16 = version === '1.6';
  const sv = (measurand: string, value: number, unit: string, phase?: string) =>
    v16
      ? { value: String(round1(value)), context: r.context, measurand, unit, ...(phase ? { phase } : {}) }
      : {
          value: round1(value),
          context: r.context,
          measurand,
          unitOfMeasure: { unit },
          ...(phase ? { phase } : {}),
        };
  const values = [
    sv('Energy.Active.Import.Register', r.energyWh, 'Wh'),
    sv('Power.Active.Import', r.powerW, 'W'),
    ...r.currentA.map((a, i) => sv('Current.Import', a, 'A', `L${i + 1}`)),
    sv('Voltage', r.voltageV, 'V', 'L1-N'),
    ...(r.socPct !== undefined ? [{ ...sv('SoC', r.socPct, 'Percent'), location: 'EV' }] : []),
  ];
  return { timestamp: iso(r.atMs), sampledValue: values };
}

interface Period {
  startPeriod: number;
  limit?: number;
  numberPhases?: number;
}

interface Schedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: Period[];
}

const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));

function periods(s: Schedule): SimProfile['periods'] {
  return s.chargingSchedulePeriod.map((p) => ({
    startPeriodS: p.startPeriod,
    limit: p.limit ?? Infinity,
    numberPhases: p.numberPhases,
  }));
}

/** What a SetChargingProfile's profile says in both versions. */
interface ProfileFields {
  stackLevel: number;
  chargingProfilePurpose: SimProfilePurpose;
  chargingProfileKind: SimProfile['kind'];
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
}

/** The profile as the station stores it, from either version's fields and its (first) schedule. */
function stored(
  cp: ProfileFields,
  ids: { id: number; connectorId: number; transactionId: string | undefined },
  schedule: Schedule,
  nowMs: number,
): SimProfile {
  return {
    id: ids.id,
    purpose: cp.chargingProfilePurpose,
    stackLevel: cp.stackLevel,
    connectorId: ids.connectorId,
    transactionId: ids.transactionId,
    kind: cp.chargingProfileKind,
    recurrency: cp.recurrencyKind,
    validFromMs: ms(cp.validFrom),
    validToMs: ms(cp.validTo),
    startScheduleMs: ms(schedule.startSchedule),
    durationS: schedule.duration,
    unit: schedule.chargingRateUnit,
    periods: periods(schedule),
    receivedMs: nowMs,
  };
}

/** A 1.6 SetChargingProfile.req as the station stores it. */
export function profileFrom16(payload: unknown, nowMs: number): SimProfile {
  const p = payload as {
    connectorId: number;
    csChargingProfiles: ProfileFields & {
      chargingProfileId: number;
      transactionId?: number;
      chargingSchedule: Schedule;
    };
  };
  const cp = p.csChargingProfiles;
  const transactionId = cp.transactionId !== undefined ? String(cp.transactionId) : undefined;
  return stored(
    cp,
    { id: cp.chargingProfileId, connectorId: p.connectorId, transactionId },
    cp.chargingSchedule,
    nowMs,
  );
}

/** A 2.0.1 / 2.1 SetChargingProfile.req as the station stores it (first schedule only). */
export function profileFrom2(payload: unknown, nowMs: number): SimProfile {
  const p = payload as {
    evseId: number;
    chargingProfile: ProfileFields & { id: number; transactionId?: string; chargingSchedule: Schedule[] };
  };
  const cp = p.chargingProfile;
  const ids = { id: cp.id, connectorId: p.evseId, transactionId: cp.transactionId };
  return stored(cp, ids, cp.chargingSchedule[0]!, nowMs);
}

/** The configuration a station starts with (1.6 keys or 2.x Component.Variable values) for its options. */
export function initialConfig(options: SimStationOptions, portCount: number): Map<string, string> {
  const config = new Map<string, string>();
  const smart = options.smartCharging !== false;
  const units = options.rateUnits ?? ['A'];
  if (options.version === '1.6') {
    config.set(
      'ChargingScheduleAllowedChargingRateUnit',
      units.map((u) => (u === 'A' ? 'Current' : 'Power')).join(','),
    );
    config.set('MeterValueSampleInterval', '60');
    config.set('MeterValuesSampledData', 'Energy.Active.Import.Register');
    config.set('NumberOfConnectors', String(portCount));
    config.set(
      'SupportedFeatureProfiles',
      [
        'Core,FirmwareManagement,RemoteTrigger',
        ...(smart ? ['SmartCharging'] : []),
        ...(options.localList ? ['LocalAuthListManagement'] : []),
      ].join(','),
    );
  } else {
    config.set('SmartChargingCtrlr.RateUnit', units.join(','));
    config.set('SmartChargingCtrlr.Available', String(smart));
    config.set('SmartChargingCtrlr.Enabled', String(smart));
    config.set('SampledDataCtrlr.TxUpdatedInterval', '60');
    config.set('SampledDataCtrlr.TxUpdatedMeasurands', 'Energy.Active.Import.Register');
    config.set('OCPPCommCtrlr.HeartbeatInterval', '300');
  }
  return config;
}

/** BootNotification (1.6 or 2.x) of a station of `vendor` and `model`. */
export function bootPayload(version: OcppVersion, vendor: string, model: string): unknown {
  return version === '1.6'
    ? { chargePointVendor: vendor, chargePointModel: model, firmwareVersion: 'sim-1' }
    : { reason: 'PowerUp', chargingStation: { vendorName: vendor, model, firmwareVersion: 'sim-1' } };
}

/** StatusNotification of a port (1.6 status, 2.x connector status; Unavailable when inoperative). */
export function statusPayload(version: OcppVersion, port: SimPort, nowMs: number): unknown {
  if (version === '1.6')
    return {
      connectorId: port.connectorId,
      errorCode: 'NoError',
      status: port.operative ? port.status : 'Unavailable',
      timestamp: iso(nowMs),
    };
  const connectorStatus = !port.operative
    ? 'Unavailable'
    : port.status === 'Available' || port.status === 'Faulted' || port.status === 'Reserved'
      ? port.status
      : 'Occupied';
  return { timestamp: iso(nowMs), connectorStatus, evseId: port.connectorId, connectorId: 1 };
}

/**
 * NotifyEVChargingNeeds (2.0.1 / 2.1, K15) as an AC ISO 15118 car states them: its departure, the energy it
 * asks for (else what its SoC lacks of its battery), its current range.
 */
export function chargingNeedsPayload(
  evseId: number,
  car: SimCar,
  portPhases: number,
  voltageV: number,
): unknown {
  const lackWh =
    car.socPct !== undefined && car.capacityWh !== undefined
      ? ((100 - car.socPct) / 100) * car.capacityWh
      : undefined;
  const energyWh = car.energyWantedWh ?? lackWh ?? 0;
  const phases = Math.min(car.phases, portPhases);
  return {
    evseId,
    chargingNeeds: {
      requestedEnergyTransfer: ['AC_single_phase', 'AC_two_phase', 'AC_three_phase'][phases - 1],
      ...(car.departureMs !== undefined ? { departureTime: iso(car.departureMs) } : {}),
      acChargingParameters: {
        // 2.0.1 has these as integers.
        energyAmount: Math.round(energyWh),
        evMinCurrent: AC_MIN_A,
        evMaxCurrent: Math.max(AC_MIN_A, Math.floor(car.maxCurrentA)),
        evMaxVoltage: Math.round(voltageV),
      },
    },
  };
}
