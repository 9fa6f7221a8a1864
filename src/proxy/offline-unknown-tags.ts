/**
 * What Fusebox answers, while the cloud is away, for an id tag it does not know (neither the local list nor
 * a fresh cached cloud answer): `upstream.offlineUnknownIdTags` (docs/proxy.md). With `acceptUpToKwh` the
 * session it starts is watched and stopped at that energy (offline-caps.ts).
 */
import type { OcppRepository } from '../contracts/ocpp-repository.ts';
import type { OfflineUnknownIdTags } from '../contracts/upstream.ts';
import { isKnownIdTag } from '../ocpp/authorization.ts';
import type { InboundCall } from '../ocpp/inbound-pipeline.ts';
import type { OcppServer } from '../ocpp/ocpp-server.ts';
import { idTagOf } from './cloud-authorization.ts';
import type { OfflineCaps } from './offline-caps.ts';

export interface UnknownIdTagDeps {
  readonly policy: OfflineUnknownIdTags | undefined;
  readonly repo: OcppRepository | undefined;
  readonly server: OcppServer | undefined;
  readonly caps: OfflineCaps | undefined;
  readonly nowMs: number;
  /** How long a cached cloud answer counts (`ocpp.authorizationCacheTtlMs`), in ms. */
  readonly cacheTtlMs: number;
}

/**
 * Fusebox's own answer `local` to an Authorize or a transaction start, with the policy's status when the id
 * tag is unknown; other messages and known tags keep `local`.
 */
export async function unknownIdTagAnswer(
  d: UnknownIdTagDeps,
  call: InboundCall,
  local: unknown,
): Promise<unknown> {
  const { policy, repo } = d;
  if (policy === undefined || !repo || local === null || typeof local !== 'object') return local;
  const v16 = call.version === '1.6';
  const idTag = idTagOf(v16, call.action, call.payload);
  if (idTag === undefined) return local;
  if (isKnownIdTag(await repo.findIdTag(idTag), d.nowMs, d.cacheTtlMs)) return local;
  const status = policy === 'reject' ? 'Invalid' : 'Accepted';
  const key = v16 ? 'idTagInfo' : 'idTokenInfo';
  const info = (local as Record<string, unknown>)[key];
  const answer = { ...local, [key]: { ...(typeof info === 'object' ? info : {}), status } };
  if (typeof policy === 'object' && call.action !== 'Authorize') {
    const at = v16
      ? (call.payload as { connectorId?: number }).connectorId
      : (call.payload as { evse?: { id?: number } }).evse?.id;
    const port = d.server
      ?.ports()
      .find((x) => x.stationId === call.stationId && x.connectorId === at && x.sessionId !== undefined);
    if (port?.sessionId !== undefined && d.caps && !d.caps.has(port.portId, port.sessionId))
      // Stored before the station hears Accepted: a restart during the session keeps the limit.
      await d.caps.add(port.portId, port.sessionId, idTag, policy.acceptUpToKwh * 1000);
  }
  return answer;
}
