/** The site configuration file (YAML), as one strict zod schema; the types are derived from it. */
import { modbusDriverSchema } from '../modbus/device-schema.ts';
import { emsServerConfigSchema } from '../modbus/ems-config-schema.ts';
import { mqttConfigSchema } from '../mqtt/mqtt-config.ts';
import { httpSectionSchema, ocppSectionSchema, storeSectionSchema } from './server-sections.ts';
import { upstreamSectionSchema } from './upstream-section.ts';
import { z } from 'zod';
import {
  isValidTimeZone,
  parseLocalDate,
  parseLocalDateTime,
  parseTimeOfDayMin,
} from '../core/local-time.ts';
import { WIRINGS } from '../core/phases.ts';
import { WEEKDAYS } from '../core/schedule.ts';
import { SUPPLY_NAMES } from './supply-systems.ts';
import { secretField } from './secret-field.ts';
import { alertsSectionSchema } from './alerts-section.ts';
import { tariffSectionSchema } from './tariff-section.ts';
import { batteryBlockSchema } from './battery-section.ts';

// Ids end up in URLs, logs and Modbus register docs: keep them plain.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// OCPP 1.6 security whitepaper / OCPP 2.0.1 part 2 §A00: identity is at most 48 of these characters.
const STATION_ID_PATTERN = /^[A-Za-z0-9*_=:+|@.-]{1,48}$/;
const PORT_ID_PATTERN = /^[A-Za-z0-9*_=:+|@./-]{1,64}$/;

const quoteHint = 'ids are strings (quote an id that looks like a number)';
const idSchema = z
  .string({ error: quoteHint })
  .regex(
    ID_PATTERN,
    'ids start with a letter or digit and use only letters, digits, ".", "_" and "-" (64 at most)',
  );
const stationIdSchema = z
  .string({ error: quoteHint })
  .regex(STATION_ID_PATTERN, 'a station id is the OCPP identity: 1-48 of A-Z a-z 0-9 * - _ = : + | @ .');
const portIdSchema = z
  .string({ error: quoteHint })
  .regex(PORT_ID_PATTERN, 'a port id uses 1-64 of A-Z a-z 0-9 * - _ = : + | @ . /');
const nameSchema = z.string({ error: 'expected a text' }).min(1, 'must not be empty');

const positiveA = z.number({ error: 'expected a current in A' }).positive('must be greater than 0 A');
const nonNegativeA = z.number({ error: 'expected a current in A' }).nonnegative('must not be negative');
const positiveKw = z.number({ error: 'expected a power in kW' }).positive('must be greater than 0 kW');
const nonNegativeKw = z.number({ error: 'expected a power in kW' }).nonnegative('must not be negative');
/**
 * A limit that a schedule or an override sets: 0 (no charging) or at least 0.1 A / 0.1 kW. A value in
 * between (1e-300) is nothing a meter or a station resolves, only a typo or a probe.
 */
export const MIN_LIMIT_A = 0.1;
export const MIN_LIMIT_KW = 0.1;
export const setLimitA = nonNegativeA.refine((a) => a === 0 || a >= MIN_LIMIT_A, {
  error: `must be 0 or at least ${MIN_LIMIT_A} A`,
});
export const setLimitKw = nonNegativeKw.refine((kw) => kw === 0 || kw >= MIN_LIMIT_KW, {
  error: `must be 0 or at least ${MIN_LIMIT_KW} kW`,
});

const timeZoneSchema = z
  .string({ error: 'expected an IANA time zone name such as Europe/Paris' })
  .refine(isValidTimeZone, {
    error: (iss) => `'${String(iss.input)}' is not an IANA time zone (e.g. Europe/Paris, America/New_York)`,
  });

const supplySchema = z.union(
  [
    z.enum(SUPPLY_NAMES),
    z.strictObject({
      lineToNeutralV: z.number().positive('must be greater than 0 V'),
      lineToLineV: z.number().positive('must be greater than 0 V'),
      phases: z.union([z.literal(1), z.literal(2), z.literal(3)], {
        error: 'expected 1, 2 (split phase) or 3',
      }),
    }),
  ],
  {
    error: `expected a supply system (${SUPPLY_NAMES.join(', ')}) or { lineToNeutralV, lineToLineV, phases }`,
  },
);

const chargingModeSchema = z.enum(['fast', 'solar-only', 'min-plus-solar'], {
  error: (iss) => `'${String(iss.input)}' is not a charging mode: fast, solar-only or min-plus-solar`,
});

