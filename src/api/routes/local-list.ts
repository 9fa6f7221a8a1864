/**
 * The local authorization list (docs/api.md): id tags Authorize accepts (or blocks) without asking anyone,
 * with an optional expiry and parent id tag. Operators only. Every change raises the list's version and is
 * sent to the stations that keep a local list (src/ocpp/local-list-sync.ts).
 */
import { z } from 'zod';
import type { LocalIdTagRecord } from '../../contracts/api-records.ts';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso, readOnlyFields } from '../api-context.ts';
import { notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';

const tags = ['local-list'];
/** OCPP 1.6 IdToken: CiString20Type. */
const idTagText = (what: string) =>
  z
    .string()
    .min(1, `${what}: must not be empty`)
    .max(20, `${what}: at most 20 characters (OCPP IdToken)`)
    .regex(/^[\x21-\x7e]+$/, `${what}: printable ASCII without spaces`);

const tagParams = z.object({ idTag: idTagText('idTag') });
const tagBody = z.strictObject({
  ...readOnlyFields,
  idTag: z.unknown().optional().describe('read-only; the path gives it'),
  status: z.enum(['Accepted', 'Blocked']).default('Accepted').describe('Blocked: Authorize refuses it'),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'expected an ISO-8601 date-time, e.g. 2026-12-31T23:59:59Z' })
    .nullish(),
  parentIdTag: idTagText('parentIdTag').nullish(),
});

export function localIdTagView(t: LocalIdTagRecord) {
  return {
    idTag: t.idTag,
    status: t.status,
    expiresAt: t.expiresMs !== undefined ? iso(t.expiresMs) : null,
    parentIdTag: t.parentIdTag ?? null,
    updatedAt: iso(t.updatedMs),
  };
}

export function localListRoutes(app: ZodApp, ctx: ApiContext): void {
  const { deps } = ctx;
  const store = deps.store.localList;
  const changed = (): void => deps.onLocalListChange?.();

  app.get(
    '/api/v1/local-list',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'The local authorization list and its version',
        response: { 200: R.localList, ...R.errors(401, 403) },
      },
    },
    () => ({ version: store.version(), items: store.list().map(localIdTagView) }),
  );

  app.put(
    '/api/v1/local-list/:idTag',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Add an id tag to the local list, or replace it',
        params: tagParams,
        body: tagBody,
        response: { 200: R.localIdTag, ...R.errors(400, 413, 415, 401, 403) },
      },
    },
    async (req) => {
      const b = req.body;
      const { tag } = await store.put({
        idTag: req.params.idTag,
        status: b.status,
        expiresMs: b.expiresAt ? Date.parse(b.expiresAt) : undefined,
        parentIdTag: b.parentIdTag ?? undefined,
      });
      const view = localIdTagView(tag);
      const what = [
        `${tag.idTag} ${tag.status}`,
        view.expiresAt ? ` until ${view.expiresAt}` : '',
        view.parentIdTag ? `, parent ${view.parentIdTag}` : '',
      ].join('');
      await deps.store.records.audit(req.principal!.username, `local list: ${what}`, view);
      changed();
      return view;
    },
  );

  app.delete(
    '/api/v1/local-list/:idTag',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Remove an id tag from the local list',
        params: tagParams,
        response: { 204: R.noContent, ...R.errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const idTag = req.params.idTag;
      if ((await store.remove(idTag)) === null) throw notFound(`idTag: '${idTag}' is not on the local list`);
      await deps.store.records.audit(req.principal!.username, `local list: ${idTag} removed`, { idTag });
      changed();
      return reply.code(204).send(null);
    },
  );
}
