/**
 * The zod schemas of every answer the API gives (200/201 bodies and the `{ error, message }` body), so that
 * /api/v1/openapi.json documents what clients receive. Objects are strict: a field a view adds without
 * adding it here is reported by the serializer (see response-serializer.ts) instead of being dropped.
 */
import { z } from 'zod';

export const at = z.iso.datetime({ offset: true }).describe('ISO-8601 instant (UTC)');
const ms = z.number().int().describe('milliseconds since the epoch');
const nullableNumber = z.number().nullable();
/** [L1, L2, L3]; null for a phase the circuit or port does not have, or unknown. */
const phaseValues = z
  .tuple([nullableNumber, nullableNumber, nullableNumber])
  .describe('per phase [L1, L2, L3]; null where the phase is missing or unknown');
const role = z.enum(['viewer', 'operator']);

/** The error body of every 4xx/5xx answer. */
export const errorBody = z
  .strictObject({
    error: z.string().describe('machine code: bad_request, unauthorized, forbidden, not_found, …'),
    code: z.string().describe('the error catalogue code (docs/errors.md): API_BAD_REQUEST, API_NOT_FOUND, …'),
    message: z.string().describe('a sentence; for a 400 it starts with the field'),
  })
  .describe('An error');

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input; the message names the field or query parameter',
  401: 'Not logged in (or wrong credentials)',
  403: 'Role too low, or a cookie write without X-Fusebox-CSRF',
  404: 'No such resource',
  409: 'Stale version, the station is offline, or the port has no session',
  413: 'The request body is too large (8 KiB without a login, 64 KiB with one)',
  415: 'The request body is not JSON',
  429: 'Too many failed logins; Retry-After says when to try again',
  502: 'The station did not answer as expected',
};

/** Response schemas for the given error statuses (each `{ error, code, message }`). */
export function errors(...statuses: readonly (keyof typeof ERROR_TEXT)[]): Record<number, z.ZodType> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody.describe(ERROR_TEXT[s]!)]));
}

/** A 204 answer: no body (@fastify/swagger documents a null schema as "no content"). */
export const noContent = z.null().describe('No content');

export const me = z.strictObject({ username: z.string(), role }).describe('The logged-in user');

export const authConfig = z
  .strictObject({
    demo: z.boolean(),
    demoUser: z.string().optional(),
    demoPassword: z.string().optional(),
  })
  .describe('What the login page shows');

export const tokenItem = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  role,
  createdBy: z.string(),
  createdAt: at,
  lastUsedAt: at.nullable(),
});
export const tokenList = z
  .strictObject({ items: z.array(tokenItem) })
  .describe('API tokens (the secrets are never shown again)');
export const tokenCreated = z
  .strictObject({
    id: z.number().int(),
    name: z.string(),
    role,
    token: z.string().describe('fbx_…; shown in this answer only'),
  })
  .describe('The new token, shown this once');

const supply = z.union([
  z.string(),
  z.strictObject({ lineToNeutralV: z.number(), lineToLineV: z.number(), phases: z.number().int() }),
]);

export const site = z
  .strictObject({
    name: z.string(),
    timeZone: z.string(),
    supply,
    circuits: z.array(
      z.strictObject({
        id: z.string(),
        name: z.string(),
        kind: z.string().describe('grid, transformer, panel or circuit'),
        parentId: z.string().nullable(),
        phases: z.array(z.enum(['L1', 'L2', 'L3'])),
        limitA: z.number(),
        limitKw: nullableNumber,
        hasSchedule: z.boolean(),
        meterId: z.string().nullable(),
      }),
    ),
    stations: z.array(z.strictObject({ id: z.string(), name: z.string(), ocppVersion: z.string() })),
    ports: z.array(
      z.strictObject({
        id: z.string(),
        stationId: z.string(),
        circuitId: z.string(),
        name: z.string(),
        phases: z.string().describe('wiring: L1, L1-L2, L1L2L3, L2L3L1, …'),
        minA: z.number(),
        maxA: z.number(),
        kind: z.enum(['ac', 'dc']),
      }),
    ),
  })
  .describe('The site as its file describes it');

