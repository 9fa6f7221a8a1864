/**
 * Fuzzing the HTTP API through fastify's inject(): every write route (overrides, schedules, commands,
 * login, tokens) with bodies mutated from valid ones, random JSON, broken and oversized bodies, and the
 * record routes with random query strings. Property: never a 5xx; every error is `{ error, message }` and a
 * 400 names the field at fault (`body.limitA: …`). Short in `npm test`; `npm run fuzz` runs many more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../error-catalogue.ts';
import type { ErrorCode } from '../error-catalogue.ts';
import { fuzzParams, fuzzTimeoutMs } from '../testing/fuzz-runs.ts';
import type { Json } from '../testing/tree-mutation.ts';
import { applyOp, edgeValue, treeOp } from '../testing/tree-mutation.ts';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

const soon = new Date(Date.now() + 3600_000).toISOString();

/** Write routes with a valid body each; `:id` is filled from `ids` (a real id or a random one). */
const ROUTES: readonly { method: 'POST' | 'PUT' | 'DELETE'; url: string; body?: Json }[] = [
  {
    method: 'POST',
    url: '/api/v1/overrides',
    body: { circuitId: 'left', limitA: 16, until: soon, reason: 'x' },
  },
  { method: 'PUT', url: '/api/v1/overrides/:id', body: { circuitId: 'left', limitKw: 5, until: soon } },
  { method: 'DELETE', url: '/api/v1/overrides/:id' },
  {
    method: 'POST',
    url: '/api/v1/schedules',
    body: {
      circuitId: 'right',
      name: 'evening',
      weekly: [{ days: ['mon', 'tue'], from: '17:00', to: '21:00', limitA: 10, label: 'peak' }],
      exceptions: [
        { date: '2026-12-24', limitA: 5 },
        { from: '2026-12-31T18:00', to: '2027-01-01T02:00', limitKw: 3 },
      ],
      enabled: true,
    },
  },
  {
    method: 'PUT',
    url: '/api/v1/schedules/:id',
    body: { circuitId: 'left', name: 'n', weekly: [], exceptions: [], enabled: false },
  },
  { method: 'DELETE', url: '/api/v1/schedules/:id' },
  {
    method: 'POST',
    url: '/api/v1/stations/:station/commands',
    body: { command: 'remoteStart', portId: 'st-1/1', idTag: 'T' },
  },
  {
    method: 'POST',
    url: '/api/v1/stations/:station/commands',
    body: { command: 'availability', available: false },
  },
  { method: 'POST', url: '/api/v1/stations/:station/commands', body: { command: 'reset', type: 'soft' } },
  { method: 'POST', url: '/api/v1/auth/login', body: { username: 'victor', password: 'wrong-password' } },
  { method: 'POST', url: '/api/v1/tokens', body: { name: 'fuzz', role: 'viewer' } },
  { method: 'DELETE', url: '/api/v1/tokens/:id' },
];

const idText = fc.oneof(
  fc.constantFrom('1', '2', '0', '-1', '1.5', '1e3', '9007199254740993', 'abc', '%00', '%F0%9F%92%A5', 'NaN'),
  fc.nat({ max: 50 }).map(String),
);
const stationText = fc.constantFrom('st-1', 'st-2', 'nope', '%20', 'x'.repeat(300), '%E2%80%AE');

type Body =
  | { kind: 'json'; value: Json }
  | { kind: 'text'; text: string; contentType: string | undefined }
  | { kind: 'none' };

const body: fc.Arbitrary<(template: Json | undefined) => Body> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(treeOp, { minLength: 1, maxLength: 3 })
      .map((ops) => (t: Json | undefined): Body => ({ kind: 'json', value: ops.reduce(applyOp, t ?? {}) })),
  },
  {
    weight: 1,
    arbitrary: fc.constant((t: Json | undefined): Body =>
      t === undefined ? { kind: 'none' } : { kind: 'json', value: t },
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(edgeValue, fc.jsonValue() as fc.Arbitrary<Json>)
      .map((v) => (): Body => ({ kind: 'json', value: v })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        text: fc.oneof(
          fc.string(),
          fc.constantFrom(
            '{',
            '{"a":',
            'null',
            '',
            '[]',
            '\u0000',
            '{"__proto__":{"x":1}}',
            '{"constructor":{"prototype":{}}}',
            'x'.repeat(2_000_000),
          ),
        ),
        contentType: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          undefined,
        ),
      })
      .map((r) => (): Body => ({ kind: 'text', ...r })),
  },
  { weight: 1, arbitrary: fc.constant((): Body => ({ kind: 'none' })) },
);

