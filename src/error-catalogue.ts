/**
 * Fusebox's error catalogue: every error code it reports, with a stable code, a one-line meaning and what to
 * do about it. docs/errors.md is generated from it (`npm run docs:errors`; src/error-catalogue.test.ts fails
 * when the file differs). A code never changes meaning once released; a new error gets a new code here.
 *
 * `wire` is what the other side sees: the API's `error` field, the OCPP CALLERROR code, the Modbus
 * exception number, the process exit code.
 */

export type ErrorArea = 'config' | 'api' | 'ocpp' | 'modbus' | 'cli';

export interface ErrorEntry {
  readonly area: ErrorArea;
  /** What goes over the wire or to the shell, when it differs from the code. */
  readonly wire?: string | number;
  /** The HTTP status (API errors). */
  readonly status?: number;
  readonly meaning: string;
  readonly action: string;
}

const entry = <E extends ErrorEntry>(e: E): E => e;

export const ERROR_CATALOGUE = {
  // The site file (`fusebox check`, `fusebox start`, a SIGHUP reload): reported as `file:line:column  path  message`.
  CONFIG_UNREADABLE: entry({
    area: 'config',
    meaning: 'the site file (or a file it names: a certificate, a secret) cannot be read',
    action: 'check the path and permissions; the message names the file',
  }),
  CONFIG_INVALID: entry({
    area: 'config',
    meaning:
      'a value in the site file is wrong, missing or contradicts another (a limit above its parent, ...)',
    action:
      'fix the field at the file:line:column printed; `npx fusebox check site.yaml` lists every problem',
  }),
  CONFIG_RELOAD_REFUSED: entry({
    area: 'config',
    meaning:
      'a changed site file was not applied on SIGHUP (the change needs a restart, or the file is invalid)',
    action: 'the log says why; restart Fusebox for the change, or fix the file and send SIGHUP again',
  }),

  // The HTTP API: `{ "error": "<wire>", "code": "<code>", "message": "..." }` (docs/api.md).
  API_BAD_REQUEST: entry({
    area: 'api',
    wire: 'bad_request',
    status: 400,
    meaning: 'bad input; the message starts with the field or query parameter at fault',
    action: 'correct the named field (docs/api.md lists each route’s fields)',
  }),
  API_UNAUTHORIZED: entry({
    area: 'api',
    wire: 'unauthorized',
    status: 401,
    meaning: 'not logged in, or no valid bearer token',
    action: 'log in (POST /api/v1/auth/login) or send `Authorization: Bearer <token>`',
  }),
  API_BAD_CREDENTIALS: entry({
    area: 'api',
    wire: 'bad_credentials',
    status: 401,
    meaning: 'wrong user name or password',
    action: 'check them; `fusebox user passwd` sets a new password',
  }),
  API_FORBIDDEN: entry({
    area: 'api',
    wire: 'forbidden',
    status: 403,
    meaning: 'the account’s role is too low for this route',
    action: 'use an operator account (or token) for writes',
  }),
  API_CSRF: entry({
    area: 'api',
    wire: 'csrf',
    status: 403,
    meaning: 'a write with a session cookie lacks the X-Fusebox-CSRF header',
    action: 'send `X-Fusebox-CSRF: 1` with cookie-authenticated writes',
  }),
  API_NOT_FOUND: entry({
    area: 'api',
    wire: 'not_found',
    status: 404,
    meaning: 'no such port, station, override, schedule, token or route',
    action: 'check the id (URL-encode a port id’s `/`) and the path',
  }),
  API_METHOD_NOT_ALLOWED: entry({
    area: 'api',
    wire: 'method_not_allowed',
    status: 405,
    meaning: 'the route does not take this HTTP method',
    action: 'use the method docs/api.md gives for the route',
  }),
  API_NOT_ACCEPTABLE: entry({
    area: 'api',
    wire: 'not_acceptable',
    status: 406,
    meaning: 'the Accept header asks for a format the route does not produce',
    action: 'accept application/json',
  }),
  API_CONFLICT: entry({
    area: 'api',
    wire: 'conflict',
    status: 409,
    meaning: 'an edit made on a stale version, a name already taken, or a command for an offline station',
    action:
      'read the item again and retry with its current version; for a command, wait until the station is connected',
  }),
  API_PAYLOAD_TOO_LARGE: entry({
    area: 'api',
    wire: 'payload_too_large',
    status: 413,
    meaning: 'the request body is over the route’s limit (8 KiB without a login, 64 KiB with one)',
    action: 'send a smaller body',
  }),
  API_UNSUPPORTED_MEDIA_TYPE: entry({
    area: 'api',
    wire: 'unsupported_media_type',
    status: 415,
    meaning: 'a body in a content type other than JSON',
    action: 'send `content-type: application/json`',
  }),
  API_RATE_LIMITED: entry({
    area: 'api',
    wire: 'rate_limited',
    status: 429,
    meaning: 'too many failed logins for a user name or from an address',
    action: 'wait for the time in Retry-After; check the password',
  }),
  API_ERROR: entry({
    area: 'api',
    wire: 'error',
    meaning: 'another client error (4xx) the HTTP layer raised',
    action: 'the message says what; check the request against docs/api.md',
  }),
  API_STATION_ERROR: entry({
    area: 'api',
    wire: 'station_error',
    status: 502,
    meaning: 'the station did not answer a command as expected',
    action: 'the message has the station’s answer; check the station (its log, firmware) and retry',
  }),
  API_INTERNAL: entry({
    area: 'api',
    wire: 'internal',
    status: 500,
    meaning: 'Fusebox failed to answer (a bug or a store failure)',
    action: 'see the Fusebox log (the request is logged with the error) and report it',
  }),

  // OCPP: CALLERRORs Fusebox answers a station's CALL with, and the operator commands' errors.
  OCPP_NOT_IMPLEMENTED: entry({
    area: 'ocpp',
    wire: 'NotImplemented',
    meaning: 'the station sent an action OCPP does not define for its version',
    action: 'check the station’s OCPP version setting (ocppVersion in the site file)',
  }),
  OCPP_NOT_SUPPORTED: entry({
    area: 'ocpp',
    wire: 'NotSupported',
    meaning: 'the station sent an action Fusebox does not support',
    action: 'none needed unless the station depends on it; docs/ocpp.md lists what Fusebox supports',
  }),
  OCPP_SECURITY_ERROR: entry({
    area: 'ocpp',
    wire: 'SecurityError',
    meaning: 'the station sent a message before an accepted BootNotification',
    action:
      'none: Fusebox asks the station to boot; if it persists, check the station is configured (stations:)',
  }),
  OCPP_PROPERTY_CONSTRAINT: entry({
    area: 'ocpp',
    wire: 'PropertyConstraintViolation',
    meaning: 'a field of the station’s message is outside what Fusebox accepts (the message names it)',
    action: 'check the station’s firmware or configuration for the named field',
  }),
  OCPP_INTERNAL_ERROR: entry({
    area: 'ocpp',
    wire: 'InternalError',
    meaning: 'Fusebox could not handle the station’s message (a store failure, a bug)',
    action: 'see the Fusebox log; the station retries the message',
  }),
  OCPP_GENERIC_ERROR: entry({
    area: 'ocpp',
    wire: 'GenericError',
    meaning: 'the cloud relay could not pass a call on (the station is not connected to Fusebox)',
    action: 'check the station’s connection (docs/proxy.md)',
  }),
  OCPP_UNKNOWN_STATION: entry({
    area: 'ocpp',
    meaning: 'an operator command names a station the site file does not configure',
    action: 'check the station id (stations: in the site file)',
  }),
  OCPP_UNKNOWN_PORT: entry({
    area: 'ocpp',
    meaning: 'an operator command names a port the site does not have',
    action: 'check the port id (GET /api/v1/ports lists them)',
  }),
  OCPP_STATION_OFFLINE: entry({
    area: 'ocpp',
    meaning: 'an operator command for a station that is not connected',
    action: 'wait until it connects (GET /api/v1/stations shows it), then retry',
  }),
  OCPP_NO_SESSION: entry({
    area: 'ocpp',
    meaning: 'an operator command that needs a session, for a port without one',
    action: 'none: nothing is charging on that port',
  }),

  // Modbus: exception responses of the EMS server (docs/modbus-ems.md) and the simulated meters.
  MODBUS_ILLEGAL_FUNCTION: entry({
    area: 'modbus',
    wire: 1,
    meaning: 'illegal function: writes are disabled, or an unsupported function code',
    action: 'enable writes (ems.writes: true) or use the function codes docs/modbus-ems.md lists',
  }),
  MODBUS_ILLEGAL_DATA_ADDRESS: entry({
    area: 'modbus',
    wire: 2,
    meaning: 'illegal data address: an unknown register, or a write to a read-only register',
    action: 'check the register address against docs/modbus-ems.md',
  }),
  MODBUS_ILLEGAL_DATA_VALUE: entry({
    area: 'modbus',
    wire: 3,
    meaning: 'illegal data value: a value outside the allowed range (nothing is written)',
    action: 'write a value within the register’s range (docs/modbus-ems.md)',
  }),
  MODBUS_SERVER_DEVICE_FAILURE: entry({
    area: 'modbus',
    wire: 4,
    meaning: 'server device failure: the server could not answer the request',
    action: 'see the Fusebox log; retry',
  }),
  MODBUS_GATEWAY_TARGET_FAILED: entry({
    area: 'modbus',
    wire: 11,
    meaning: 'gateway target failed to respond: no device with that unit id (simulated meters)',
    action: 'check the unit id in the meter’s URL',
  }),

  // The `fusebox` command's exit codes.
  CLI_OK: entry({ area: 'cli', wire: 0, meaning: 'done', action: 'none' }),
  CLI_FAILED: entry({
    area: 'cli',
    wire: 1,
    meaning: 'the command could not do its work (Fusebox could not start, a meter did not answer, ...)',
    action: 'the message and the log say why (a port in use, an unreachable device, ...)',
  }),
  CLI_USAGE: entry({
    area: 'cli',
    wire: 2,
    meaning: 'bad usage or bad input: unknown option, missing argument, an invalid site file',
    action: 'see `npx fusebox <command> --help`; for a site file, fix the problems printed',
  }),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes of an area, in catalogue order. */
export type CodeOfArea<A extends ErrorArea> = {
  [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['area'] extends A ? C : never;
}[ErrorCode];

/** An error that carries its catalogue code (and, when it wraps one, the original as `cause`). */
export class FuseboxError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FuseboxError';
  }
}

