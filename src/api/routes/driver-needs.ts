/**
 * A driver's (or fleet system's, operator's) needs for the session on a port: when the car leaves and the
 * energy it needs (docs/api.md, "Driver's needs"). They win over the car's NotifyEVChargingNeeds and the site
 * file's stay and energy (control/session-needs.ts), belong to the session (a new one starts without) and are
 * stored with it. Deadline mode and the planner use them; the answer is the port as GET /ports/{id} shows it.
 */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { badRequest, conflict, notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';
import { livePayloads } from './live-state.ts';

const tags = ['live'];
/** The furthest departure a driver may give. */
export const MAX_DEPARTURE_AHEAD_MS = 7 * 24 * 3600_000;
/** More than the largest battery of any road vehicle charged at a depot (trucks carry up to ~1 MWh). */
export const MAX_DRIVER_ENERGY_KWH = 2000;

const needsBody = z.strictObject({
  departureAt: z.iso
    .datetime({
      offset: true,
      error: 'departureAt: expected an ISO-8601 date-time, e.g. 2026-11-26T05:30:00Z',
    })
    .nullish(),
  energyKwh: z
    .number({ error: 'energyKwh: expected the energy the car needs, in kWh' })
    .positive('energyKwh: must be more than 0 kWh')
    .max(MAX_DRIVER_ENERGY_KWH, `energyKwh: at most ${MAX_DRIVER_ENERGY_KWH} kWh`)
    .nullish(),
});

const params = z.object({ portId: z.string().min(1) });

export function driverNeedsRoutes(app: ZodApp, ctx: ApiContext): void {
  const { deps } = ctx;
  const payloads = livePayloads(ctx);

  /** Sets or clears; returns the port as GET /ports/{id} shows it after a control run. */
  const apply = async (
    portId: string,
    input: { departureMs?: number | undefined; energyWh?: number | undefined } | null,
    by: string,
  ) => {
    const source = deps.driverNeeds;
    if (!source) throw notFound('this Fusebox cannot take drivers’ needs');
    const answer = await source.set(portId, input, by);
    if (!answer.ok) {
      if (answer.problem === 'unknown-port') throw notFound(`no port '${portId}'`);
      throw conflict(`port ${portId} has no session: a driver's needs belong to a session, start one first`);
    }
    const n = answer.needs;
    const text =
      n === null
        ? `needs of session ${answer.sessionId} on ${portId} cleared`
        : `needs of session ${answer.sessionId} on ${portId}: ${[
            n.departureMs !== undefined ? `leaves ${iso(n.departureMs)}` : null,
            n.energyWh !== undefined ? `needs ${n.energyWh / 1000} kWh` : null,
          ]
            .filter(Boolean)
            .join(', ')}`;
    await deps.store.records.audit(by, text, {
      portId,
      sessionId: answer.sessionId,
      departureAt: n?.departureMs !== undefined ? iso(n.departureMs) : null,
      energyKwh: n?.energyWh !== undefined ? n.energyWh / 1000 : null,
    });
    deps.live.runNow?.();
    const port = payloads.ports().ports.find((p) => p.id === portId);
    if (!port) throw notFound(`no port '${portId}'`);
    return port;
  };

  app.put(
    '/api/v1/ports/:portId/needs',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary:
          "Say when the car on a port leaves and the energy it needs (either or both): wins over the car's and the site file's until the session ends",
        params,
        body: needsBody,
        response: { 200: R.portLive, ...R.errors(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (req) => {
      const b = req.body;
      const departureAt = b.departureAt ?? undefined;
      const energyKwh = b.energyKwh ?? undefined;
      if (departureAt === undefined && energyKwh === undefined)
        throw badRequest('departureAt: give departureAt or energyKwh (or both); DELETE clears them');
      let departureMs: number | undefined;
      if (departureAt !== undefined) {
        departureMs = Date.parse(departureAt);
        const nowMs = deps.clock.nowMs();
        if (departureMs <= nowMs) throw badRequest(`departureAt: ${departureAt} is not in the future`);
        if (departureMs > nowMs + MAX_DEPARTURE_AHEAD_MS)
          throw badRequest(`departureAt: at most 7 days ahead (${iso(nowMs + MAX_DEPARTURE_AHEAD_MS)})`);
      }
      return apply(
        req.params.portId,
        { departureMs, energyWh: energyKwh === undefined ? undefined : energyKwh * 1000 },
        req.principal!.username,
      );
    },
  );

  app.delete(
    '/api/v1/ports/:portId/needs',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "Clear a driver's needs for the session on a port: the car's or the site file's hold again",
        params,
        response: { 200: R.portLive, ...R.errors(401, 403, 404, 409) },
      },
    },
    (req) => apply(req.params.portId, null, req.principal!.username),
  );
}
