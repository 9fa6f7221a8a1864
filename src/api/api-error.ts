/**
 * Errors the API answers with `{ error, code, message }`, and the handler that turns any error into that
 * shape: `error` the short machine name (as before), `code` its entry in the error catalogue
 * (src/error-catalogue.ts, docs/errors.md).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { apiCodeOfWire } from '../error-catalogue.ts';
import type { CodeOfArea, ERROR_CATALOGUE } from '../error-catalogue.ts';

/** An API error's catalogue code. */
export type ApiErrorCode = CodeOfArea<'api'>;

/** The `error` names of the catalogue's API entries (bad_request, not_found, ...). */
export type ApiErrorName = (typeof ERROR_CATALOGUE)[ApiErrorCode]['wire'];

/** An error a client caused or may act on: its status, its `error` name and its catalogue code. */
export class ApiError extends Error {
  /** The catalogue code sent as `code`. */
  readonly code: ApiErrorCode;

  constructor(
    readonly statusCode: number,
    readonly error: ApiErrorName,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.code = apiCodeOfWire(error) ?? 'API_ERROR';
  }
}

/** The body of an error answer, `error` a catalogue name (an unknown one is sent with code API_ERROR). */
export function apiErrorBody(
  error: ApiErrorName,
  message: string,
): { error: string; code: ApiErrorCode; message: string } {
  return { error, code: apiCodeOfWire(error) ?? 'API_ERROR', message };
}

/** `cause`: the error this answer stands for (kept for the log and the debugger, never sent). */
type Cause = { readonly cause?: unknown };
export const badRequest = (message: string, options?: Cause): ApiError =>
  new ApiError(400, 'bad_request', message, options);
export const notFound = (message: string, options?: Cause): ApiError =>
  new ApiError(404, 'not_found', message, options);
export const conflict = (message: string, options?: Cause): ApiError =>
  new ApiError(409, 'conflict', message, options);

/** "body.limitA" from a validation context and a JSON pointer such as "/weekly/0/from". */
function fieldName(context: string | undefined, instancePath: string, key?: string): string {
  const segments = instancePath.split('/').filter(Boolean);
  if (key !== undefined) segments.push(key);
  // `.name` for a plain name, `[0]` for an index, `[" odd key"]` (JSON) for anything else, so that the
  // path stays unambiguous whatever keys a client sends.
  const path = segments
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[\w$-]+$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`))
    .join('');
  return `${context ?? 'request'}${path}`;
}

/** zod's wording made plainer for API clients ("received undefined" is a missing field). */
function plainer(message: string, context: string | undefined): string {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  if (missing) return `missing (expected ${missing[1]})`;
  if (/received NaN$/.test(message)) return 'expected a number';
  if (/^Invalid input: expected int, received number$/.test(message)) return 'expected a whole number';
  // A query parameter given twice (stationId=a&stationId=b) arrives as a list.
  if (context === 'querystring' && /^Invalid input: expected \w+, received array$/.test(message))
    return 'given more than once; give it once';
  return message;
}

/** "body.limitA: …" lines of a zod validation error (at most three), unknown keys named one by one. */
function validationMessage(
  context: string | undefined,
  validation: readonly {
    keyword?: string;
    instancePath: string;
    message?: string;
    params?: Record<string, unknown>;
  }[],
): string {
  const lines: string[] = [];
  for (const v of validation) {
    // fastify-type-provider-zod: keyword = the zod issue code, instancePath = its path (also for a
    // missing key), params = the rest of the issue (`keys` for unknown keys).
    const keys = v.params?.keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys))
      for (const key of keys) lines.push(`${fieldName(context, v.instancePath, String(key))}: unknown field`);
    else if (
      context === 'body' &&
      v.instancePath === '/' &&
      /received (null|undefined)$/.test(v.message ?? '')
    )
      lines.push('body: missing (expected a JSON object)');
    else lines.push(`${fieldName(context, v.instancePath)}: ${plainer(v.message ?? 'invalid', context)}`);
  }
  return lines.slice(0, 3).join('; ');
}

/** Machine codes for the 4xx statuses fastify raises itself (body parsing, routing). */
const CODE_OF_STATUS: Record<number, ApiErrorName> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Fastify's own messages about a request body, in the API's "field: problem" form. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body: not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body: empty; send a JSON object',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type: not supported; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length: does not match the body',
};

/** Fastify error handler: validation problems are 400s naming the field; unknown errors are 500s, logged. */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    void reply.code(err.statusCode).send({ error: err.error, code: err.code, message: err.message });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const message = validationMessage(err.validationContext, err.validation);
    void reply
      .code(400)
      .send(apiErrorBody('bad_request', message || `${err.validationContext ?? 'request'}: invalid`));
    return;
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) req.log.error({ err }, 'request failed');
  const tooLarge =
    err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `body: too large (at most ${Math.round(req.routeOptions.bodyLimit / 1024)} KiB on this route)`
      : undefined;
  void reply
    .code(status)
    .send(
      apiErrorBody(
        status >= 500 ? 'internal' : (CODE_OF_STATUS[status] ?? 'error'),
        status >= 500
          ? 'internal error; see the Fusebox log'
          : (tooLarge ?? FASTIFY_MESSAGES[err.code] ?? err.message),
      ),
    );
}
