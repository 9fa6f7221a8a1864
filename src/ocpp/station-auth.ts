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
import type { OcppStationSettings, SecurityProfile } from './ocpp-settings.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { OCPP_VERSIONS } from '../contracts/station-gateway.ts';
import { PREFERRED_VERSIONS, subprotocolOf } from './ocpp-version.ts';
import { hashStationPassword, verifyStationPassword } from './password-hash.ts';
import type { RpcHandshake } from './rpc.ts';

/**
 * Failed password attempts (profiles 1 and 2) tolerated per source address and per station id within a
 * window; beyond, connections from that address or for that id are refused (429) without checking the password
 * until the window, counted from the first failure, has passed. The address limit is the lower, so one
 * guessing address is stopped before it can lock a station out.
 */
const MAX_FAILURES_PER_ADDRESS = 10;
const MAX_FAILURES_PER_STATION = 20;
const FAILURE_WINDOW_MS = 5 * 60_000;
/** Addresses and ids tracked at most; expired windows are dropped first, then the oldest. */
const MAX_TRACKED = 10_000;

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
  readonly httpStatus: 400 | 401 | 403 | 404 | 429;
  readonly reason: string;
}

export class StationAuthenticator {
  /** Keyed digests of passwords already verified, so a reconnect storm does not pay scrypt per station. */
  private readonly verified = new Map<string, { readonly hash: string; readonly digest: string }>();
  private readonly key = randomBytes(32);
  private readonly byAddress = new FailureWindows(MAX_FAILURES_PER_ADDRESS);
  private readonly byStation = new FailureWindows(MAX_FAILURES_PER_STATION);

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
      const nowMs = ctx.now();
      const address = h.remoteAddress ?? 'unknown address';
      const locked = this.lockout(address, stationId, nowMs);
      if (locked) return locked;
      const refused = await this.passwordCheck(stationId, h, settings, storedHash);
      if (refused) return this.failed(refused, address, stationId, nowMs);
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

  /** A refusal (429) while the address or the station id has too many recent failures, else undefined. */
  private lockout(address: string, stationId: string, nowMs: number): RejectedStation | undefined {
    const addressMs = this.byAddress.lockedForMs(address, nowMs);
    const stationMs = this.byStation.lockedForMs(stationId, nowMs);
    if (addressMs <= 0 && stationMs <= 0) return undefined;
    const who = addressMs > 0 ? `from ${address}` : `for station ${stationId}`;
    const waitS = Math.ceil(Math.max(addressMs, stationMs) / 1000);
    return {
      ok: false,
      httpStatus: 429,
      reason: `too many failed password attempts ${who}; try again in ${waitS} s`,
    };
  }

  /** Counts a failed password against the address and the station id; says so when that locks either. */
  private failed(r: RejectedStation, address: string, stationId: string, nowMs: number): RejectedStation {
    const locks = [
      this.byAddress.fail(address, nowMs) ? `from ${address}` : '',
      this.byStation.fail(stationId, nowMs) ? `for station ${stationId}` : '',
    ].filter(Boolean);
    if (!locks.length) return r;
    const windowS = FAILURE_WINDOW_MS / 1000;
    return { ...r, reason: `${r.reason}; too many failures ${locks.join(' and ')}: locked for ${windowS} s` };
  }

  /** Profiles 1 and 2: the basic auth password; a refusal, or undefined when it is right. */
  private async passwordCheck(
    stationId: string,
    h: RpcHandshake,
    settings: OcppStationSettings | undefined,
    storedHash: string | undefined,
  ): Promise<RejectedStation | undefined> {
    const { ctx } = this;
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
    return undefined;
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

/** Failures per key in a fixed window from the first one; a key with `limit` failures is locked until it ends. */
class FailureWindows {
  private readonly windows = new Map<string, { readonly startMs: number; count: number }>();

  constructor(private readonly limit: number) {}

  /** How long `key` stays locked, in ms; 0 when it may try. */
  lockedForMs(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const endMs = w.startMs + FAILURE_WINDOW_MS;
    if (nowMs >= endMs) {
      this.windows.delete(key);
      return 0;
    }
    return w.count >= this.limit ? endMs - nowMs : 0;
  }

  /** Count a failure; true when it is the one that locks `key`. */
  fail(key: string, nowMs: number): boolean {
    let w = this.windows.get(key);
    if (!w || nowMs >= w.startMs + FAILURE_WINDOW_MS) {
      this.windows.delete(key);
      if (this.windows.size >= MAX_TRACKED) this.prune(nowMs);
      w = { startMs: nowMs, count: 0 };
      this.windows.set(key, w);
    }
    return ++w.count === this.limit;
  }

  private prune(nowMs: number): void {
    for (const [key, w] of this.windows) if (nowMs >= w.startMs + FAILURE_WINDOW_MS) this.windows.delete(key);
    // Still full: forget the oldest windows (insertion order), never the newest.
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_TRACKED) break;
      this.windows.delete(key);
    }
  }
}
