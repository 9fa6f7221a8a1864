/**
 * The OpenAPI document describes what clients really receive: every route documents its answers, and the
 * real answers of every GET route (and the error bodies) validate against the served schemas with Ajv.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- assertions read the OpenAPI document and JSON bodies */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCHEMA_MISMATCH, lenientSerializerCompiler } from './response-serializer.ts';
import { startSessionsStation, useApiFixture } from './testing/api-fixture.ts';

// Ajv 8 and ajv-formats (devDependencies), Ajv taken from where ajv-formats resolves it so that both are the
// same Ajv 8 even in a node_modules whose top-level ajv is still eslint's Ajv 6; ajv-formats checks date-time.
const requireHere = createRequire(import.meta.url);
const requireFromFormats = createRequire(requireHere.resolve('ajv-formats'));
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
interface AjvLike {
  compile(schema: unknown): Validate;
}
const AjvClass = requireFromFormats('ajv') as { default: new (o: object) => AjvLike };
const addFormats = requireHere('ajv-formats') as { default: (ajv: AjvLike) => void };

const { f, alice } = useApiFixture();
let doc: any;
let ajv: AjvLike;

beforeAll(async () => {
  await startSessionsStation(f);
  const until = new Date(Date.now() + 3600_000).toISOString();
  const writes = [
    await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 20, until, reason: 'test' },
    }),
    await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: {
        circuitId: 'left',
        name: 'peak',
        weekly: [{ days: ['mon'], from: '17:00', to: '20:00', limitA: 16 }],
        exceptions: [{ date: '2026-12-25', limitA: 10 }],
      },
    }),
    await f.call('POST', '/api/v1/tokens', { headers: alice, body: { name: 'ha', role: 'viewer' } }),
  ];
  expect(writes.map((w) => w.status)).toEqual([201, 201, 201]);
  doc = (await f.call('GET', '/api/v1/openapi.json')).body;
  ajv = new AjvClass.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
}, 30_000);
afterAll(async () => f?.stop());

/** The documented JSON schema of one answer. */
function schemaOf(path: string, method: string, status: number): unknown {
  const r = doc.paths[path]?.[method]?.responses?.[String(status)];
  expect(r, `${method.toUpperCase()} ${path} documents ${status}`).toBeDefined();
  const schema = r.content?.['application/json']?.schema;
  expect(schema, `${method.toUpperCase()} ${path} ${status} has a JSON schema`).toBeDefined();
  return schema;
}

function expectValid(path: string, method: string, status: number, body: unknown): void {
  const validate = ajv.compile(schemaOf(path, method, status));
  const ok = validate(body);
  expect(ok ? null : validate.errors, `${method.toUpperCase()} ${path} ${status}`).toBeNull();
}

describe('the OpenAPI document', () => {
  it('gives every route a documented success answer, and the error answers it can give', () => {
    const routes = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(28);
    for (const { path, method, op } of routes) {
      const statuses = Object.keys(op.responses ?? {});
      const where = `${method.toUpperCase()} ${path}`;
      expect(
        statuses.some((s) => ['200', '201', '204'].includes(s)),
        `${where} documents its success`,
      ).toBe(true);
      expect(statuses, where).not.toContain('default');
      const open = ['/api/v1/auth/login', '/api/v1/auth/config', '/api/v1/auth/logout'].includes(path);
      if (path.startsWith('/api/v1/') && !open) expect(statuses, `${where} documents 401`).toContain('401');
      // A body, a query or a numeric path parameter can be malformed (a string path parameter cannot).
      const checked = op.parameters?.some((p: any) => p.in === 'query' || p.schema?.type === 'integer');
      if (op.requestBody || checked) expect(statuses, `${where} documents 400`).toContain('400');
      if (method !== 'get' && path !== '/api/v1/auth/login' && path !== '/api/v1/auth/logout')
        expect(statuses, `${where} documents 403`).toContain('403');
      for (const s of statuses.filter((x) => Number(x) >= 400 && Number(x) < 500))
        expect(Object.keys(schemaOf(path, method, Number(s)) as any).length, `${where} ${s}`).toBeGreaterThan(
          0,
        );
    }
    expect(doc.paths['/api/v1/overrides/{id}'].put.responses).toHaveProperty('409');
    expect(doc.paths['/api/v1/auth/login'].post.responses).toHaveProperty('429');
    for (const [path, method] of [
      ['/api/v1/overrides', 'post'],
      ['/api/v1/schedules/{id}', 'put'],
      ['/api/v1/stations/{id}/commands', 'post'],
    ] as const)
      expect(Object.keys(doc.paths[path][method].responses), `${method} ${path}`).toEqual(
        expect.arrayContaining(['413', '415']),
      );
    expect(doc.paths['/api/v1/stations/{id}/commands'].post.responses).toHaveProperty('502');
    expect(doc.paths['/api/v1/sessions.csv'].get.responses['200'].content).toHaveProperty('text/csv');
  });

  it('has schemas that reject what the API never sends (so the validation below means something)', () => {
    const circuits = ajv.compile(schemaOf('/api/v1/circuits', 'get', 200));
    expect(circuits({ atMs: 1, circuits: [] })).toBe(false); // flows missing
    const ports = ajv.compile(schemaOf('/api/v1/ports', 'get', 200));
    expect(ports({ atMs: 1, ports: [{ id: 'x' }] })).toBe(false);
    const err = ajv.compile(schemaOf('/api/v1/ports/{id}', 'get', 404));
    expect(err({ error: 'not_found' })).toBe(false);
    expect(err({ error: 'not_found', message: 'no port' })).toBe(false); // code missing
    expect(err({ error: 'not_found', code: 'API_NOT_FOUND', message: 'no port' })).toBe(true);
  });
});