// Times and dates are parsed by the same functions the schedule evaluator uses, so both accept the same text.
const timeOfDay = z
  .string({ error: 'expected a local time "HH:MM" (quote it)' })
  .refine((t) => parseTimeOfDayMin(t, false) !== null, {
    error: (iss) => `'${String(iss.input)}' is not a local time "HH:MM" from 00:00 to 23:59`,
  });
const timeOfDayOrEnd = z
  .string({ error: 'expected a local time "HH:MM" (quote it)' })
  .refine((t) => parseTimeOfDayMin(t, true) !== null, {
    error: (iss) => `'${String(iss.input)}' is not a local time "HH:MM" from 00:00 to 24:00`,
  });
const dateSchema = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .refine((t) => parseLocalDate(t) !== null, {
    error: (iss) => `'${String(iss.input)}' is not a date YYYY-MM-DD`,
  });
const localDateTime = z
  .string({ error: 'expected a local date-time YYYY-MM-DDTHH:MM' })
  .refine((t) => parseLocalDateTime(t) !== null, {
    error: (iss) => `'${String(iss.input)}' is not a local date-time YYYY-MM-DDTHH:MM`,
  });

const weeklyEntrySchema = z
  .strictObject({
    days: z
      .array(
        z.enum(WEEKDAYS, {
          error: (iss) => `'${String(iss.input)}' is not a day: use ${WEEKDAYS.join(', ')}`,
        }),
        { error: 'expected a list of days such as [mon, tue, wed, thu, fri]' },
      )
      .min(1, 'give at least one day'),
    from: timeOfDay,
    to: timeOfDayOrEnd,
    limitA: setLimitA.optional(),
    limitKw: setLimitKw.optional(),
    label: nameSchema.optional(),
  })
  .refine((e) => e.limitA !== undefined || e.limitKw !== undefined, {
    error: 'a schedule entry needs limitA or limitKw (or both)',
  })
  .refine((e) => e.from !== e.to, {
    error: 'from and to are equal: use from "00:00" to "24:00" for a whole day',
    path: ['to'],
  });

const datedExceptionSchema = z
  .strictObject({
    date: dateSchema.optional(),
    from: localDateTime.optional(),
    to: localDateTime.optional(),
    limitA: setLimitA.optional(),
    limitKw: setLimitKw.optional(),
    label: nameSchema.optional(),
  })
  .refine((e) => (e.date !== undefined) !== (e.from !== undefined || e.to !== undefined), {
    error: 'an exception has either a date, or from and to',
  })
  .refine((e) => e.date !== undefined || (e.from !== undefined && e.to !== undefined), {
    error: 'an exception with from needs to, and the other way round',
  })
  .refine(
    (e) =>
      e.from === undefined || e.to === undefined || parseLocalDateTime(e.from)! < parseLocalDateTime(e.to)!,
    {
      error: 'to must be after from',
      path: ['to'],
    },
  );

/** A circuit's schedule (also what the API accepts for schedules made in the dashboard). */
export const scheduleSchema = z.strictObject({
  weekly: z.array(weeklyEntrySchema).default([]),
  exceptions: z.array(datedExceptionSchema).default([]),
});

// A stay of more than a week is a typo (minutes for hours), not a car park.
const stayHours = z
  .number({ error: 'expected a number of hours such as 8 or 0.5' })
  .positive('must be more than 0 h')
  .max(168, 'must be at most 168 h (a week): give hours, not minutes');
const sessionEnergyKwh = z
  .number({ error: 'expected an energy in kWh such as 20' })
  .positive('must be more than 0 kWh')
  .max(1000, 'must be at most 1000 kWh: give kWh, not Wh');

/** `site.allocation.planner`: plans the sessions with a departure at the least cost (docs/control.md). */
const plannerSchema = z.strictObject({
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  /** How far ahead it plans, h (default 24). */
  horizonH: z
    .number({ error: 'expected a number of hours such as 24' })
    .min(1, 'must be at least 1 h')
    .max(168, 'must be at most 168 h (a week): give hours, not minutes')
    .optional(),
  /** Length of a slot, min (default 15): a divisor of 60. */
  slotMin: z
    .number({ error: 'expected a number of minutes such as 15' })
    .int('must be a whole number of minutes')
    .refine((m) => m >= 1 && m <= 60 && 60 % m === 0, {
      error: 'must divide an hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 min',
    })
    .optional(),
});

