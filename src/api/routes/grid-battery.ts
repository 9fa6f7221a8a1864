/**
 * Batteries and the grid state (docs/control.md, "Batteries" and "Islanded operation"; docs/api.md): each
 * battery's state of charge, power, command and why, as of the last control run; the grid state in force,
 * and the API's own input to it (islanded from the API or the EMS wins).
 */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';

const tags = ['batteries'];

export const batterySchema = z
  .strictObject({
    batteryId: z.string(),
    socPct: z.number().nullable().describe('state of charge, % (null: unknown or stale)'),
    measuredKw: z.number().nullable().describe('measured power, kW, charging positive (null: stale)'),
    commandKw: z.number().nullable().describe('decided this run, kW (null: read only)'),
    sentKw: z.number().nullable().describe('last written successfully, kW'),
    countedKw: z.number().describe('what it counts at on the circuits above it, kW'),
    reason: z.string(),
  })
  .describe('One battery as of the last control run');

const gridStateSchema = z.strictObject({
  state: z.enum(['grid', 'islanded', 'unknown']).describe('in force (EMS register 505 or the API)'),
  api: z.enum(['grid', 'islanded']).nullable().describe('what the API was last told (null: not set)'),
});

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 100) / 100);

export function gridBatteryRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.get(
    '/api/v1/batteries',
    {
      schema: {
        tags,
        summary: 'The batteries: state of charge, power, command and why',
        response: { 200: z.array(batterySchema), ...R.errors(401) },
      },
    },
    () =>
      (deps.live.snapshot()?.batteries ?? []).map((b) => ({
        batteryId: b.batteryId,
        socPct: round(b.socPct),
        measuredKw: round(b.measuredKw),
        commandKw: round(b.commandKw),
        sentKw: round(b.sentKw),
        countedKw: round(b.countedKw)!,
        reason: b.reason,
      })),
  );

  const view = (): z.infer<typeof gridStateSchema> => ({
    state: deps.live.snapshot()?.gridState ?? 'grid',
    api: deps.live.gridStateInput?.() ?? null,
  });
  app.get(
    '/api/v1/grid-state',
    {
      schema: {
        tags,
        summary: 'The grid state in force',
        response: { 200: gridStateSchema, ...R.errors(401) },
      },
    },
    view,
  );
  app.put(
    '/api/v1/grid-state',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Tell Fusebox the site is on the grid or islanded (null: clear the API input)',
        body: z.strictObject({ state: z.enum(['grid', 'islanded']).nullable() }),
        response: { 200: gridStateSchema, ...R.errors(400, 401, 403, 404, 413, 415) },
      },
    },
    async (req) => {
      if (!deps.live.setGridState) throw notFound('this Fusebox takes no grid state');
      const by = req.principal!.username;
      deps.live.setGridState(req.body.state);
      // The control loop runs with it at once: the answer shows the state in force after that run.
      deps.live.runNow?.();
      await deps.store.records.audit(by, `grid state set to ${req.body.state ?? 'not set'}`, {
        state: req.body.state,
      });
      return view();
    },
  );
}