type Answer = { statusCode: number; body: string; headers: Record<string, unknown> };

function expectClientAnswer(a: Answer, what: string): void {
  const w = `${what} -> ${a.statusCode} ${a.body.slice(0, 500)}`;
  expect(a.statusCode, w).toBeGreaterThanOrEqual(200);
  expect(a.statusCode, w).toBeLessThan(500);
  if (a.statusCode < 400) return;
  const parsed = JSON.parse(a.body) as Record<string, unknown>;
  expect(Object.keys(parsed).sort(), w).toEqual(['code', 'error', 'message']);
  // The catalogue's code for the `error` it sent (docs/errors.md).
  expect(ERROR_CATALOGUE[parsed.code as ErrorCode], w).toMatchObject({ area: 'api', wire: parsed.error });
  expect(typeof parsed.error === 'string' && parsed.error.length > 0, w).toBe(true);
  expect(typeof parsed.message === 'string' && parsed.message.length > 0, w).toBe(true);
  // A 400 names the part at fault first: `body.limitA: …`, `querystring.from: …`, `circuitId: …`, `body: …`,
  // an odd key quoted: `body.weekly[0][" "]: unknown field`.
  if (a.statusCode === 400)
    expect(parsed.message, w).toMatch(/^[\w$-]+(?:\.[\w$-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*: /);
}

describe('API fuzzing', () => {
  it('starts from bodies the API accepts (else the fuzzer would only explore refusals)', async () => {
    for (const route of ROUTES.filter((r) => r.method === 'POST' && !r.url.includes(':'))) {
      if (route.url.includes('/auth/login')) continue; // a wrong password on purpose: 401
      const a = await f.fusebox.http.inject({
        method: 'POST',
        url: route.url,
        headers: { ...alice, 'content-type': 'application/json' },
        payload: JSON.stringify(route.body),
      });
      expect(a.statusCode, `${route.url} ${a.body}`).toBe(201);
    }
  });

  it(
    'answers random bodies to every write route with 2xx or a 4xx naming the field, never 5xx',
    async () => {
      const request = fc.tuple(fc.constantFrom(...ROUTES), body, idText, stationText, fc.boolean());
      await fc.assert(
        fc.asyncProperty(request, async ([route, makeBody, id, station, authed]) => {
          const url = route.url.replace(':id', id).replace(':station', station);
          const b = makeBody(route.body);
          const headers: Record<string, string> = authed || url.includes('/auth/login') ? { ...alice } : {};
          let payload: string | undefined;
          if (b.kind === 'json') {
            payload = JSON.stringify(b.value);
            headers['content-type'] = 'application/json';
          } else if (b.kind === 'text') {
            payload = b.text;
            if (b.contentType) headers['content-type'] = b.contentType;
          }
          const a = await f.fusebox.http.inject({ method: route.method, url, headers, payload });
          expectClientAnswer(a, `${route.method} ${url} ${(payload ?? '').slice(0, 500)}`);
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeoutMs(200, 200),
  );

  it(
    'answers random query strings to the record routes with 2xx or a 4xx naming the field, never 5xx',
    async () => {
      const key = fc.constantFrom(
        'from',
        'to',
        'stationId',
        'portId',
        'idTag',
        'active',
        'limit',
        'offset',
        'circuitId',
        'resolution',
        'kind',
        'level',
        'zz',
      );
      const value = fc.oneof(
        fc.constantFrom(
          '',
          '0',
          '-1',
          '1e309',
          'NaN',
          'true',
          'left',
          'st-1',
          '2026-01-01T00:00:00Z',
          '9999-12-31T23:59:59Z',
          '0001-01-01',
          '1000',
          '1001',
          '9007199254740993',
        ),
        fc.string(),
      );
      const query = fc.array(fc.tuple(key, value), { maxLength: 5 });
      const path = fc.constantFrom(
        '/api/v1/sessions',
        '/api/v1/sessions.csv',
        '/api/v1/events',
        '/api/v1/history',
      );
      await fc.assert(
        fc.asyncProperty(path, query, async (p, q) => {
          const qs = q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          const url = qs ? `${p}?${qs}` : p;
          const a = await f.fusebox.http.inject({ method: 'GET', url, headers: alice });
          expectClientAnswer(a, `GET ${url}`);
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeoutMs(200, 100),
  );
});