/** The `site` section. */
export const siteSectionSchema = z.strictObject({
  name: nameSchema.default('Fusebox site'),
  timeZone: timeZoneSchema,
  /** Default supply system of every root circuit (children inherit from their parent). */
  supply: supplySchema.default('230/400V'),
  /** How the allocator shares current (docs/allocation.md); absent: fair, linear. */
  allocation: z
    .strictObject({
      mode: z
        .enum(['fair', 'deadline'], {
          error: (iss) => `'${String(iss.input)}' is not an allocation mode: fair or deadline`,
        })
        .optional(),
      lineModel: z
        .enum(['linear', 'phasor'], {
          error: (iss) => `'${String(iss.input)}' is not a line model: linear or phasor`,
        })
        .optional(),
      /** Deadline mode, cars that do not say: departure = session start + this; absent: unknown. */
      defaultStayH: stayHours.optional(),
      /** Deadline mode, cars that do not say: the energy they need per session; absent: unknown. */
      defaultEnergyKwh: sessionEnergyKwh.optional(),
      /** The planner in the live loop (docs/control.md, "The planner"); absent: off. */
      planner: plannerSchema.optional(),
    })
    .optional(),
});

/** One node of the electrical tree. */
export const circuitSchema = z
  .strictObject({
    id: idSchema,
    name: nameSchema.optional(),
    kind: z
      .enum(['grid', 'transformer', 'panel', 'circuit'], {
        error: (iss) => `'${String(iss.input)}' is not a kind: grid, transformer, panel or circuit`,
      })
      .optional(),
    parent: idSchema.optional(),
    limitA: positiveA,
    limitKw: positiveKw.optional(),
    supply: supplySchema.optional(),
    marginA: nonNegativeA.optional(),
    marginPct: z
      .number({ error: 'expected a percentage' })
      .nonnegative('must not be negative')
      .lt(100, 'must be below 100')
      .optional(),
    schedule: scheduleSchema.optional(),
    meter: idSchema.optional(),
    staleNonEvLoadA: nonNegativeA.optional(),
    pv: z.array(idSchema, { error: 'expected a list of meter ids' }).default([]),
    chargingMode: chargingModeSchema.optional(),
    /** Root circuits: the limit while the site runs islanded (grid state, docs/control.md "Islanded"). */
    islanded: z
      .strictObject({ limitA: positiveA.optional(), limitKw: positiveKw.optional() })
      .refine((i) => i.limitA !== undefined || i.limitKw !== undefined, {
        error: "islanded needs limitA or limitKw (or both): the inverter's or generator's capacity",
      })
      .optional(),
  })
  .refine((c) => c.marginA === undefined || c.marginPct === undefined, {
    error: 'give marginA or marginPct, not both',
    path: ['marginPct'],
  });

/** A measurement source. */
export const meterSchema = z.strictObject({
  id: idSchema,
  name: nameSchema.optional(),
  role: z.enum(['load', 'pv', 'battery'], {
    error: (iss) => `'${String(iss.input)}' is not a meter role: load, pv or battery`,
  }),
  circuit: idSchema.optional(),
  timeoutMs: z
    .number()
    .int('must be a whole number of ms')
    .positive('must be greater than 0 ms')
    .default(5000),
  // A union of one, so that an unknown `type` is reported as such (zod-issues.ts names the retired ones).
  driver: z.discriminatedUnion('type', [modbusDriverSchema]),
  /** Role battery: the battery's spec and how it is commanded (battery-section.ts). */
  battery: batteryBlockSchema.optional(),
});

// Keys a port can set, and its station can set for all of its ports.
const portSettings = {
  circuit: idSchema.optional(),
  phases: z
    .enum(WIRINGS, {
      error: (iss) => `'${String(iss.input)}' is not a wiring: use one of ${WIRINGS.join(', ')}`,
    })
    .optional(),
  type: z.enum(['AC', 'DC'], { error: 'expected AC or DC' }).optional(),
  minA: nonNegativeA.optional(),
  maxA: positiveA.optional(),
  minKw: nonNegativeKw.optional(),
  maxKw: positiveKw.optional(),
  efficiency: z
    .number({ error: 'expected a fraction such as 0.95' })
    .gt(0, 'must be above 0')
    .lte(1, 'must be at most 1')
    .optional(),
  stepA: positiveA.optional(),
  priority: z.number({ error: 'expected a whole number' }).int('expected a whole number').optional(),
  chargingMode: chargingModeSchema.optional(),
  /** Deadline mode, cars that do not say: how long they stay and the energy they need (site defaults else). */
  stayH: stayHours.optional(),
  energyKwh: sessionEnergyKwh.optional(),
};

