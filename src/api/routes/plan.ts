/**
 * The live planner (docs/control.md, "The planner"; docs/api.md): the plan in force, per slot and per
 * session, or why there is none; the month's peak so far and what it costs from the demand cap.
 */
import type { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import * as R from '../response-schemas.ts';
import { planSchema } from '../response-schemas-plan.ts';

export function planRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.get(
    '/api/v1/plan',
    {
      schema: {
        tags: ['plan'],
        summary:
          'The live plan: expected load, prices, demand target, battery schedule, sessions and whether their needs are met',
        response: { 200: planSchema, ...R.errors(401) },
      },
    },
    (): z.infer<typeof planSchema> => {
      const d = deps.demand?.state() ?? null;
      const demand = d && {
        periodPeakKw: d.periodPeakKw,
        demandChargePerKw: d.demandChargePerKw,
        estimatedDemandCharge: d.estimatedDemandCharge,
        currency: d.currency ?? null,
      };
      if (!deps.planner)
        return {
          enabled: false,
          active: false,
          reason: 'the site file has no site.allocation.planner',
          slotMinutes: null,
          horizonHours: null,
          solvedAt: null,
          solveMs: null,
          energyCost: null,
          demandChargeAdded: null,
          slots: [],
          sessions: [],
          battery: null,
          demand,
        };
      const s = deps.planner.status(deps.clock.nowMs());
      return {
        enabled: true,
        active: s.active,
        reason: s.reason,
        slotMinutes: s.slotMs / 60_000,
        horizonHours: s.horizonMs / 3_600_000,
        solvedAt: s.solvedAtMs === null ? null : iso(s.solvedAtMs),
        solveMs: s.solveMs,
        energyCost: s.energyCost,
        demandChargeAdded: s.demandChargeAdded,
        slots: s.slots.map((x) => ({
          start: iso(x.startMs),
          importKw: x.importKw,
          pricePerKwh: x.pricePerKwh,
          demandTargetKw: x.demandTargetKw,
          batteryKw: x.batteryKw,
          batterySocPct: x.batterySocPct,
        })),
        battery: s.battery,
        sessions: s.sessions.map((x) => ({
          portId: x.portId,
          sessionId: x.sessionId,
          departure: iso(x.departureMs),
          needKwh: x.needKwh,
          plannedKwh: x.plannedKwh,
          met: x.met,
          shortKwh: x.shortKwh,
          targetA: x.targetA,
        })),
        demand,
      };
    },
  );
}