export const circuitLive = z.strictObject({
  id: z.string(),
  parentId: z.string().nullable(),
  name: z.string(),
  loadA: phaseValues,
  evLoadA: phaseValues,
  limitA: phaseValues,
  effectiveLimitA: phaseValues,
  capacityA: phaseValues,
  headroomA: phaseValues,
  loadKw: nullableNumber,
  limitKw: nullableNumber,
  limitSource: z.string().nullable(),
  overrideId: z.number().int().nullable(),
});

/** Site power now, kW: the same meaning and signs as the site series of /api/v1/history. */
export const flows = z.strictObject({
  atMs: ms,
  gridKw: nullableNumber.describe('import positive'),
  pvKw: nullableNumber.describe('production positive'),
  batteryKw: nullableNumber.describe('charging positive'),
  evKw: nullableNumber,
  otherKw: nullableNumber.describe('grid + pv − ev − battery'),
});

export const circuits = z
  .strictObject({ atMs: ms, circuits: z.array(circuitLive), flows })
  .describe('Circuits now, and the site power flows');

const dimension = z.enum(['L1', 'L2', 'L3', 'kW']);
/** core/allocation.ts UncontrolledReason. */
const uncontrolledReason = z.enum(['rejected', 'not-implemented', 'timeout', 'no-smart-charging']);
/** core/allocation.ts LimitedBy. */
export const limitedBy = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('idle') }),
    z.strictObject({ kind: z.literal('port-max') }),
    z.strictObject({ kind: z.literal('demand-max') }),
    z
      .strictObject({ kind: z.literal('cloud-profile') })
      .describe("the cloud's charging profile (OCPP proxy)"),
    z
      .strictObject({ kind: z.literal('plan'), targetA: z.number() })
      .describe("the planner's target for the running slot holds the port below what it would get"),
    z.strictObject({ kind: z.literal('below-minimum') }),
    z.strictObject({ kind: z.literal('car'), measuredA: z.number() }),
    z.strictObject({
      kind: z.literal('uncontrolled'),
      reason: uncontrolledReason,
      countedA: z.number().describe('what the port counts at: its maximum, or its measured draw if more'),
    }),
    z.strictObject({
      kind: z.literal('circuit'),
      circuitId: z.string(),
      dimension,
      source: z.string().optional(),
    }),
    z.strictObject({
      kind: z.literal('paused'),
      circuitId: z.string(),
      dimension,
      rotation: z.boolean(),
      source: z.string().optional(),
      waitingBehind: z.string().optional(),
    }),
  ])
  .describe('what limits the port (the binding constraint)');

// OpenAPI 3.0: a nullable enum must list null among its values, or validators refuse a null.
const nullableEnum = <const T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z
    .enum(values)
    .nullable()
    .meta({ description, enum: [...values, null] });

