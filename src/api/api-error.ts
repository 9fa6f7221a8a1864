/** Errors the API answers with `{ error, message }`, and the handler that turns any error into that shape. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** An error a client caused or may act on: its status and a machine code. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);

/** "body.limitA" from a validation context and a JSON pointer such as "/weekly/0/from". */
function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  return `${context ?? 'request'}${path}`;
}

/** Fastify error handler: validation problems are 400s naming the field; unknown errors are 500s, logged. */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    void reply.code(err.statusCode).send({ error: err.code, message: err.message });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const issue = first?.params?.issue as { path?: unknown[]; message?: string } | undefined;
    // A missing required key has no instancePath of its own: the zod issue's path names it.
    const path =
      issue?.path && issue.path.length > 0
        ? `/${issue.path.map(String).join('/')}`
        : (first?.instancePath ?? '');
    const message = err.validation
      .slice(0, 3)
      .map((v) => {
        const vi = v.params?.issue as { path?: unknown[] } | undefined;
        const p = vi?.path && vi.path.length > 0 ? `/${vi.path.map(String).join('/')}` : v.instancePath;
        return `${fieldName(err.validationContext, p)}: ${v.message}`;
      })
      .join('; ');
    void reply.code(400).send({
      error: 'bad_request',
      message: message || `${fieldName(err.validationContext, path)}: invalid`,
    });
    return;
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) req.log.error({ err }, 'request failed');
  void reply.code(status).send({
    error: status === 429 ? 'rate_limited' : status >= 500 ? 'internal' : (err.code ?? 'error'),
    message: status >= 500 ? 'internal error; see the Fusebox log' : err.message,
  });
}
