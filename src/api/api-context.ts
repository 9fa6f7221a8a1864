/** What every route module gets: the zod-typed fastify instance and the API's shared parts. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from './api-deps.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { ControlSync } from './control-sync.ts';
import type { LiveHub } from './live-hub.ts';
import type { ApiMetrics } from './metrics.ts';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ApiContext {
  readonly deps: ApiDeps;
  readonly hub: LiveHub;
  readonly sync: ControlSync;
  readonly throttle: LoginThrottle;
  readonly metrics: ApiMetrics;
}

/** An ISO-8601 UTC string for ms since epoch. */
export const iso = (ms: number): string => new Date(ms).toISOString();
