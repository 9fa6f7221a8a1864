/** What every route module gets: the zod-typed fastify instance and the API's shared parts. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from './api-deps.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { ControlSync } from '../control/control-sync.ts';
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

/**
 * Fields of a stored item that a client may send back unchanged in a write (GET, edit, PUT) and that the
 * API ignores; any other unknown field is a 400 naming it.
 */
export const readOnlyFields = {
  id: z.unknown().optional().describe('read-only; ignored'),
  createdBy: z.unknown().optional().describe('read-only; ignored'),
  createdAt: z.unknown().optional().describe('read-only; ignored'),
  updatedBy: z.unknown().optional().describe('read-only; ignored'),
  updatedAt: z.unknown().optional().describe('read-only; ignored'),
};

/** An ISO-8601 UTC string for ms since epoch. */
export const iso = (ms: number): string => new Date(ms).toISOString();
