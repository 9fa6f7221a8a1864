/**
 * The HTTP side: health for supervisors and a read-only view of the latest decision. The REST API and
 * dashboard (a later milestone) extend this server.
 */
import Fastify from 'fastify';
import type { Logger } from 'pino';

/** What the HTTP server shows; the composition root provides it. */
export interface HttpView {
  /** Null until the control loop has run once: /healthz answers 503 until then. */
  lastRunAtMs(): number | null;
  /** The latest allocation and circuit loads, as plain JSON. */
  state(): unknown;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly view: HttpView;
}

/** Builds the app without listening (tests use app.inject()). */
export function buildHttpApp(view: HttpView, logger?: Logger) {
  // Requests are logged at info by fastify: keep them out of the operator's log unless debugging.
  const app = Fastify({
    loggerInstance: logger?.child({}, { level: logger.level === 'debug' ? 'debug' : 'warn' }),
  });
  app.get('/healthz', async (_req, reply) => {
    const at = view.lastRunAtMs();
    if (at === null)
      return reply.code(503).send({ status: 'starting', detail: 'the control loop has not run yet' });
    return { status: 'ok', lastRunAt: new Date(at).toISOString() };
  });
  app.get('/api/v1/state', () => Promise.resolve(view.state()));
  app.get('/', async (_req, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .send(
        'Fusebox is running.\n\nGET /healthz         health\nGET /api/v1/state    latest allocation, per port and circuit\n',
      ),
  );
  return app;
}

export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;

/** Starts listening; resolves with the app once bound. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpApp> {
  const app = buildHttpApp(opts.view, opts.logger);
  await app.listen({ host: opts.host, port: opts.port });
  return app;
}