export const portLive = z
  .strictObject({
    id: z.string(),
    stationId: z.string(),
    circuitId: z.string(),
    state: z.enum(['available', 'charging', 'suspended', 'offline', 'faulted', 'preparing', 'finishing']),
    connected: z.boolean(),
    measuredA: phaseValues,
    limitA: z.number().describe('allocated current, A per phase'),
    limitedBy,
    reason: z.string(),
    uncontrolled: z
      .strictObject({
        reason: uncontrolledReason,
        reasonText: z.string().describe('the reason in words'),
        detail: z.string().describe("the station's answer, e.g. 'CALLERROR NotImplemented: …'"),
        since: at,
        failures: z.number().int().describe('profiles refused in a row'),
        retryAt: at.nullable().describe('when a profile is tried next; null while one is in flight'),
        countedA: z
          .number()
          .describe('what the port counts at per phase: its maximum, or its measured draw if more; 0 idle'),
        restricted: z
          .strictObject({
            action: z.enum(['unavailable', 'stop']),
            answer: z.string().describe("the station's answer ('pending' until it came)"),
          })
          .nullable()
          .describe('what was done about it (site file ocpp.uncontrolledPortAction)'),
      })
      .nullable()
      .describe('its station does not take limits (docs/control.md); null when it does'),
    session: z
      .strictObject({
        id: z.number().int(),
        startedAt: at,
        energyKwh: z.number(),
        durationS: z.number(),
        idTag: z.string().nullable(),
        departureAt: at
          .nullable()
          .describe('when the car is expected to leave: as it said, else (deadline mode) the assumed stay'),
        departureSource: nullableEnum(
          ['driver', 'car', 'port', 'station', 'site'],
          "who set departureAt: a driver (PUT /ports/{portId}/needs), the car, the port's or station's stayH, the site's defaultStayH",
        ),
        energyRequestedKwh: nullableNumber.describe(
          'energy a driver gave (PUT /ports/{portId}/needs), else the car asked for, else (deadline mode) the assumed energyKwh / defaultEnergyKwh',
        ),
        energySource: nullableEnum(
          ['driver', 'car', 'site'],
          "who set energyRequestedKwh: a driver, the car, the site file's energyKwh / defaultEnergyKwh",
        ),
        energyRemainingKwh: nullableNumber.describe(
          'deadline mode: the energy still needed, as the last allocation counted it; null in fair mode',
        ),
        socPct: nullableNumber.describe("the car's state of charge as the station last reported it, %"),
      })
      .nullable(),
  })
  .describe('One port');
export const ports = z.strictObject({ atMs: ms, ports: z.array(portLive) }).describe('Every port now');

export const stations = z
  .strictObject({
    stations: z.array(
      z.strictObject({
        id: z.string(),
        connected: z.boolean(),
        ocppVersion: z.string(),
        vendor: z.string().nullable(),
        model: z.string().nullable(),
        firmwareVersion: z.string().nullable(),
        lastSeenAt: at.nullable(),
        portIds: z.array(z.string()),
      }),
    ),
  })
  .describe('Stations');

export const allocation = z
  .strictObject({
    atMs: ms,
    ports: z.array(
      z.strictObject({ portId: z.string(), currentA: z.number(), limitedBy, reason: z.string() }),
    ),
  })
  .describe('The latest allocation');

export const sessionItem = z.strictObject({
  id: z.number().int(),
  stationId: z.string(),
  portId: z.string().nullable().describe('null when the station did not say which port'),
  idTag: z.string().nullable(),
  startedAt: at,
  stoppedAt: at.nullable(),
  energyKwh: z.number(),
  durationS: z.number(),
  stopReason: z.string().nullable(),
});
export const sessions = z
  .strictObject({ total: z.number().int(), items: z.array(sessionItem) })
  .describe('A page of sessions, newest first');

export const eventItem = z.strictObject({
  id: z.number().int(),
  at,
  level: z.string().describe('info, warn or error'),
  kind: z.string(),
  stationId: z.string().nullable(),
  portId: z.string().nullable(),
  message: z.string(),
  data: z.unknown().describe('details, by kind (audit: { user, change })'),
});
export const events = z
  .strictObject({ total: z.number().int(), items: z.array(eventItem) })
  .describe('A page of events, newest first');

export const upstream = z
  .strictObject({
    relaying: z
      .boolean()
      .describe('false: no `upstream:` in the site file, Fusebox is the only central system'),
    stations: z.array(
      z.strictObject({
        stationId: z.string(),
        state: z
          .enum(['connected', 'connecting', 'outage', 'idle', 'disabled'])
          .describe('idle: no cloud link because the station is away; disabled: not relayed'),
        outageSince: at.nullable().describe('when the cloud became unreachable, during an outage'),
        queueDepth: z
          .number()
          .int()
          .describe('messages answered by Fusebox and not yet replayed to the cloud'),
        oldestQueuedAgeS: z.number().nullable().describe('age of the oldest of them, s'),
        lastRelayAt: at.nullable().describe('last message relayed either way'),
        failed: z
          .number()
          .int()
          .describe('queued messages the cloud refused with a CALLERROR (kept, not resent)'),
      }),
    ),
  })
  .describe('The relay to the cloud central system, per station');

