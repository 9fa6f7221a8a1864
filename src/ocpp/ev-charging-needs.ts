/**
 * NotifyEVChargingNeeds (OCPP 2.0.1 / 2.1 K15-K17): what the car said over ISO 15118, read into the
 * EvChargingNeeds Fusebox keeps per session. The schema (ocpp-rpc strict mode) has checked types and
 * required fields; this checks what the schema cannot (negative energy, a minimum above the maximum).
 */
import { rpcError } from './rpc.ts';
import type { EvChargingNeeds } from '../contracts/station-gateway.ts';

/** The request as far as Fusebox reads it (2.1 adds fields; the schema has checked all of them). */
export interface NotifyEvChargingNeeds2 {
  readonly evseId: number;
  readonly maxScheduleTuples?: number;
  /** 2.1: when the station received the needs (it may have been offline). */
  readonly timestamp?: string;
  readonly chargingNeeds: {
    readonly requestedEnergyTransfer: string;
    readonly departureTime?: string;
    readonly acChargingParameters?: {
      readonly energyAmount: number;
      readonly evMinCurrent: number;
      readonly evMaxCurrent: number;
      readonly evMaxVoltage: number;
    };
    readonly dcChargingParameters?: {
      readonly evMaxCurrent: number;
      readonly evMaxVoltage: number;
      readonly energyAmount?: number;
      readonly evMaxPower?: number;
      readonly stateOfCharge?: number;
      readonly evEnergyCapacity?: number;
      readonly fullSoC?: number;
      readonly bulkSoC?: number;
    };
    /** 2.1 (ISO 15118-20). */
    readonly v2xChargingParameters?: {
      readonly evTargetEnergyRequest?: number;
      readonly targetSoC?: number;
    };
  };
}

const PATH = 'chargingNeeds';

/** A value the schema lets through but that no car can mean: PropertyConstraintViolation (OCPP-J §4.2.3). */
function violation(field: string, message: string): never {
  throw rpcError('PropertyConstraintViolation', `${PATH}.${field}: ${message}`);
}

function nonNegative(field: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0) violation(field, `${v} must not be negative`);
  return v;
}

/**
 * The needs the car stated, received at `nowMs`; throws an RPC error (PropertyConstraintViolation) for values
 * that are not physically meaningful. The energy is energyAmount, else (DC) what its SoC lacks to its full
 * SoC at its battery capacity, else (2.1) evTargetEnergyRequest.
 */
export function parseEvChargingNeeds(p: NotifyEvChargingNeeds2, nowMs: number): EvChargingNeeds {
  const n = p.chargingNeeds;
  let departureMs: number | undefined;
  if (n.departureTime !== undefined) {
    departureMs = Date.parse(n.departureTime);
    if (!Number.isFinite(departureMs)) violation('departureTime', `'${n.departureTime}' is not a date-time`);
  }
  const ac = n.acChargingParameters;
  const dc = n.dcChargingParameters;
  let energyWh: number | undefined;
  let minCurrentA: number | undefined;
  let maxCurrentA: number | undefined;
  let capacityWh: number | undefined;
  let targetSocPct: number | undefined;
  if (ac) {
    energyWh = nonNegative('acChargingParameters.energyAmount', ac.energyAmount);
    minCurrentA = nonNegative('acChargingParameters.evMinCurrent', ac.evMinCurrent);
    maxCurrentA = nonNegative('acChargingParameters.evMaxCurrent', ac.evMaxCurrent);
    if (minCurrentA! > maxCurrentA!) {
      violation(
        'acChargingParameters.evMinCurrent',
        `${minCurrentA} A is above evMaxCurrent ${maxCurrentA} A`,
      );
    }
  }
  if (dc) {
    energyWh ??= nonNegative('dcChargingParameters.energyAmount', dc.energyAmount);
    capacityWh = nonNegative('dcChargingParameters.evEnergyCapacity', dc.evEnergyCapacity);
    targetSocPct = dc.fullSoC ?? undefined;
    const soc = dc.stateOfCharge;
    if (energyWh === undefined && capacityWh !== undefined && soc !== undefined) {
      energyWh = (Math.max(0, (targetSocPct ?? 100) - soc) / 100) * capacityWh;
    }
  }
  const v2x = n.v2xChargingParameters;
  if (v2x) {
    energyWh ??= nonNegative('v2xChargingParameters.evTargetEnergyRequest', v2x.evTargetEnergyRequest);
    targetSocPct ??= v2x.targetSoC;
  }
  // 2.1: needs the station kept while offline carry their own time.
  const said = p.timestamp !== undefined ? Date.parse(p.timestamp) : Number.NaN;
  return {
    receivedAtMs: Number.isFinite(said) && said <= nowMs ? said : nowMs,
    departureMs,
    energyWh,
    minCurrentA,
    maxCurrentA,
    capacityWh,
    targetSocPct,
  };
}