describe('real answers validate against the served schemas', () => {
  const GETS: readonly [string, string][] = [
    ['/api/v1/auth/config', '/api/v1/auth/config'],
    ['/api/v1/auth/me', '/api/v1/auth/me'],
    ['/api/v1/tokens', '/api/v1/tokens'],
    ['/api/v1/site', '/api/v1/site'],
    ['/api/v1/circuits', '/api/v1/circuits'],
    ['/api/v1/ports', '/api/v1/ports'],
    ['/api/v1/ports/{id}', '/api/v1/ports/st-1%2F1'],
    ['/api/v1/stations', '/api/v1/stations'],
    ['/api/v1/allocation', '/api/v1/allocation'],
    ['/api/v1/sessions', '/api/v1/sessions'],
    ['/api/v1/sessions', '/api/v1/sessions?active=true'],
    ['/api/v1/events', '/api/v1/events?limit=1000'],
    ['/api/v1/history', '/api/v1/history'],
    ['/api/v1/history', '/api/v1/history?circuitId=left&resolution=15m'],
    ['/api/v1/overrides', '/api/v1/overrides'],
    ['/api/v1/schedules', '/api/v1/schedules'],
    ['/healthz', '/healthz'],
    ['/readyz', '/readyz'],
  ];

  it('every GET route, with sessions, an override, a schedule, a token and audit events in the store', async () => {
    const ports = await f.call('GET', '/api/v1/ports', { headers: alice });
    expect(ports.body.ports.some((p: any) => p.session !== null)).toBe(true);
    for (const [path, url] of GETS) {
      const r = await f.call('GET', url, { headers: alice });
      expect(r.status, url).toBe(200);
      expectValid(path, 'get', 200, r.body);
    }
    const circuits = await f.call('GET', '/api/v1/circuits', { headers: alice });
    // No grid meter on the test site: grid and other are unknown; the EV ports are measured.
    expect(circuits.body.flows).toMatchObject({ gridKw: null, otherKw: null });
    expect(typeof circuits.body.flows.evKw).toBe('number');
  });

  it('the error bodies: 400, 401, 403, 404, 409', async () => {
    const victor = await f.login('victor');
    const cases: [string, string, string, number, Record<string, string>, unknown?][] = [
      ['get', '/api/v1/sessions', '/api/v1/sessions?limit=0', 400, alice],
      ['get', '/api/v1/circuits', '/api/v1/circuits', 401, {}],
      ['get', '/api/v1/tokens', '/api/v1/tokens', 403, victor],
      ['get', '/api/v1/ports/{id}', '/api/v1/ports/nowhere', 404, alice],
      ['post', '/api/v1/overrides', '/api/v1/overrides', 400, alice, { circuitId: 'left', limitA: 'x' }],
      ['delete', '/api/v1/schedules/{id}', '/api/v1/schedules/999', 404, alice],
      [
        'put',
        '/api/v1/overrides/{id}',
        '/api/v1/overrides/1',
        409,
        alice,
        { circuitId: 'left', limitA: 20, until: new Date(Date.now() + 60_000).toISOString(), version: 99 },
      ],
    ];
    for (const [method, path, url, status, headers, body] of cases) {
      const r = await f.call(method.toUpperCase(), url, { headers, body });
      expect(r.status, `${method} ${url}`).toBe(status);
      expectValid(path, method, status, r.body);
    }
  });

  it('no answer so far mismatched its schema (the serializer logs each one)', () => {
    expect(f.logLines.filter((l) => l.includes(SCHEMA_MISMATCH))).toEqual([]);
  });
});

describe('the serializer', () => {
  it('keeps a field its schema does not name, and logs the mismatch with the route', () => {
    const logged: unknown[] = [];
    const log = { error: (o: unknown, msg: string) => logged.push([o, msg]) };
    const serialize = lenientSerializerCompiler(() => log as never)({
      schema: z.strictObject({ a: z.number() }),
      method: 'GET',
      url: '/api/v1/x',
      httpStatus: '200',
    });
    expect(JSON.parse(serialize({ a: 1 }))).toEqual({ a: 1 });
    expect(logged).toEqual([]);
    expect(JSON.parse(serialize({ a: 1, extra: 'kept' }))).toEqual({ a: 1, extra: 'kept' });
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toContain('/api/v1/x');
    expect(JSON.stringify(logged[0])).toContain(SCHEMA_MISMATCH);
  });
});
