/**
 * fast-check arbitraries from the OCPP JSON schemas that ocpp-rpc bundles (draft-06 style: the subset those
 * schemas use: type, properties, required, additionalProperties, enum, maxLength, format date-time/uri,
 * minimum, maximum, multipleOf, items, minItems, maxItems, $ref to #/definitions).
 *
 * `validPayload` draws payloads that pass the schema but push every value to its edges (bounds, huge and
 * tiny numbers, far timestamps, long and non-ASCII strings); `invalidPayload` applies one mutation that
 * breaks the schema and says which.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';

export interface JsonSchema {
  readonly $id?: string;
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly enum?: readonly string[];
  readonly maxLength?: number;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly multipleOf?: number;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
}

const require = createRequire(import.meta.url);

/** The request schemas (`urn:<Action>.req`) of one OCPP version, by action. */
export function requestSchemas(version: '1.6' | '2.0.1'): ReadonlyMap<string, JsonSchema> {
  const file = version === '1.6' ? 'ocpp1_6.json' : 'ocpp2_0_1.json';
  const all = require(`ocpp-rpc/lib/schemas/${file}`) as JsonSchema[];
  const out = new Map<string, JsonSchema>();
  for (const s of all) {
    const m = /^urn:(.+)\.req$/.exec(s.$id ?? '');
    if (m) out.set(m[1]!, s);
  }
  return out;
}

const MAX_DEPTH = 6;

function resolve(root: JsonSchema, s: JsonSchema): JsonSchema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/definitions/', '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`unresolved $ref ${s.$ref} in ${root.$id}`);
  return resolve(root, target);
}

/** Strings with edge content: empty, long, astral/combining/RTL unicode, NUL, JSON-special characters. */
function edgeString(maxLength: number | undefined): fc.Arbitrary<string> {
  const max = maxLength ?? 2000;
  const samples = ['', 'x', ' ', '\u0000', '"\\', '💥🔌', 'e\u0301', '\u202Eevil', '<script>', '-1', 'NaN'];
  return fc
    .oneof(
      fc.constantFrom(...samples),
      fc.string({ unit: 'grapheme', maxLength: Math.min(max, 40) }),
      fc.string({ maxLength: Math.min(max, 40) }),
      fc.constant('Z'.repeat(max)),
    )
    .map((s) => {
      // maxLength counts code points in ajv (ucs2length): cut by code point.
      const cps = [...s];
      return cps.length > max ? cps.slice(0, max).join('') : s;
    });
}

function edgeDateTime(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '1970-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00+14:00',
      '2026-03-29T02:30:00-12:00',
      '1969-12-31T23:59:59.999999Z',
    ),
    fc
      .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
      .filter((d) => d.getUTCFullYear() >= 0 && d.getUTCFullYear() <= 9999)
      .map((d) => d.toISOString()),
  );
}

function edgeNumber(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.minimum ?? (integer ? Number.MIN_SAFE_INTEGER : -1.7976931348623157e308);
  const hi = s.maximum ?? (integer ? Number.MAX_SAFE_INTEGER : 1.7976931348623157e308);
  const edges = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 1e15, -1e15, lo, hi].filter(
    (v) => v >= lo && v <= hi,
  );
  if (integer)
    return fc.oneof(
      fc.constantFrom(...edges),
      fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }),
    );
  const step = s.multipleOf;
  if (step) {
    // Multiples of the step within the bounds (ocpp-rpc checks multipleOf with a 1e-6 tolerance).
    const kLo = Math.ceil(Math.max(lo, -1e12) / step);
    const kHi = Math.floor(Math.min(hi, 1e12) / step);
    return fc.integer({ min: kLo, max: kHi }).map((k) => Number((k * step).toFixed(6)));
  }
  return fc
    .oneof(
      fc.constantFrom(...edges, 5e-324, -0, 1e308, -1e308, 0.1, 2 ** 53 + 2),
      fc.double({
        min: Math.max(lo, -1e308),
        max: Math.min(hi, 1e308),
        noNaN: true,
        noDefaultInfinity: true,
      }),
    )
    .filter((v) => v >= lo && v <= hi);
}

