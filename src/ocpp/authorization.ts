/**
 * Who may charge: the operator's local list first, then cached answers (filled by a future cloud link),
 * then the site's rule for unknown id tags. OCPP 1.6 §3.5 / 2.0.1 C01 (Authorize) answer from this.
 */
import type { IdTagRecord, IdTagStatus, OcppRepository } from '../contracts/ocpp-repository.ts';

export interface AuthorizationDecision {
  readonly status: IdTagStatus;
  readonly expiresMs?: number | undefined;
  readonly parentIdTag?: string | undefined;
}

export interface AuthorizationSettings {
  readonly acceptUnknownIdTags: boolean;
  readonly authorizationCacheTtlMs: number;
}

export class Authorization {
  constructor(
    private readonly repo: OcppRepository,
    private readonly settings: AuthorizationSettings,
    private readonly now: () => number,
  ) {}

  async check(idTag: string): Promise<AuthorizationDecision> {
    const nowMs = this.now();
    const rec = await this.repo.findIdTag(idTag);
    if (rec && isKnownIdTag(rec, nowMs, this.settings.authorizationCacheTtlMs)) {
      const expired = rec.expiresMs !== undefined && rec.expiresMs <= nowMs;
      return {
        status: expired && rec.status === 'Accepted' ? 'Expired' : rec.status,
        expiresMs: rec.expiresMs,
        parentIdTag: rec.parentIdTag,
      };
    }
    return { status: this.settings.acceptUnknownIdTags ? 'Accepted' : 'Invalid' };
  }
}

/**
 * True when `rec` decides for its tag: an entry of the local list, or a cached cloud answer younger than
 * `cacheTtlMs`. Otherwise the tag is unknown and the policy for unknown tags decides.
 */
export function isKnownIdTag(rec: IdTagRecord | undefined, nowMs: number, cacheTtlMs: number): boolean {
  return rec !== undefined && (rec.source === 'local' || nowMs - rec.updatedMs <= cacheTtlMs);
}
