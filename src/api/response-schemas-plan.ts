/**
 * The answer of GET /api/v1/plan (routes/plan.ts), beside the others of response-schemas.ts; the dashboard
 * takes its type from here too (web/app/api-types.ts).
 */
import { z } from 'zod';
import { at } from './response-schemas.ts';

/** GET /api/v1/plan: the live planner (docs/control.md, "The planner"; src/control/live-planner.ts). */
export const planSchema = z
  .strictObject({
    enabled: z.boolean().describe('the site file has site.allocation.planner'),
    active: z.boolean().describe("the plan's targets are in force now"),
    reason: z.string().nullable().describe('why no plan is in force (null when one is)'),
    slotMinutes: z.number().nullable(),
    horizonHours: z.number().nullable(),
    solvedAt: at.nullable().describe('when the plan in force was solved'),
    solveMs: z.number().nullable().describe('how long its solve took, ms'),
    energyCost: z.number().nullable().describe("the plan's energy cost over the horizon, tariff currency"),
    demandChargeAdded: z.number().nullable().describe('demand charge the plan adds to what is paid'),
    slots: z.array(
      z.strictObject({
        start: at,
        importKw: z.number().describe('expected grid import: EV load + forecast building load'),
        pricePerKwh: z.number(),
        demandTargetKw: z
          .number()
          .nullable()
          .describe('the demand the plan keeps within (null: no demand cap)'),
        batteryKw: z
          .number()
          .nullable()
          .describe("the planned battery's power in the slot, kW, charging positive (null: none planned)"),
        batterySocPct: z
          .number()
          .nullable()
          .describe("the planned battery's state of charge at the end of the slot, % (null: none planned)"),
      }),
    ),
    battery: z
      .strictObject({
        batteryId: z.string(),
        targetKw: z.number().describe("the plan's power for the running slot, kW, charging positive"),
      })
      .nullable()
      .describe('the battery the plan schedules (docs/control.md, "The planner"); null: none'),
    sessions: z.array(
      z.strictObject({
        portId: z.string(),
        sessionId: z.number(),
        departure: at,
        needKwh: z.number().describe('energy it still needed when planned'),
        plannedKwh: z.number(),
        met: z.boolean().describe('the need will be met by the departure'),
        shortKwh: z.number(),
        targetA: z.number().describe("the plan's target for the running slot, A"),
      }),
    ),
    demand: z
      .strictObject({
        periodPeakKw: z.number().describe("the billing month's peak so far"),
        demandChargePerKw: z.number(),
        estimatedDemandCharge: z.number().describe('what the peak so far costs'),
        currency: z.string().nullable(),
      })
      .nullable()
      .describe('from the demand cap; null without one'),
  })
  .describe(
    'The live plan: expected load, prices, demand target, battery schedule, and per session whether its need is met',
  );
