/**
 * Limits on what a request may send before any route code runs: body sizes (small without a login, so
 * an anonymous client cannot make the server parse megabytes of JSON) and query parameters (a parameter
 * a route does not take, or the array form of one it does, is a 400 naming it, not silently ignored).
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { badRequest } from './api-error.ts';
import * as R from './response-schemas.ts';

/** The body limit of every route without a login: login, logout, and any path that is not a route. */
export const PUBLIC_BODY_LIMIT = 8 * 1024;
/** The body limit of the routes that need a login (checked before the body is read). */
export const LOGGED_IN_BODY_LIMIT = 64 * 1024;

const isApi = (url: string): boolean => url.startsWith('/api/v1/');

/**
 * An onRoute hook: API routes that need a login get the larger body limit (the access check runs before
 * the body is read, so an anonymous request never gets to send that much), and every API route documents
 * the 400 that the query check below may give.
 */
export function apiRouteDefaults(route: RouteOptions): void {
  if (!isApi(route.url)) return;
  if (route.config?.access !== 'public') route.bodyLimit ??= LOGGED_IN_BODY_LIMIT;
  const response = route.schema?.response as Record<string, unknown> | undefined;
  if (response && !('400' in response) && !(400 in response)) Object.assign(response, R.errors(400));
}

/** Query parameters an API route does not take are a 400 naming them (the preValidation hook below). */
export function checkQueryParameters(req: FastifyRequest): void {
  if (req.is404 || !isApi(req.url)) return;
  const keys = Object.keys(req.query ?? {});
  if (keys.length === 0) return;
  const schema = req.routeOptions.schema?.querystring;
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  for (const key of keys) {
    if (known.includes(key)) continue;
    // stationId[]=x or kind[0]=x: a list where the route takes one value.
    const base = /^([^[\]]+)\[/.exec(key)?.[1];
    const hint = base !== undefined && known.includes(base) ? `; give ${base}=… once (not a list)` : '';
    throw badRequest(`querystring.${key}: unknown parameter${hint}`);
  }
}

export function unknownQueryParameters(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  try {
    checkQueryParameters(req);
  } catch (err) {
    done(err as Error);
    return;
  }
  done();
}
