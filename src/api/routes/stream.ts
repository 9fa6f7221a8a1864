/** GET /api/v1/stream: the live stream (Server-Sent Events, see live-hub.ts). */
import type { ApiContext, ZodApp } from '../api-context.ts';
import * as R from '../response-schemas.ts';

export function streamRoutes(app: ZodApp, { hub }: ApiContext): void {
  app.get(
    '/api/v1/stream',
    {
      schema: {
        tags: ['live'],
        summary: 'Server-Sent Events: circuits, ports, event, overrides, schedules',
        response: {
          200: R.textAnswer('text/event-stream', 'events circuits, ports, event, overrides, schedules'),
          ...R.errors(401),
        },
      },
    },
    (req, reply) => {
      // The hub writes to the socket itself from now on.
      reply.hijack();
      hub.attach(reply.raw);
      req.raw.on('close', () => reply.raw.end());
    },
  );
}
