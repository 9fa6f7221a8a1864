/**
 * The demand cap (docs/control.md, "Demand cap"; docs/api.md): its state, and a target an operator pins
 * (it wins over the period peak and the site file's `tariff.demand.targetKw` until unpinned; stored).
 */
import { z } from 'zod';
import type { DemandState } from '../../control/demand-cap.ts';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';

const tags = ['demand'];

const pinView = z.strictObject({ targetKw: z.number(), by: z.string(), at: z.string() }).nullable();

const demandOff = z.strictObject({ enabled: z.literal(false), detail: z.string() });
const demandOn = z.strictObject({
  enabled: z.literal(true),
  at: z.string().describe('when the control loop last computed it'),
  circuitId: z.string().describe('the circuit the cap limits (the grid connection)'),
  measuredBy: z.enum(['grid meter', 'estimate']),
  gridKw: z.number().nullable().describe('grid import now, kW (null: unknown)'),
  windowMinutes: z.number(),
  windowStart: z.string(),
  windowEnd: z.string(),
  windowAverageKw: z.number().describe('average of the running window so far'),
  targetKw: z.number(),
  targetReason: z.enum(['pinned', 'period peak', 'floor', 'cars need']),
  pin: pinView.describe('the target pinned through the API, null when none'),
  capKw: z.number().nullable().describe('the kW limit on the circuit for the rest of the window'),
  period: z.string().describe('billing period, local month YYYY-MM'),
  periodStart: z.string(),
  periodEnd: z.string(),
  periodPeakKw: z.number().describe('highest ended window of the period'),
  periodPeakAt: z.string().nullable().describe('start of that window'),
  demandChargePerKw: z.number(),
  estimatedDemandCharge: z.number().describe('periodPeakKw × demandChargePerKw'),
  currency: z.string().nullable(),
});
export const demandStateSchema = z
  .discriminatedUnion('enabled', [demandOff, demandOn])
  .describe('The demand cap: the window, the target, the billing period peak');

const targetBody = z.strictObject({
  targetKw: z
    .number({ error: 'targetKw: expected a power in kW, or null to unpin' })
    .nonnegative('targetKw: must not be negative')
    .max(100_000, 'targetKw: at most 100000 kW')
    .nullable(),
});

export function demandView(s: DemandState | null | undefined): z.infer<typeof demandStateSchema> {
  if (s === undefined) return { enabled: false, detail: 'the site file has no tariff.demand: no demand cap' };
  if (s === null) return { enabled: false, detail: 'the control loop has not run yet' };
  return {
    enabled: true,
    at: iso(s.atMs),
    circuitId: s.circuitId,
    measuredBy: s.measuredBy,
    gridKw: s.gridKw,
    windowMinutes: s.windowMs / 60_000,
    windowStart: iso(s.windowStartMs),
    windowEnd: iso(s.windowEndMs),
    windowAverageKw: s.windowAverageKw,
    targetKw: s.targetKw,
    targetReason: s.targetReason,
    pin: s.pin && { targetKw: s.pin.targetKw, by: s.pin.by, at: iso(s.pin.atMs) },
    capKw: s.capKw,
    period: s.period,
    periodStart: iso(s.periodStartMs),
    periodEnd: iso(s.periodEndMs),
    periodPeakKw: s.periodPeakKw,
    periodPeakAt: s.periodPeakAtMs === null ? null : iso(s.periodPeakAtMs),
    demandChargePerKw: s.demandChargePerKw,
    estimatedDemandCharge: s.estimatedDemandCharge,
    currency: s.currency ?? null,
  };
}

export function demandRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.get(
    '/api/v1/demand',
    {
      schema: {
        tags,
        summary: 'The demand cap: running window, target, billing period peak, estimated demand charge',
        response: { 200: demandStateSchema, ...R.errors(401) },
      },
    },
    () => demandView(deps.demand ? deps.demand.state() : undefined),
  );

  app.put(
    '/api/v1/demand/target',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Pin the demand target (kW), or unpin it (null)',
        body: targetBody,
        response: { 200: demandStateSchema, ...R.errors(400, 401, 403, 404, 413, 415) },
      },
    },
    async (req) => {
      const demand = deps.demand;
      if (!demand) throw notFound('the site file has no tariff.demand: no demand cap to pin');
      const by = req.principal!.username;
      const { targetKw } = req.body;
      await demand.pin(targetKw, by);
      await deps.store.records.audit(
        by,
        targetKw === null ? 'demand target unpinned' : `demand target pinned at ${targetKw} kW`,
        { targetKw },
      );
      return demandView(demand.state());
    },
  );
}