const series = z.array(nullableNumber);
export const history = z
  .strictObject({
    resolutionS: z.number().int(),
    t: z.array(ms).describe('bucket starts'),
    series: z.union([
      z
        .strictObject({ grid: series, pv: series, battery: series, ev: series, other: series })
        .describe('site, kW'),
      z
        .strictObject({ load: series, ev: series, limit: series })
        .describe('one circuit, A on the highest phase'),
    ]),
  })
  .describe('Power history');

export const overrideItem = z
  .strictObject({
    id: z.number().int(),
    circuitId: z.string(),
    limitA: nullableNumber,
    limitKw: nullableNumber,
    until: at,
    reason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: at,
    updatedBy: z.string(),
    updatedAt: at,
    version: z.number().int(),
  })
  .describe('An override');
export const overrideList = z.strictObject({ items: z.array(overrideItem) }).describe('Overrides');

export const localIdTag = z
  .strictObject({
    idTag: z.string(),
    status: z.enum(['Accepted', 'Blocked', 'Expired', 'Invalid']),
    expiresAt: at.nullable().describe('after it, Authorize answers Expired; null: never'),
    parentIdTag: z.string().nullable().describe('the group (parent id tag) it belongs to'),
    updatedAt: at,
  })
  .describe('An id tag of the local authorization list');
export const localList = z
  .strictObject({
    version: z.number().int().describe('raised by every change; sent to stations as listVersion'),
    items: z.array(localIdTag),
  })
  .describe('The local authorization list');

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const weeklyEntry = z.strictObject({
  days: z.array(weekday),
  from: z.string().describe('HH:MM local'),
  to: z.string().describe('HH:MM local, or 24:00'),
  limitA: z.number().optional(),
  limitKw: z.number().optional(),
  label: z.string().optional(),
});
const datedException = z.strictObject({
  date: z.string().optional().describe('YYYY-MM-DD local'),
  from: z.string().optional().describe('YYYY-MM-DDTHH:MM local'),
  to: z.string().optional().describe('YYYY-MM-DDTHH:MM local'),
  limitA: z.number().optional(),
  limitKw: z.number().optional(),
  label: z.string().optional(),
});
export const scheduleItem = z
  .strictObject({
    id: z.number().int(),
    circuitId: z.string(),
    name: z.string(),
    weekly: z.array(weeklyEntry),
    exceptions: z.array(datedException),
    enabled: z.boolean(),
    version: z.number().int(),
    updatedBy: z.string(),
    updatedAt: at,
  })
  .describe('A dashboard schedule');
export const scheduleList = z
  .strictObject({
    items: z.array(scheduleItem),
    fromSiteFile: z.array(
      z.strictObject({
        circuitId: z.string(),
        weekly: z.array(weeklyEntry),
        exceptions: z.array(datedException),
      }),
    ),
  })
  .describe("Dashboard schedules and the site file's");
export const scheduleItems = z.strictObject({ items: z.array(scheduleItem) });

export const commandAnswer = z
  .strictObject({
    status: z.string().describe("the station's answer: Accepted, Rejected, Scheduled, …"),
  })
  .describe("The station's answer");

export const health = z
  .strictObject({
    status: z.enum(['ok', 'starting', 'stalled']),
    detail: z.string().optional(),
    lastRunAt: at.optional(),
  })
  .describe('Liveness');
export const readiness = z
  .strictObject({ ready: z.boolean(), missing: z.array(z.string()) })
  .describe('Readiness');

/** A non-JSON answer, documented by its content type. */
export function textAnswer(contentType: string, description: string) {
  return { description, content: { [contentType]: { schema: z.string() } } };
}
