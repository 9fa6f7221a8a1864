/** The WebSocket subprotocol names of the OCPP versions Fusebox speaks (OCPP-J §3.1.2 / 2.0.1 Part 4 §3.1). */
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { OCPP_VERSIONS } from '../contracts/station-gateway.ts';

const SUBPROTOCOL: Record<OcppVersion, string> = {
  '1.6': 'ocpp1.6',
  '2.0.1': 'ocpp2.0.1',
  '2.1': 'ocpp2.1',
};

/** Server preference when a station offers several: the most exercised 2.x first, then 2.1, then 1.6. */
export const PREFERRED_VERSIONS: readonly OcppVersion[] = ['2.0.1', '2.1', '1.6'];

/** The WebSocket subprotocol of a version. */
export function subprotocolOf(version: OcppVersion): string {
  return SUBPROTOCOL[version];
}

/** The version of a WebSocket subprotocol, or undefined when Fusebox does not speak it. */
export function versionOfSubprotocol(protocol: string | undefined): OcppVersion | undefined {
  return OCPP_VERSIONS.find((v) => SUBPROTOCOL[v] === protocol);
}

/** True for 2.0.1 and 2.1, which share the message set Fusebox uses. */
export function isV2(version: OcppVersion): boolean {
  return version !== '1.6';
}
