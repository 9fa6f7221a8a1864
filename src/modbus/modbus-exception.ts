/** Modbus exception responses (Modbus Application Protocol V1.1b3 §7) as a typed error a handler throws. */

export const EXCEPTION = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  /** A gateway's target device did not answer (used by the simulator for an unknown unit id). */
  gatewayTargetFailed: 0x0b,
} as const;
export type ExceptionCode = (typeof EXCEPTION)[keyof typeof EXCEPTION];

/** A request the server refuses with an exception code; `detail` names the offending address or value. */
export class ModbusException extends Error {
  constructor(
    readonly code: ExceptionCode,
    readonly detail: string,
  ) {
    super(`Modbus exception ${code}: ${detail}`);
    this.name = 'ModbusException';
  }
}
