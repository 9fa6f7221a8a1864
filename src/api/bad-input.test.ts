/**
 * What an integrator gets for bad input: always `{ error, code, message }` with the right status and a message
 * that starts with the field (or the part of the request) at fault; never a 500, never a silent no-op.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { describe, expect, it, vi } from 'vitest';
import { ERROR_CATALOGUE } from '../error-catalogue.ts';
import type { ErrorCode } from '../error-catalogue.ts';
import { circuitView, useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

const soon = (): string => new Date(Date.now() + 3600_000).toISOString();

/** A raw request (the fixture's call() always sends JSON). */
async function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await f.call(method, path, { headers: { ...alice, ...headers }, payload: body });
  return { status: res.status, body: (res.text ? res.body : null) as { error: string; message: string } };
}

/** The status, and the error body exactly `{ error, code, message }`, `code` the catalogue's for `error`. */
function expectError(r: { status: number; body: any }, status: number, error: string, message: RegExp): void {
  expect(r.status).toBe(status);
  expect(Object.keys(r.body as object).sort()).toEqual(['code', 'error', 'message']);
  expect(r.body.error).toBe(error);
  expect(r.body.code).toMatch(/^API_[A-Z_]+$/);
  expect(ERROR_CATALOGUE[r.body.code as ErrorCode]).toMatchObject({ area: 'api', wire: error });
  expect(r.body.message).toMatch(message);
}

describe('request bodies', () => {
  it('unknown fields are refused by name (a typo is not silently ignored)', async () => {
    const over = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 16, until: soon(), limitAmps: 3 },
    });
    expectError(over, 400, 'bad_request', /^body\.limitAmps: unknown field$/);
    const sched = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: { circuitId: 'left', name: 'x', weekly: [], exceptions: [], enable: false },
    });
    expectError(sched, 400, 'bad_request', /^body\.enable: unknown field$/);
    // An odd key is quoted, so the path stays unambiguous (found by the API fuzzer, seed 757569013).
    const odd = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: {
        circuitId: 'left',
        name: 'x',
        weekly: [{ days: ['mon'], from: '17:00', to: '21:00', limitA: 10, ' ': null }],
        exceptions: [],
      },
    });
    expectError(odd, 400, 'bad_request', /^body\.weekly\[0\]\[" "\]: unknown field$/);
    const cmd = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'reset', type: 'soft', force: true },
    });
    expectError(cmd, 400, 'bad_request', /^body\.force: unknown field$/);
    const login = await f.call('POST', '/api/v1/auth/login', {
      body: { username: 'alice', password: 'x', remember: true },
    });
    expectError(login, 400, 'bad_request', /^body\.remember: unknown field$/);
  });

  it('an item read with GET can be sent back with PUT as it is (its read-only fields are ignored)', async () => {
    const created = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 20, until: soon() },
    });
    expect(created.status).toBe(201);
    const item = { ...created.body, limitA: 18 };
    const put = await f.call('PUT', `/api/v1/overrides/${item.id as number}`, { headers: alice, body: item });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: item.id, limitA: 18, version: 2 });
    // A DELETE from a client that always sends content-type: application/json, with no body.
    const del = await raw('DELETE', `/api/v1/overrides/${item.id as number}`, {
      'content-type': 'application/json',
    });
    expect(del.status).toBe(204);
  });

  it('wrong types, missing fields, not JSON, no body, too large: 400/413 naming the body part', async () => {
    const type = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: '16', until: soon() },
    });
    expectError(type, 400, 'bad_request', /^body\.limitA: expected a current in A$/);
    const missing = await f.call('POST', '/api/v1/auth/login', { body: { username: 'alice' } });
    expectError(missing, 400, 'bad_request', /^body\.password: missing \(expected string\)$/);
    const notJson = await raw('POST', '/api/v1/overrides', { 'content-type': 'application/json' }, '{"a":');
    expectError(notJson, 400, 'bad_request', /^body: not valid JSON$/);
    const empty = await raw('POST', '/api/v1/overrides', { 'content-type': 'application/json' }, '');
    expectError(empty, 400, 'bad_request', /^body: missing \(expected a JSON object\)$/);
    const big = await raw(
      'POST',
      '/api/v1/overrides',
      { 'content-type': 'application/json' },
      JSON.stringify({ reason: 'x'.repeat(1_100_000) }),
    );
    expectError(big, 413, 'payload_too_large', /^body: too large/);
    const xml = await raw('POST', '/api/v1/overrides', { 'content-type': 'application/xml' }, '<a/>');
    expectError(xml, 415, 'unsupported_media_type', /^content-type: not supported; send application\/json$/);
  });

  it('huge numbers and an end in the past are refused naming the field', async () => {
    const huge = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 1e308, until: soon() },
    });
    expectError(huge, 400, 'bad_request', /^limitA: 1e\+308 A is above circuit left's static limit of 32 A/);
    const past = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 16, until: '2020-01-01T00:00:00Z' },
    });
    expectError(past, 400, 'bad_request', /^until: 2020-01-01T00:00:00Z is not in the future$/);
    const version = await f.call('PUT', '/api/v1/overrides/1', {
      headers: alice,
      body: { circuitId: 'left', limitA: 16, until: soon(), version: 1e20 },
    });
    expectError(version, 400, 'bad_request', /^body\.version: /);
  });

  it('limitKw on a circuit without a kW limit is a real limit: accepted and in force', async () => {
    const r = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitKw: 7, until: soon() },
    });
    expect(r.status).toBe(201);
    // The control loop runs again at once; /circuits shows its result.
    await vi.waitFor(
      async () => {
        const left = await circuitView(f, alice, 'left');
        expect(left.limitKw).toBe(7);
        expect(left.limitSource).toMatch(/^override by alice/);
      },
      { timeout: 5000 },
    );
    await f.call('DELETE', `/api/v1/overrides/${r.body.id as number}`, { headers: alice });
  });

  it("a schedule limit above the circuit's static limit is refused (it would do nothing)", async () => {
    const r = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: {
        circuitId: 'main',
        name: 'too high',
        weekly: [{ days: ['mon'], from: '08:00', to: '09:00', limitA: 60 }],
        exceptions: [{ date: '2026-12-25', limitKw: 45 }],
      },
    });
    expectError(
      r,
      400,
      'bad_request',
      /^body\.exceptions\[0\]\.limitKw: 45 kW is above circuit main's static limit of 40 kW/,
    );
  });
});

