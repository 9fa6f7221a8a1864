/**
 * Fastify's serializer for zod response schemas. fastify-type-provider-zod's own one answers 500 when a
 * body does not match its schema, and strips fields the schema does not name. This one logs the mismatch
 * (naming route, status and field) and sends the body as the route built it: a client never loses a field
 * or an answer to a documentation slip, and the tests read the log to keep schemas and views in step.
 */
import type { FastifyBaseLogger } from 'fastify';
import { safeEncode } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';

/** The log message of a body that does not match its response schema (tests look for it). */
export const SCHEMA_MISMATCH = 'response does not match its schema';

interface RouteSchema {
  readonly schema: unknown;
  readonly method: string;
  readonly url: string;
  readonly httpStatus?: string | undefined;
}

/** A serializer compiler for fastify's setSerializerCompiler. */
export function lenientSerializerCompiler(log: () => FastifyBaseLogger | undefined) {
  return ({ schema, method, url, httpStatus }: RouteSchema) => {
    // Content-type keyed answers ({ content: { 'text/csv': { schema } } }) hand fastify the inner schema.
    const zodSchema = schema as $ZodType;
    return (data: unknown): string => {
      const result = safeEncode(zodSchema, data);
      if (result.success) return JSON.stringify(result.data);
      const issues = result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      log()?.error({ method, url, status: httpStatus, issues }, SCHEMA_MISMATCH);
      return JSON.stringify(data);
    };
  };
}