/** Payloads valid by `schema` (rooted at `root` for $ref), values at their edges. */
export function validPayload(root: JsonSchema, schema: JsonSchema = root, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(root, schema);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'object': {
      const props = s.properties ?? {};
      const required = s.required ?? [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) {
        if (depth >= MAX_DEPTH && !required.includes(k)) continue;
        model[k] = validPayload(root, v, depth + 1);
      }
      return fc.record(model, { requiredKeys: required.filter((k) => k in model) });
    }
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? 4, depth >= MAX_DEPTH ? minLength : 4, Math.max(minLength, 4));
      return fc.array(validPayload(root, s.items ?? {}, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, maxLength),
      });
    }
    case 'string':
      if (s.format === 'date-time') return edgeDateTime();
      if (s.format === 'uri') return fc.constantFrom('http://127.0.0.1/x', 'ftp://a/b', 'urn:x');
      return edgeString(s.maxLength);
    case 'integer':
      return edgeNumber(s, true);
    case 'number':
      return edgeNumber(s, false);
    case 'boolean':
      return fc.boolean();
    default:
      return fc.constant({});
  }
}

export type Mutation = 'missing-required' | 'extra-property' | 'wrong-type' | 'too-long' | 'bad-enum';

/** The CALLERROR codes OCPP-J prescribes for each mutation (both spellings ocpp-rpc may use). */
export const EXPECTED_ERRORS: Readonly<Record<Mutation, readonly string[]>> = {
  'missing-required': ['OccurenceConstraintViolation', 'OccurrenceConstraintViolation'],
  'extra-property': ['PropertyConstraintViolation'],
  'wrong-type': ['TypeConstraintViolation'],
  'too-long': ['FormatViolation', 'FormationViolation'],
  'bad-enum': ['FormatViolation', 'FormationViolation', 'PropertyConstraintViolation'],
};

interface Site {
  readonly path: readonly string[];
  readonly schema: JsonSchema;
  readonly parent: JsonSchema;
}

/** Top-level properties of an object schema with what mutations they admit. */
function mutationSites(root: JsonSchema): { mutation: Mutation; site: Site }[] {
  const s = resolve(root, root);
  const out: { mutation: Mutation; site: Site }[] = [];
  if (s.additionalProperties === false)
    out.push({ mutation: 'extra-property', site: { path: ['zz_unknown'], schema: {}, parent: s } });
  for (const [k, raw] of Object.entries(s.properties ?? {})) {
    const p = resolve(root, raw);
    const site = { path: [k], schema: p, parent: s };
    if (s.required?.includes(k)) {
      out.push({ mutation: 'missing-required', site });
      // Errors are reported for the first failing keyword; a required field is always present here.
      out.push({ mutation: 'wrong-type', site });
      if (p.enum) out.push({ mutation: 'bad-enum', site });
      else if (p.type === 'string' && p.maxLength !== undefined && !p.format)
        out.push({ mutation: 'too-long', site });
    }
  }
  return out;
}

function wrongValue(p: JsonSchema): fc.Arbitrary<unknown> {
  const byType: Record<string, unknown[]> = {
    string: [1, true, null, [], {}],
    integer: ['1', 1.5, true, null, [], {}],
    number: ['1', true, null, [], {}],
    boolean: [0, 'true', null, []],
    object: [1, 'x', [], null],
    array: [1, 'x', {}, null],
  };
  return fc.constantFrom(...(byType[p.type ?? 'object'] ?? [null]));
}

/** One schema-breaking mutation of a valid payload, or undefined when the schema admits none. */
export function invalidPayload(
  root: JsonSchema,
): fc.Arbitrary<{ mutation: Mutation; payload: unknown }> | undefined {
  const sites = mutationSites(root);
  if (sites.length === 0) return undefined;
  return fc
    .tuple(fc.constantFrom(...sites), validPayload(root))
    .chain(([{ mutation, site }, base]): fc.Arbitrary<{ mutation: Mutation; payload: unknown }> => {
      const key = site.path[0]!;
      const obj = { ...(base as Record<string, unknown>) };
      switch (mutation) {
        case 'missing-required':
          delete obj[key];
          return fc.constant({ mutation, payload: obj });
        case 'extra-property':
          return fc.jsonValue().map((v) => ({ mutation, payload: { ...obj, [key]: v } }));
        case 'wrong-type':
          return wrongValue(site.schema).map((v) => ({ mutation, payload: { ...obj, [key]: v } }));
        case 'too-long':
          return fc.constant({
            mutation,
            payload: { ...obj, [key]: 'L'.repeat(site.schema.maxLength! + 1) },
          });
        case 'bad-enum':
          return fc
            .constantFrom('NotAValue', '', 'accepted')
            .filter((v) => !site.schema.enum!.includes(v))
            .map((v) => ({ mutation, payload: { ...obj, [key]: v } }));
      }
    });
}
