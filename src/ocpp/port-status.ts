/** OCPP connector states mapped onto the one PortStatus the control loop sees. */
import type { PortStatus } from '../contracts/station-gateway.ts';

const MAP: Record<string, PortStatus> = {
  // OCPP 1.6 §7.7 ChargePointStatus
  Available: 'available',
  Preparing: 'occupied',
  Charging: 'charging',
  SuspendedEV: 'suspended-ev',
  SuspendedEVSE: 'suspended-evse',
  Finishing: 'finishing',
  Reserved: 'reserved',
  Unavailable: 'unavailable',
  Faulted: 'faulted',
  // OCPP 2.0.1 ConnectorStatusEnumType (the rest are shared)
  Occupied: 'occupied',
  // OCPP 2.0.1 ChargingStateEnumType (TransactionEvent)
  EVConnected: 'occupied',
  Idle: 'occupied',
};

/** The PortStatus of an OCPP status or charging state; 'unknown' for anything else. */
export function portStatusOf(ocppStatus: string): PortStatus {
  return MAP[ocppStatus] ?? 'unknown';
}
