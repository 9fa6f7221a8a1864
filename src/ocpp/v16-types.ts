/**
 * OCPP 1.6J payloads Fusebox reads or writes, as far as it uses them. The schemas in ocpp-rpc's strict
 * mode check every message against the full definitions before these types are trusted.
 */
import type { AnyMeterValue } from './meter-sample.ts';

export interface IdTagInfo16 {
  readonly status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  readonly expiryDate?: string;
  readonly parentIdTag?: string;
}

export interface BootNotification16 {
  readonly chargePointVendor: string;
  readonly chargePointModel: string;
  readonly chargePointSerialNumber?: string;
  readonly chargeBoxSerialNumber?: string;
  readonly firmwareVersion?: string;
}

export interface StatusNotification16 {
  readonly connectorId: number;
  readonly errorCode: string;
  readonly status: string;
  readonly info?: string;
  readonly timestamp?: string;
  readonly vendorErrorCode?: string;
}

export interface StartTransaction16 {
  readonly connectorId: number;
  readonly idTag: string;
  readonly meterStart: number;
  readonly timestamp: string;
  readonly reservationId?: number;
}

export interface StopTransaction16 {
  readonly transactionId: number;
  readonly meterStop: number;
  readonly timestamp: string;
  readonly idTag?: string;
  readonly reason?: string;
  readonly transactionData?: readonly AnyMeterValue[];
}

export interface MeterValues16 {
  readonly connectorId: number;
  readonly transactionId?: number;
  readonly meterValue: readonly AnyMeterValue[];
}

export interface DataTransfer16 {
  readonly vendorId: string;
  readonly messageId?: string;
  readonly data?: string;
}

export interface ChargingSchedulePeriod16 {
  readonly startPeriod: number;
  readonly limit: number;
  readonly numberPhases?: number;
}

export interface ChargingProfile16 {
  readonly chargingProfileId: number;
  readonly transactionId?: number;
  readonly stackLevel: number;
  readonly chargingProfilePurpose: 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
  readonly chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  readonly recurrencyKind?: 'Daily' | 'Weekly';
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly chargingSchedule: {
    readonly duration?: number;
    readonly startSchedule?: string;
    readonly chargingRateUnit: 'A' | 'W';
    readonly chargingSchedulePeriod: readonly ChargingSchedulePeriod16[];
    readonly minChargingRate?: number;
  };
}

export interface SetChargingProfile16 {
  readonly connectorId: number;
  readonly csChargingProfiles: ChargingProfile16;
}

export interface ConfigurationKey16 {
  readonly key: string;
  readonly readonly: boolean;
  readonly value?: string;
}

export interface GetConfigurationResult16 {
  readonly configurationKey?: readonly ConfigurationKey16[];
  readonly unknownKey?: readonly string[];
}
