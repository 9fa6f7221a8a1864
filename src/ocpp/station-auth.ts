/**
 * Who may open an OCPP connection (OCPP 1.6 Security Whitepaper §2, 2.0.1 Part 2 A00): the identity in
 * the URL must be a configured station (or auto-registration is on), and it must meet its security
 * profile: basic auth password (1, 2), TLS (2, 3), a client certificate whose CN is the identity (3).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { clientCertificateProblem } from './client-certificate.ts';
import type { OcppContext } from './ocpp-context.ts';
import type { SecurityProfile } from './ocpp-settings.ts';
import type { OcppVersion } from './ocpp-version.ts';
import { OCPP_VERSIONS, PREFERRED_VERSIONS, subprotocolOf } from './ocpp-version.ts';
import { hashStationPassword, verifyStationPassword } from './password-hash.ts';
import type { RpcHandshake } from './rpc.ts';

/** OCPP 2.0.1 Part 4 §3.1.1 / 1.6 Security Whitepaper: identities are 1–48 of these characters. */
const IDENTITY = /^[A-Za-z0-9*_=:+|@.-]{1,48}$/;

export interface AcceptedStation {
  readonly ok: true;
  readonly stationId: string;
  readonly configured: boolean;
  /** undefined: no subprotocol in common; the connection is closed right after the handshake. */
  readonly version: OcppVersion | undefined;
}

export interface RejectedStation {
  readonly ok: false;
  /** HTTP status of the refused upgrade. */
  readonly httpStatus: 400 | 401 | 403 | 404;
  readonly reason: string;
}

export class StationAuthenticator {
  /** Keyed digests of passwords already verified, so a reconnect storm does not pay scrypt per station. */
  private readonly verified = new Map<string, { readonly hash: string; readonly digest: string }>();
  private readonly key = randomBytes(32);

  constructor(
    private readonly ctx: OcppContext,
    /** The URL path before the identity. */
    private readonly endpoint: string,
    /** The CA certificates the listener verifies client certificates against now (profile 3). */
    private readonly trustedCas: () => readonly X509Certificate[] = () => [],
  ) {}

  async authenticate(h: RpcHandshake): Promise<AcceptedStation | RejectedStation> {
    const { ctx } = this;
    if (h.endpoint.replace(/\/+$/, '') !== this.endpoint) {
      return {
        ok: false,
        httpStatus: 404,
        reason: `unknown path '${h.endpoint}', expected '${this.endpoint}/{stationId}'`,
      };
    }
    const stationId = h.identity;
    if (!IDENTITY.test(stationId))
      return { ok: false, httpStatus: 400, reason: 'malformed station identity' };
    const settings = ctx.stations.get(stationId);
    let storedHash: string | undefined;
    if (!settings) {
      if (!ctx.settings.autoRegister) return { ok: false, httpStatus: 404, reason: 'unknown station' };
      const stored = await ctx.repo.getStation(stationId);
      if (stored?.registration === 'rejected')
        return { ok: false, httpStatus: 403, reason: 'station rejected by the operator' };
      storedHash = stored?.passwordHash;
    }
    const profile: SecurityProfile = settings?.securityProfile ?? ctx.settings.autoRegisterSecurityProfile;
    const socket = h.request.socket as Partial<TLSSocket>;
    const encrypted = socket.encrypted === true;
    if (profile >= 2 && !encrypted)
      return { ok: false, httpStatus: 403, reason: `security profile ${profile} needs TLS` };
    if (profile === 3) {
      const problem = clientCertificateProblem(socket, stationId, this.trustedCas());
      if (problem) return { ok: false, httpStatus: 401, reason: problem };
    }
    if (profile === 1 || profile === 2) {
      if (!h.password) return { ok: false, httpStatus: 401, reason: 'missing basic auth password' };
      const hash = settings ? settings.passwordHash : storedHash;
      if (hash === undefined && settings)
        return { ok: false, httpStatus: 401, reason: 'no password configured for station' };
      if (hash === undefined) {
        // Auto-registration: trust the first password presented and hold the station for approval.
        const newHash = await hashStationPassword(h.password);
        await ctx.repo.updateStation({
          stationId,
          registration: 'pending',
          passwordHash: newHash,
          atMs: ctx.now(),
        });
      } else if (!(await this.check(stationId, h.password, hash))) {
        return { ok: false, httpStatus: 401, reason: 'wrong password' };
      }
    }
    if (!settings) {
      const stored = await ctx.repo.getStation(stationId);
      if (!stored) await ctx.repo.updateStation({ stationId, registration: 'pending', atMs: ctx.now() });
    }
    return {
      ok: true,
      stationId,
      configured: settings !== undefined,
      version: pickVersion(h.protocols, settings?.version),
    };
  }

  private async check(stationId: string, password: Buffer, hash: string): Promise<boolean> {
    const digest = createHmac('sha256', this.key).update(password).digest('base64');
    const known = this.verified.get(stationId);
    if (known && known.hash === hash && known.digest === digest) return true;
    let ok = false;
    try {
      ok = await verifyStationPassword(password, hash);
    } catch (err) {
      this.ctx.log.error({ err, stationId }, 'stored password hash is unreadable');
    }
    if (ok) this.verified.set(stationId, { hash, digest });
    return ok;
  }
}

/** The version to speak: the pinned one if offered, else the first offered in server preference. */
export function pickVersion(
  offered: ReadonlySet<string>,
  pinned: OcppVersion | undefined,
): OcppVersion | undefined {
  const candidates = pinned ? [pinned] : PREFERRED_VERSIONS;
  return candidates.find((v) => offered.has(subprotocolOf(v)));
}

/** All subprotocols the server announces. */
export const ALL_SUBPROTOCOLS: readonly string[] = PREFERRED_VERSIONS.filter((v) =>
  OCPP_VERSIONS.includes(v),
).map(subprotocolOf);