/** One port (EVSE) of a station. */
export const portSchema = z.strictObject({
  id: portIdSchema.optional(),
  name: nameSchema.optional(),
  /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId; defaults to the position in the list, from 1. */
  connectorId: z.number().int('expected a whole number').min(1, 'must be 1 or more').optional(),
  ...portSettings,
});

const ocppVersionSchema = z.preprocess(
  // YAML reads an unquoted 1.6 or 2.1 as a number.
  (v) => (typeof v === 'number' ? String(v) : v),
  z.enum(['1.6', '2.0.1', '2.1'], {
    error: (iss) => `'${String(iss.input)}' is not an OCPP version: 1.6, 2.0.1 or 2.1`,
  }),
);

const MAX_PORTS_SHORTHAND = 64;

const portsSchema = z.preprocess(
  // `ports: 2` is shorthand for two ports that take every setting from their station.
  // Capped so that a typo (`ports: 1e9`) is an error, not an out-of-memory crash.
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_PORTS_SHORTHAND
      ? Array.from({ length: v }, () => ({}))
      : v,
  z
    .array(portSchema, {
      error: `expected a number of ports (1 to ${MAX_PORTS_SHORTHAND}) or a list of ports`,
    })
    .min(1, 'give at least one port'),
);

/** One OCPP charging station. */
export const stationSchema = z.strictObject({
  id: stationIdSchema,
  name: nameSchema.optional(),
  ocppVersion: ocppVersionSchema.default('1.6'),
  /** OCPP security profile: 0 none, 1 password, 2 TLS + password, 3 mutual TLS (docs/ocpp.md). */
  securityProfile: z
    .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], { error: 'expected 0, 1, 2 or 3' })
    .optional(),
  /** Hash of the station's password from `npx fusebox hash-password` (never the password itself); or -File/-Env. */
  ...secretField(
    'passwordHash',
    z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, {
      error: 'expected a hash from `npx fusebox hash-password` (scrypt$...)',
    }),
  ),
  ports: portsSchema.default(() => [{}]),
  ...portSettings,
});

/** The whole file. */
export const siteConfigSchema = z.strictObject({
  site: siteSectionSchema,
  ocpp: ocppSectionSchema.prefault({}),
  http: httpSectionSchema.prefault({}),
  store: storeSectionSchema.prefault({}),
  ems: emsServerConfigSchema.optional(),
  /** The operator's cloud central system Fusebox relays stations to (docs/proxy.md). */
  upstream: upstreamSectionSchema.optional(),
  alerts: alertsSectionSchema.optional(),
  tariff: tariffSectionSchema.optional(),
  mqtt: mqttConfigSchema.optional(),
  circuits: z
    .array(circuitSchema, { error: 'expected a list of circuits' })
    .min(1, 'a site needs at least one circuit'),
  meters: z.array(meterSchema, { error: 'expected a list of meters' }).default([]),
  stations: z.array(stationSchema, { error: 'expected a list of stations' }).default([]),
});

/**
 * The top level alone, its sections unchecked: the loader validates each section and list element on its own
 * so that one bad circuit does not hide the cross-checks of all the others.
 */
export const siteConfigSkeletonSchema = z.strictObject({
  site: z.unknown(),
  ocpp: z.unknown().optional(),
  http: z.unknown().optional(),
  store: z.unknown().optional(),
  ems: z.unknown().optional(),
  upstream: z.unknown().optional(),
  alerts: z.unknown().optional(),
  tariff: z.unknown().optional(),
  mqtt: z.unknown().optional(),
  circuits: z
    .array(z.unknown(), { error: 'expected a list of circuits' })
    .min(1, 'a site needs at least one circuit'),
  meters: z.array(z.unknown(), { error: 'expected a list of meters' }).default([]),
  stations: z.array(z.unknown(), { error: 'expected a list of stations' }).default([]),
});

export type SiteConfig = z.infer<typeof siteConfigSchema>;
export type SiteSectionConfig = z.infer<typeof siteSectionSchema>;
export type CircuitConfig = z.infer<typeof circuitSchema>;
export type MeterConfig = z.infer<typeof meterSchema>;
export type StationConfig = z.infer<typeof stationSchema>;
export type PortConfig = z.infer<typeof portSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type MeterDriverConfig = MeterConfig['driver'];
