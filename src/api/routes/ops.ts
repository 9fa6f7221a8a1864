/** Health (/healthz), readiness (/readyz) and Prometheus metrics (/metrics). */
import { timingSafeEqual } from 'node:crypto';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { ApiError } from '../api-error.ts';
import type { ApiMetrics } from '../metrics.ts';

/** The control loop must have run within this long for /healthz to be 200. */
export const HEALTHY_WITHIN_MS = 30_000;

export function opsRoutes(
  app: ZodApp,
  { deps }: ApiContext,
  metrics: ApiMetrics,
  listening: () => boolean,
): void {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['ops'], summary: 'Liveness' } },
    (_req, reply) => {
      const at = deps.live.snapshot()?.atMs ?? null;
      if (at === null)
        return reply.code(503).send({ status: 'starting', detail: 'the control loop has not run yet' });
      const ageMs = deps.now() - at;
      if (ageMs > HEALTHY_WITHIN_MS)
        return reply.code(503).send({
          status: 'stalled',
          detail: `the control loop last ran ${Math.round(ageMs / 1000)} s ago`,
          lastRunAt: iso(at),
        });
      return reply.send({ status: 'ok', lastRunAt: iso(at) });
    },
  );

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['ops'], summary: 'Readiness' } },
    (_req, reply) => {
      const r = deps.readiness();
      const missing = [
        r.store ? null : 'store not open',
        r.ocpp ? null : 'OCPP server not listening',
        listening() ? null : 'HTTP server not listening',
        deps.live.snapshot() ? null : 'no allocation yet',
      ].filter((m): m is string => m !== null);
      return reply.code(missing.length ? 503 : 200).send({ ready: missing.length === 0, missing });
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { tags: ['ops'], summary: 'Prometheus metrics' } },
    async (req, reply) => {
      const token = deps.options.metricsToken;
      if (token) {
        const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
        const want = Buffer.from(token);
        if (given.length !== want.length || !timingSafeEqual(given, want))
          throw new ApiError(401, 'unauthorized', '/metrics needs Authorization: Bearer <http.metricsToken>');
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
