/** What the OCPP server needs to know, as plain data: the composition root maps the site config onto it. */
import type { OcppVersion } from '../contracts/station-gateway.ts';

/**
 * OCPP security profile (OCPP 1.6 Security Whitepaper §2, OCPP 2.0.1 Part 2 §A00.FR):
 * 0 none (trusted networks and the demo only), 1 HTTP basic auth, 2 TLS + basic auth, 3 mutual TLS.
 */
export type SecurityProfile = 0 | 1 | 2 | 3;

/** Per-station OCPP settings. */
export interface OcppStationSettings {
  readonly stationId: string;
  /** Pin the version; undefined accepts any version the station offers (server preference order). */
  readonly version?: OcppVersion | undefined;
  readonly securityProfile: SecurityProfile;
  /** scrypt hash from `hashStationPassword` (profiles 1 and 2). */
  readonly passwordHash?: string | undefined;
}

export interface TlsSettings {
  /** PEM server key and certificate chain (profiles 2 and 3). */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** PEM CA certificates that sign station certificates (profile 3). */
  readonly ca?: string | Buffer | undefined;
  /** PEM certificate revocation lists, one per CA in `ca` (profile 3); absent: no revocation check. */
  readonly crl?: string | Buffer | undefined;
}

export interface OcppServerSettings {
  /** TCP port; 0 picks a free one (tests). Default 9000. */
  readonly port: number;
  readonly host: string;
  /** Present: the listener is wss:// (profiles 2 and 3); absent: ws://. */
  readonly tls?: TlsSettings | undefined;
  /** Accept unknown station ids as pending (shown for approval) instead of rejecting them. */
  readonly autoRegister: boolean;
  /** Security profile asked of auto-registered stations. */
  readonly autoRegisterSecurityProfile: SecurityProfile;
  /** Heartbeat interval sent in BootNotification responses, in s. */
  readonly heartbeatIntervalS: number;
  /** Interval asked of stations for MeterValues during a session, in s; 0 leaves the station's own. */
  readonly meterValueSampleIntervalS: number;
  /** A CALL to a station unanswered after this long counts as timed out, in ms. */
  readonly callTimeoutMs: number;
  /** Default lifetime of a TxProfile setpoint, in ms; it is renewed before it expires. */
  readonly setpointExpiresAfterMs: number;
  /** Renew a setpoint when this fraction of its lifetime has passed. */
  readonly setpointRenewAtFraction: number;
  /** Largest WebSocket frame accepted, in bytes; a larger one closes the connection with 1009. */
  readonly maxFrameBytes: number;
  /** WebSocket ping interval, in ms (drops half-open TCP connections). */
  readonly pingIntervalMs: number;
  /** Accept id tags that are in neither the local list nor the cache (free vending). */
  readonly acceptUnknownIdTags: boolean;
  /** Cached authorizations older than this are not trusted, in ms. */
  readonly authorizationCacheTtlMs: number;
}

export const DEFAULT_OCPP_SERVER_SETTINGS: OcppServerSettings = {
  port: 9000,
  host: '0.0.0.0',
  autoRegister: false,
  autoRegisterSecurityProfile: 1,
  heartbeatIntervalS: 300,
  meterValueSampleIntervalS: 10,
  callTimeoutMs: 15_000,
  setpointExpiresAfterMs: 5 * 60_000,
  setpointRenewAtFraction: 0.5,
  maxFrameBytes: 256 * 1024,
  pingIntervalMs: 30_000,
  acceptUnknownIdTags: false,
  authorizationCacheTtlMs: 24 * 3600_000,
};