describe('station commands', () => {
  it("an idTag too long for the station's OCPP version is a 400, not a station error", async () => {
    // st-1 speaks OCPP 1.6 (idTag at most 20 characters); it need not be connected for the check.
    const r = await f.call('POST', '/api/v1/stations/st-1/commands', {
      headers: alice,
      body: { command: 'remoteStart', portId: 'st-1/1', idTag: 'X'.repeat(21) },
    });
    expectError(
      r,
      400,
      'bad_request',
      /^body\.idTag: at most 20 characters for station 'st-1' \(OCPP 1\.6\)$/,
    );
  });
});

describe('paths and queries', () => {
  it('path parameters: not a number, not found, a port id not URL-encoded, a bad %-escape', async () => {
    expectError(
      await f.call('DELETE', '/api/v1/overrides/abc', { headers: alice }),
      400,
      'bad_request',
      /^params\.id: expected a number$/,
    );
    expectError(
      await f.call('DELETE', '/api/v1/overrides/1.5', { headers: alice }),
      400,
      'bad_request',
      /^params\.id: expected a whole number$/,
    );
    expectError(
      await f.call('DELETE', '/api/v1/schedules/424242', { headers: alice }),
      404,
      'not_found',
      /^no schedule 424242$/,
    );
    expectError(
      await f.call('GET', '/api/v1/ports/st-1/1', { headers: alice }),
      404,
      'not_found',
      /URL-encode the port id: \/api\/v1\/ports\/st-1%2F1$/,
    );
    expectError(
      await f.call('GET', '/api/v1/ports/%E0%A4%A', { headers: alice }),
      400,
      'bad_request',
      /^url: .*not a valid URL/,
    );
  });

  it('queries: not a number, a range that ends before it starts', async () => {
    expectError(
      await f.call('GET', '/api/v1/sessions?limit=abc', { headers: alice }),
      400,
      'bad_request',
      /^querystring\.limit: expected a number$/,
    );
    for (const path of ['/api/v1/sessions', '/api/v1/sessions.csv', '/api/v1/events'])
      expectError(
        await f.call('GET', `${path}?from=2026-11-27T00:00:00Z&to=2026-11-20T00:00:00Z`, { headers: alice }),
        400,
        'bad_request',
        /^querystring\.from: 2026-11-27T00:00:00Z is after to/,
      );
    expectError(
      await f.call('GET', '/api/v1/history?from=1970-01-01T00:00:00Z', { headers: alice }),
      400,
      'bad_request',
      /^querystring\.from: the range is too long; at most \d+ days$/,
    );
  });

  it('nothing above answered 500', () => {
    expect(f.logLines.filter((l) => l.includes('request failed'))).toEqual([]);
  });
});
