/**
 * The cloud's authorization answers (Authorize, and the id tag info of transaction answers) kept as the
 * cache Fusebox answers from during an outage (docs/proxy.md), and the id tag a message carries.
 */
import type { Logger } from 'pino';
import type { IdTagStatus, OcppRepository } from '../contracts/ocpp-repository.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';

/** Remembers the cloud's authorization answers (the cache Fusebox answers from during outages). */
export async function cacheAuthorization(
  repo: OcppRepository | undefined,
  nowMs: number,
  log: Logger,
  version: OcppVersion,
  payload: unknown,
  answer: unknown,
): Promise<void> {
  if (!repo || answer === null || typeof answer !== 'object') return;
  let idTag: string | undefined;
  let info:
    | { status?: unknown; expiryDate?: unknown; cacheExpiryDateTime?: unknown; parentIdTag?: unknown }
    | undefined;
  if (version === '1.6') {
    idTag = (payload as { idTag?: string }).idTag;
    info = (answer as { idTagInfo?: typeof info }).idTagInfo;
  } else {
    idTag = (payload as { idToken?: { idToken?: string } }).idToken?.idToken;
    info = (answer as { idTokenInfo?: typeof info }).idTokenInfo;
  }
  if (idTag === undefined || !info || typeof info.status !== 'string') return;
  try {
    const existing = await repo.findIdTag(idTag);
    if (existing?.source === 'local') return;
    const expiry = info.expiryDate ?? info.cacheExpiryDateTime;
    const expiresMs = typeof expiry === 'string' ? Date.parse(expiry) : undefined;
    await repo.saveIdTag({
      idTag,
      status: idTagStatus(info.status),
      expiresMs: expiresMs !== undefined && Number.isFinite(expiresMs) ? expiresMs : undefined,
      parentIdTag: typeof info.parentIdTag === 'string' ? info.parentIdTag : undefined,
      source: 'cache',
      updatedMs: nowMs,
    });
  } catch (err) {
    log.warn({ err }, 'could not cache the cloud authorization answer');
  }
}

/** The id tag an Authorize or a transaction start carries (1.6 idTag, 2.0.1 idToken), if any. */
export function idTagOf(v16: boolean, action: string, payload: unknown): string | undefined {
  if (v16) {
    if (action !== 'Authorize' && action !== 'StartTransaction') return undefined;
    const tag = (payload as { idTag?: unknown }).idTag;
    return typeof tag === 'string' ? tag : undefined;
  }
  if (action !== 'Authorize' && action !== 'TransactionEvent') return undefined;
  const tag = (payload as { idToken?: { idToken?: unknown } }).idToken?.idToken;
  return typeof tag === 'string' ? tag : undefined;
}

/** 2.0.1 has more statuses than the cache keeps: anything but these refuses the tag. */
function idTagStatus(s: string): IdTagStatus {
  return s === 'Accepted' || s === 'Blocked' || s === 'Expired' ? s : 'Invalid';
}
