/**
 * OCPP 2.0.1 (and 2.1, which keeps these shapes) payloads Fusebox reads or writes, as far as it uses them.
 * ocpp-rpc's strict mode checks every message against the full schemas before these types are trusted.
 */
import type { AnyMeterValue } from './meter-sample.ts';

export interface IdToken2 {
  readonly idToken: string;
  readonly type: string;
}

export interface IdTokenInfo2 {
  readonly status: 'Accepted' | 'Blocked' | 'ConcurrentTx' | 'Expired' | 'Invalid' | 'Unknown';
  readonly cacheExpiryDateTime?: string;
  readonly groupIdToken?: IdToken2;
}

export interface Evse2 {
  readonly id: number;
  readonly connectorId?: number;
}

export interface BootNotification2 {
  readonly reason: string;
  readonly chargingStation: {
    readonly model: string;
    readonly vendorName: string;
    readonly serialNumber?: string;
    readonly firmwareVersion?: string;
  };
}

export interface StatusNotification2 {
  readonly timestamp: string;
  readonly connectorStatus: string;
  readonly evseId: number;
  readonly connectorId: number;
}

export interface TransactionEvent2 {
  readonly eventType: 'Started' | 'Updated' | 'Ended';
  readonly timestamp: string;
  readonly triggerReason: string;
  readonly seqNo: number;
  readonly offline?: boolean;
  readonly numberOfPhasesUsed?: number;
  readonly transactionInfo: {
    readonly transactionId: string;
    readonly chargingState?: string;
    readonly stoppedReason?: string;
    readonly remoteStartId?: number;
  };
  readonly evse?: Evse2;
  readonly idToken?: IdToken2;
  readonly meterValue?: readonly AnyMeterValue[];
}

export interface MeterValues2 {
  readonly evseId: number;
  readonly meterValue: readonly AnyMeterValue[];
}

export interface DataTransfer2 {
  readonly vendorId: string;
  readonly messageId?: string;
  readonly data?: unknown;
}

export interface ChargingSchedulePeriod2 {
  readonly startPeriod: number;
  readonly limit: number;
  readonly numberPhases?: number;
}

export interface ChargingProfile2 {
  readonly id: number;
  readonly stackLevel: number;
  readonly chargingProfilePurpose:
    'ChargingStationExternalConstraints' | 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
  readonly chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly transactionId?: string;
  readonly chargingSchedule: readonly {
    readonly id: number;
    readonly startSchedule?: string;
    readonly duration?: number;
    readonly chargingRateUnit: 'A' | 'W';
    readonly chargingSchedulePeriod: readonly ChargingSchedulePeriod2[];
  }[];
}

export interface SetChargingProfile2 {
  readonly evseId: number;
  readonly chargingProfile: ChargingProfile2;
}

export interface ComponentVariable2 {
  readonly component: { readonly name: string; readonly instance?: string; readonly evse?: Evse2 };
  readonly variable: { readonly name: string; readonly instance?: string };
}

export interface GetVariableResult2 extends ComponentVariable2 {
  readonly attributeStatus: string;
  readonly attributeValue?: string;
}

export interface SetVariableResult2 extends ComponentVariable2 {
  readonly attributeStatus: string;
}
