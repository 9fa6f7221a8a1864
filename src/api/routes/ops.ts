/** Health (/healthz), readiness (/readyz) and Prometheus metrics (/metrics). */
import { timingSafeEqual } from 'node:crypto';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { ApiError } from '../api-error.ts';
import type { ApiMetrics } from '../metrics.ts';
import * as R from '../response-schemas.ts';

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
    {
      config: { access: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Liveness: 200 when the control loop ran within 30 s',
        response: { 200: R.health, 503: R.health.describe('starting or stalled') },
      },
    },
    (_req, reply) => {
      const at = deps.live.snapshot()?.atMs ?? null;
      if (at === null) {
        void reply.code(503);
        return { status: 'starting' as const, detail: 'the control loop has not run yet' };
      }
      const ageMs = deps.clock.nowMs() - at;
      if (ageMs > HEALTHY_WITHIN_MS) {
        void reply.code(503);
        return {
          status: 'stalled' as const,
          detail: `the control loop last ran ${Math.round(ageMs / 1000)} s ago`,
          lastRunAt: iso(at),
        };
      }
      return { status: 'ok' as const, lastRunAt: iso(at) };
    },
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: store, OCPP, HTTP and the first allocation',
        response: { 200: R.readiness, 503: R.readiness.describe('what is missing') },
      },
    },
    (_req, reply) => {
      const r = deps.readiness();
      const missing = [
        r.store ? null : r.storeProblem ? `store cannot write: ${r.storeProblem}` : 'store not open',
        r.ocpp ? null : 'OCPP server not listening',
        listening() ? null : 'HTTP server not listening',
        deps.live.snapshot() ? null : 'no allocation yet',
      ].filter((m): m is string => m !== null);
      void reply.code(missing.length ? 503 : 200);
      return { ready: missing.length === 0, missing };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (bearer http.metricsToken when set)',
        response: {
          200: R.textAnswer('text/plain', 'Prometheus text exposition format 0.0.4'),
          ...R.errors(401),
        },
      },
    },
    async (req, reply) => {
      const token = deps.options.metricsToken;
      if (token) {
        const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
        const want = Buffer.from(token);
        if (given.length !== want.length || !timingSafeEqual(given, want))
          throw new ApiError(401, 'unauthorized', '/metrics needs Authorization: Bearer <http.metricsToken>');
      }
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
