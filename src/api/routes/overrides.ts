/**
 * Temporary limits (overrides): they can only lower a circuit below its static limit, end within 7 days,
 * and take effect at once. Edits carry the version they were made on: a stale one gets 409.
 */
import { z } from 'zod';
import { setLimitA, setLimitKw } from '../../config/schema.ts';
import type { OverrideInput, OverrideRecord } from '../../contracts/api-records.ts';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso, readOnlyFields } from '../api-context.ts';
import { badRequest } from '../api-error.ts';
import * as R from '../response-schemas.ts';
import { versionedCrudRoutes } from './versioned-crud.ts';

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
    const nowMs = deps.clock.nowMs();
    if (untilMs <= nowMs) throw badRequest(`until: ${b.until} is not in the future`);
    if (untilMs > nowMs + MAX_OVERRIDE_MS)
      throw badRequest(`until: at most 7 days ahead (${iso(nowMs + MAX_OVERRIDE_MS)})`);
    return { circuitId: c.id, limitA, limitKw, untilMs, reason: b.reason ?? null };
  };

  const describe = (o: OverrideInput): string =>
    `${[o.limitA !== null ? `${o.limitA} A` : null, o.limitKw !== null ? `${o.limitKw} kW` : null].filter(Boolean).join(' / ')} on ${o.circuitId} until ${iso(o.untilMs)}`;

  versionedCrudRoutes(app, deps, {
    path: '/api/v1/overrides',
    noun: 'override',
    tags,
    summaries: {
      list: 'Overrides (expired ones are pruned after a day)',
      add: 'Lower a circuit until a time',
      change: 'Change an override (409 when version is stale)',
      remove: 'End an override now',
    },
    body: overrideBody,
    itemSchema: R.overrideItem,
    listSchema: R.overrideList,
    store: (d) => d.store.overrides,
    checked,
    view: overrideView,
    list: (items) => ({ items }),
    audit: {
      added: (item, input) => `override ${item.id}: ${describe(input)}`,
      changed: (item, input) => `override ${item.id} changed: ${describe(input)}`,
      removed: (before) => `override ${before.id} removed`,
    },
    changed: () => {
      sync.applyOverrides();
      hub.publish('overrides', { items: deps.store.overrides.list().map(overrideView) });
    },
  });
}