/** The catalogue code of an API `error` field (the wire name), or undefined for one not in the catalogue. */
export function apiCodeOfWire(wire: string): CodeOfArea<'api'> | undefined {
  for (const [code, e] of Object.entries(ERROR_CATALOGUE))
    if (e.area === 'api' && 'wire' in e && e.wire === wire) return code as CodeOfArea<'api'>;
  return undefined;
}

const AREA_TITLES: Record<ErrorArea, string> = {
  config: 'The site file',
  api: 'The HTTP API',
  ocpp: 'OCPP',
  modbus: 'Modbus',
  cli: 'Exit codes of `fusebox`',
};

const WIRE_HEADINGS: Record<ErrorArea, string | null> = {
  config: null,
  api: '`error` (status)',
  ocpp: 'CALLERROR',
  modbus: 'exception',
  cli: 'exit code',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** docs/errors.md, as the catalogue generates it. */
export function errorsDocument(): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from src/error-catalogue.ts by `npm run docs:errors`; edit the catalogue, not this file. -->',
    '',
    'Every error Fusebox reports has a stable code: the API sends it as `code` beside `error` and `message`',
    '(docs/api.md); the operator commands’ errors carry it as `code`. The `error` (status), CALLERROR,',
    'exception and exit code columns are what the other side sees. This list is generated from',
    '`src/error-catalogue.ts`.',
  ];
  for (const area of Object.keys(AREA_TITLES) as ErrorArea[]) {
    const wire = WIRE_HEADINGS[area];
    lines.push('', `## ${AREA_TITLES[area]}`, '');
    lines.push(wire ? `| code | ${wire} | meaning | what to do |` : '| code | meaning | what to do |');
    lines.push(wire ? '| --- | --- | --- | --- |' : '| --- | --- | --- |');
    for (const [code, e] of Object.entries(ERROR_CATALOGUE) as [ErrorCode, ErrorEntry][]) {
      if (e.area !== area) continue;
      const w = e.wire === undefined ? '' : `\`${e.wire}\`${e.status !== undefined ? ` (${e.status})` : ''}`;
      lines.push(
        wire
          ? `| \`${code}\` | ${w} | ${cell(e.meaning)} | ${cell(e.action)} |`
          : `| \`${code}\` | ${cell(e.meaning)} | ${cell(e.action)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
