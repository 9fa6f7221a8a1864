/** One relayed station's state in the cloud relay (src/proxy/cloud-proxy.ts). */
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { UpstreamLink } from './upstream-link.ts';

export interface Relay {
  readonly stationId: string;
  version: OcppVersion;
  link: UpstreamLink | undefined;
  draining: boolean;
  outageSinceMs: number | undefined;
  lastRelayMs: number | undefined;
  /** The latest BootNotification answered locally, told to the cloud when it is back. */
  pendingBoot: unknown;
  /** The latest StatusNotification per connector answered locally. */
  readonly latestStatus: Map<string, unknown>;
  heartbeatOwed: boolean;
  goneTimer: NodeJS.Timeout | undefined;
  stationConnected: boolean;
}

/** The key of a StatusNotification's connector (1.6) or EVSE and connector (2.0.1). */
export function statusKey(payload: unknown): string {
  const p = payload as { connectorId?: number; evseId?: number };
  return `${p.evseId ?? ''}/${p.connectorId ?? ''}`;
}

/** Records a relay event (the store's events and the log). */
export type RecordEvent = (
  level: 'info' | 'warn',
  kind: string,
  stationId: string,
  message: string,
  data?: unknown,
) => void;
