/**
 * Schedules made in the dashboard: the site file's schedule format and rules; they apply on top of the
 * site file's schedules (the lower limit wins) as soon as they are saved. Edits carry their version (409).
 */
import { z } from 'zod';
import { scheduleSchema } from '../../config/schema.ts';
import { validateSchedule } from '../../core/schedule.ts';
import type { DatedException, WeeklyEntry } from '../../core/schedule.ts';
import type { UiScheduleInput, UiScheduleRecord } from '../../contracts/api-records.ts';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso, readOnlyFields } from '../api-context.ts';
import { badRequest } from '../api-error.ts';
import * as R from '../response-schemas.ts';
import { versionedCrudRoutes } from './versioned-crud.ts';

const tags = ['schedules'];
const scheduleBody = z.strictObject({
  ...readOnlyFields,
  circuitId: z.string().min(1),
  name: z.string().trim().min(1).max(80),
  weekly: scheduleSchema.shape.weekly,
  exceptions: scheduleSchema.shape.exceptions,
  enabled: z.boolean().default(true),
});

/** Plain (mutable) copies of a schedule's entries, as the response schema types them. */
function entries(weekly: readonly WeeklyEntry[], exceptions: readonly DatedException[]) {
  return {
    weekly: weekly.map((e) => ({ ...e, days: [...e.days] })),
    exceptions: exceptions.map((x) => ({ ...x })),
  };
}

export function scheduleView(s: UiScheduleRecord) {
  return {
    id: s.id,
    circuitId: s.circuitId,
    name: s.name,
    ...entries(s.weekly, s.exceptions),
    enabled: s.enabled,
    version: s.version,
    updatedBy: s.updatedBy,
    updatedAt: iso(s.updatedMs),
  };
}

export function scheduleRoutes(app: ZodApp, ctx: ApiContext): void {
  const { deps, sync, hub } = ctx;

  const checked = (b: z.infer<typeof scheduleBody>): UiScheduleInput => {
    const idx = deps.baseSite().circuitIndex.get(b.circuitId);
    if (idx === undefined) throw badRequest(`circuitId: no circuit '${b.circuitId}'`);
    const problems = validateSchedule({ weekly: b.weekly, exceptions: b.exceptions }).map((m) => `body.${m}`);
    // A schedule can only lower a limit: a value above the static one would silently do nothing.
    const c = deps.baseSite().circuits[idx]!;
    const entries = [
      ...b.weekly.map((e, i) => [`weekly[${i}]`, e] as const),
      ...b.exceptions.map((x, i) => [`exceptions[${i}]`, x] as const),
    ];
    for (const [path, e] of entries) {
      if (e.limitA !== undefined && e.limitA > c.limitA)
        problems.push(
          `body.${path}.limitA: ${e.limitA} A is above circuit ${c.id}'s static limit of ${c.limitA} A; a schedule can only lower it`,
        );
      if (e.limitKw !== undefined && c.limitKw !== undefined && e.limitKw > c.limitKw)
        problems.push(
          `body.${path}.limitKw: ${e.limitKw} kW is above circuit ${c.id}'s static limit of ${c.limitKw} kW; a schedule can only lower it`,
        );
    }
    if (problems.length > 0) throw badRequest(problems.join('; '));
    return {
      circuitId: b.circuitId,
      name: b.name,
      weekly: b.weekly,
      exceptions: b.exceptions,
      enabled: b.enabled,
    };
  };

  versionedCrudRoutes(app, deps, {
    path: '/api/v1/schedules',
    noun: 'schedule',
    tags,
    summaries: {
      list: "Dashboard schedules, and the site file's",
      add: 'Add a schedule to a circuit',
      change: 'Change a schedule (409 when version is stale)',
      remove: 'Delete a schedule',
    },
    body: scheduleBody,
    itemSchema: R.scheduleItem,
    listSchema: R.scheduleList,
    store: (d) => d.store.schedules,
    checked,
    view: scheduleView,
    list: (items) => ({
      items,
      fromSiteFile: deps
        .baseSite()
        .circuits.filter((c) => c.schedule)
        .map((c) => ({ circuitId: c.id, ...entries(c.schedule!.weekly, c.schedule!.exceptions) })),
    }),
    audit: {
      added: (item) => `schedule ${item.id} '${item.name}' added on ${item.circuitId}`,
      changed: (item) => `schedule ${item.id} '${item.name}' changed`,
      removed: (before) => `schedule ${before.id} '${before.name}' deleted`,
    },
    changed: () => {
      const refused = sync.applySchedules();
      if (refused) deps.logger?.warn(refused);
      hub.publish('schedules', { items: deps.store.schedules.list().map(scheduleView) });
    },
  });
}
