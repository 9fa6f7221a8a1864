/**
 * Temporary limits (overrides): they can only lower a circuit below its static limit, end within 7 days,
 * and take effect at once. Edits carry the version they were made on: a stale one gets 409.
 */
import { z } from 'zod';
import { setLimitA, setLimitKw } from '../../config/schema.ts';
import type { OverrideInput, OverrideRecord } from '../../contracts/api-records.ts';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso, readOnlyFields } from '../api-context.ts';
import { badRequest, conflict, notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';

const tags = ['overrides'];
export const MAX_OVERRIDE_MS = 7 * 24 * 3600_000;

const overrideBody = z.strictObject({
  ...readOnlyFields,
  circuitId: z.string().min(1),
  limitA: setLimitA.nullish(),
  limitKw: setLimitKw.nullish(),
  until: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time, e.g. 2026-11-26T18:00:00Z' }),
  reason: z.string().max(200).nullish(),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });

export function overrideView(o: OverrideRecord) {
  return {
    id: o.id,
    circuitId: o.circuitId,
    limitA: o.limitA,
    limitKw: o.limitKw,
    until: iso(o.untilMs),
    reason: o.reason,
    createdBy: o.createdBy,
    createdAt: iso(o.createdMs),
    updatedBy: o.updatedBy,
    updatedAt: iso(o.updatedMs),
    version: o.version,
  };
}

export function overrideRoutes(app: ZodApp, ctx: ApiContext): void {
  const { deps, sync, hub } = ctx;

  /** Checks a body against the site; returns the stored form or throws a 400 naming the field. */
  const checked = (b: z.infer<typeof overrideBody>): OverrideInput => {
    const idx = deps.baseSite().circuitIndex.get(b.circuitId);
    if (idx === undefined) throw badRequest(`circuitId: no circuit '${b.circuitId}'`);
    const c = deps.baseSite().circuits[idx]!;
    const limitA = b.limitA ?? null;
    const limitKw = b.limitKw ?? null;
    if (limitA === null && limitKw === null) throw badRequest('limitA: give limitA or limitKw (or both)');
    if (limitA !== null && limitA > c.limitA)
      throw badRequest(
        `limitA: ${limitA} A is above circuit ${c.id}'s static limit of ${c.limitA} A; an override can only lower it`,
      );
    if (limitKw !== null && c.limitKw !== undefined && limitKw > c.limitKw)
      throw badRequest(`limitKw: ${limitKw} kW is above circuit ${c.id}'s static limit of ${c.limitKw} kW`);
    const untilMs = Date.parse(b.until);
    const nowMs = deps.now();
    if (untilMs <= nowMs) throw badRequest(`until: ${b.until} is not in the future`);
    if (untilMs > nowMs + MAX_OVERRIDE_MS)
      throw badRequest(`until: at most 7 days ahead (${iso(nowMs + MAX_OVERRIDE_MS)})`);
    return { circuitId: c.id, limitA, limitKw, untilMs, reason: b.reason ?? null };
  };

  const changed = (): void => {
    sync.applyOverrides();
    hub.publish('overrides', { items: deps.store.overrides.list().map(overrideView) });
  };

  const describe = (o: OverrideInput): string =>
    `${[o.limitA !== null ? `${o.limitA} A` : null, o.limitKw !== null ? `${o.limitKw} kW` : null].filter(Boolean).join(' / ')} on ${o.circuitId} until ${iso(o.untilMs)}`;

  app.get(
    '/api/v1/overrides',
    {
      schema: {
        tags,
        summary: 'Overrides (expired ones are pruned after a day)',
        response: { 200: R.overrideList, ...R.errors(401) },
      },
    },
    () => ({
      items: deps.store.overrides.list().map(overrideView),
    }),
  );

  app.post(
    '/api/v1/overrides',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Lower a circuit until a time',
        body: overrideBody,
        response: { 201: R.overrideItem, ...R.errors(400, 413, 415, 401, 403) },
      },
    },
    async (req, reply) => {
      const input = checked(req.body);
      const by = req.principal!.username;
      const item = await deps.store.overrides.add(input, by);
      await deps.store.records.audit(by, `override ${item.id}: ${describe(input)}`, overrideView(item));
      changed();
      return reply.code(201).send(overrideView(item));
    },
  );

  app.put(
    '/api/v1/overrides/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Change an override (409 when version is stale)',
        params: idParams,
        body: overrideBody.extend({ version: z.number().int().positive() }),
        response: { 200: R.overrideItem, ...R.errors(400, 413, 415, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const input = checked(req.body);
      const by = req.principal!.username;
      const r = await deps.store.overrides.update(req.params.id, req.body.version, input, by);
      if (r.status === 'not-found') throw notFound(`no override ${req.params.id}`);
      if (r.status === 'conflict')
        throw conflict(
          `version: override ${req.params.id} was changed by ${r.current.updatedBy} (now version ${r.current.version}); reload and edit again`,
        );
      await deps.store.records.audit(
        by,
        `override ${r.item.id} changed: ${describe(input)}`,
        overrideView(r.item),
      );
      changed();
      return overrideView(r.item);
    },
  );

  app.delete(
    '/api/v1/overrides/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'End an override now',
        params: idParams,
        response: { 204: R.noContent, ...R.errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const before = deps.store.overrides.get(req.params.id);
      if (!before || !(await deps.store.overrides.remove(req.params.id)))
        throw notFound(`no override ${req.params.id}`);
      await deps.store.records.audit(
        req.principal!.username,
        `override ${before.id} removed`,
        overrideView(before),
      );
      changed();
      return reply.code(204).send(null);
    },
  );
}
