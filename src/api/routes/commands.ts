/** Station commands: remote start/stop, reset, availability; each answered with the station's status. */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { ApiError, badRequest, conflict, notFound } from '../api-error.ts';
import * as R from '../response-schemas.ts';

const commandBody = z.discriminatedUnion('command', [
  z.strictObject({
    command: z.literal('remoteStart'),
    portId: z.string().min(1),
    idTag: z.string().min(1).max(36).optional(),
  }),
  z.strictObject({ command: z.literal('remoteStop'), portId: z.string().min(1) }),
  z.strictObject({ command: z.literal('reset'), type: z.enum(['soft', 'hard']) }),
  z.strictObject({
    command: z.literal('availability'),
    portId: z.string().min(1).optional(),
    available: z.boolean(),
  }),
]);

export function commandRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.post(
    '/api/v1/stations/:id/commands',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['stations'],
        summary: 'Send a station a command',
        params: z.object({ id: z.string().min(1) }),
        body: commandBody,
        response: { 200: R.commandAnswer, ...R.errors(400, 413, 415, 401, 403, 404, 409, 502) },
      },
    },
    async (req) => {
      const stationId = req.params.id;
      const station = deps.config.stations.find((s) => s.id === stationId);
      if (!station) throw notFound(`no station '${stationId}'`);
      const b = req.body;
      if ('portId' in b && b.portId !== undefined) {
        const port = deps.baseSite().ports.find((p) => p.id === b.portId);
        if (!port || port.stationId !== stationId)
          throw badRequest(`portId: '${b.portId}' is not a port of station '${stationId}'`);
      }
      // OCPP 1.6 IdToken is CiString20 (2.0.1: 36): a longer one would fail the station's schema.
      const maxIdTag = station.ocppVersion === '1.6' ? 20 : 36;
      if (b.command === 'remoteStart' && b.idTag !== undefined && b.idTag.length > maxIdTag)
        throw badRequest(
          `body.idTag: at most ${maxIdTag} characters for station '${stationId}' (OCPP ${station.ocppVersion})`,
        );
      const by = req.principal!.username;
      try {
        let answer;
        switch (b.command) {
          case 'remoteStart':
            answer = await deps.commands.remoteStart(b.portId, b.idTag ?? by.slice(0, 20));
            break;
          case 'remoteStop':
            answer = await deps.commands.remoteStop(b.portId);
            break;
          case 'reset':
            answer = await deps.commands.reset(stationId, b.type);
            break;
          case 'availability':
            answer = await deps.commands.changeAvailability(
              b.portId === undefined ? { stationId } : { stationId, portId: b.portId },
              b.available,
            );
            break;
        }
        await deps.store.records.audit(by, `${b.command} on ${stationId}: ${answer.status}`, b);
        return { status: answer.status };
      } catch (err) {
        const code = (err as { code?: string }).code;
        const message = err instanceof Error ? err.message : String(err);
        const cause = { cause: err };
        if (code === 'OCPP_STATION_OFFLINE') throw conflict(message, cause);
        if (code === 'OCPP_NO_SESSION') throw conflict(message, cause);
        if (code === 'OCPP_UNKNOWN_STATION') throw notFound(message, cause);
        if (code === 'OCPP_UNKNOWN_PORT') throw badRequest(`portId: ${message}`, cause);
        throw new ApiError(502, 'station_error', `the station did not answer as expected: ${message}`, cause);
      }
    },
  );
}
