/**
 * What a request may send and what every answer says: body limits (a 1 MB JSON body to the login blocked
 * the event loop before any check), JSON only (text/plain was a 400, not the documented 415), strict
 * query parameters (`?stationId[]=x` dropped the filter silently), and the security headers.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, alice } = useApiFixture();

const soon = (): string => new Date(Date.now() + 3600_000).toISOString();

describe('body limits', () => {
  it('a 1 MB nested JSON body to the login is refused with 413 naming the limit, before it is parsed', async () => {
    const nested = `{"username":"a","password":"b","x":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
    const r = await f.fusebox.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: nested,
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({
      error: 'payload_too_large',
      code: 'API_PAYLOAD_TOO_LARGE',
      message: 'body: too large (at most 8 KiB on this route)',
    });
  });

  it('the login limit still fits the longest password, even \\u-escaped', async () => {
    const password = '\u00e9'.repeat(1024);
    const body = JSON.stringify({ username: 'alice', password }).replaceAll('\u00e9', '\\u00e9');
    expect(body.length).toBeGreaterThan(6000);
    const r = await f.fusebox.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '10.9.0.5',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(r.statusCode).toBe(401);
  });

  it('logout, like any request without a login, takes at most 8 KiB; logged-in writes 64 KiB', async () => {
    const out = await f.fusebox.http.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { 'content-type': 'application/json', 'x-fusebox-csrf': '1' },
      payload: JSON.stringify({ x: 'y'.repeat(10_000) }),
    });
    expect(out.statusCode).toBe(413);
    // A path that is no route (its body would be parsed before the 404) and an API route without a login.
    const big = JSON.stringify({ x: 'y'.repeat(100_000) });
    const json = { 'content-type': 'application/json' };
    const postBig = (url: string) =>
      f.fusebox.http.inject({ method: 'POST', url, headers: json, payload: big });
    const nowhere = await postBig('/nowhere');
    expect(nowhere.statusCode).toBe(413);
    expect(nowhere.json().message).toBe('body: too large (at most 8 KiB on this route)');
    const anonymous = await postBig('/api/v1/overrides');
    expect(anonymous.statusCode).toBe(401);
    const over = await f.call('POST', '/api/v1/overrides', {
      headers: alice,
      body: { circuitId: 'left', limitA: 16, until: soon(), reason: 'r'.repeat(70_000) },
    });
    expect(over.status).toBe(413);
    expect(over.body.message).toBe('body: too large (at most 64 KiB on this route)');
    // A large but reasonable schedule still fits.
    const weekly = Array.from({ length: 200 }, (_, i) => ({
      days: ['mon'],
      from: `${String(Math.floor(i / 60) + 8).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      to: '23:00',
      limitA: 20,
      label: `entry ${i}`,
    }));
    const sched = await f.call('POST', '/api/v1/schedules', {
      headers: alice,
      body: { circuitId: 'left', name: 'many', weekly, exceptions: [] },
    });
    expect(sched.status, sched.text).not.toBe(413);
  });
});

describe('content types and queries', () => {
  it('a text/plain body is 415, as documented, on the login and on writes', async () => {
    for (const [path, headers] of [
      ['/api/v1/auth/login', {}],
      ['/api/v1/overrides', alice],
    ] as const) {
      const res = await fetch(f.url + path, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain' },
        body: '{"username":"alice"}',
      });
      expect(res.status, path).toBe(415);
      expect(await res.json()).toEqual({
        error: 'unsupported_media_type',
        code: 'API_UNSUPPORTED_MEDIA_TYPE',
        message: 'content-type: not supported; send application/json',
      });
    }
  });

  it('an array form or a repeated scalar filter is a 400 naming the parameter, not a dropped filter', async () => {
    for (const path of ['/api/v1/sessions', '/api/v1/sessions.csv']) {
      const arr = await f.call('GET', `${path}?stationId[]=st-1`, { headers: alice });
      expect(arr.status, path).toBe(400);
      expect(arr.body.message).toMatch(/^querystring\.stationId\[\]: unknown parameter/);
      const twice = await f.call('GET', `${path}?stationId=st-1&stationId=st-2`, { headers: alice });
      expect(twice.status, path).toBe(400);
      expect(twice.body.message).toBe('querystring.stationId: given more than once; give it once');
    }
    const kind = await f.call('GET', '/api/v1/events?kind[0]=audit', { headers: alice });
    expect(kind.status).toBe(400);
    expect(kind.body.message).toMatch(/^querystring\.kind\[0\]: unknown parameter/);
  });

  it('an unknown query parameter is a 400 naming it (a typo is not silently ignored)', async () => {
    const typo = await f.call('GET', '/api/v1/sessions?statonId=st-1', { headers: alice });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toBe('querystring.statonId: unknown parameter');
    const hist = await f.call('GET', '/api/v1/history?circuit=left', { headers: alice });
    expect(hist.status).toBe(400);
    expect(hist.body.message).toBe('querystring.circuit: unknown parameter');
    const none = await f.call('GET', '/api/v1/circuits?verbose=1', { headers: alice });
    expect(none.status).toBe(400);
    expect(none.body.message).toBe('querystring.verbose: unknown parameter');
  });
});

describe('the OpenAPI document', () => {
  it('documents the 400 for query parameters on every API route, and what logout can answer', async () => {
    const doc = (await f.call('GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => [`${m} ${path}`, op] as const));
    expect(ops.length).toBeGreaterThan(20);
    for (const [where, op] of ops) expect(Object.keys(op.responses), where).toContain('400');
    expect(Object.keys(doc.paths['/api/v1/auth/logout']!.post!.responses)).toEqual(
      expect.arrayContaining(['204', '403', '413', '415']),
    );
  });
});

describe('security headers', () => {
  const PATHS = ['/', '/healthz', '/api/v1/circuits', '/api/v1/openapi.json', '/api/docs', '/no/such/page'];

  it('every answer says nosniff, no framing, no referrer, and a content security policy', async () => {
    for (const path of PATHS) {
      const res = await fetch(f.url + path);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(csp, path).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(csp, path).toMatch(/(^|; )object-src 'none'(;|$)/);
      expect(csp, path).not.toMatch(/unsafe-eval/);
      // No inline scripts anywhere (no script-src: default-src 'self' applies); inline styles for Swagger UI only.
      expect(csp, path).not.toMatch(/script-src/);
      if (path === '/api/docs') expect(csp).toMatch(/(^|; )style-src 'self' 'unsafe-inline'(;|$)/);
      else expect(csp, path).not.toMatch(/unsafe-inline/);
    }
  });

  it('error answers of fastify itself (bad %-escape, 401) carry them too', async () => {
    for (const path of ['/api/v1/ports/%E0%A4%A', '/api/v1/site']) {
      const res = await fetch(f.url + path);
      await res.arrayBuffer();
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toMatch(/default-src 'self'/);
    }
  });
});

describe('afterwards', () => {
  it('nothing above answered 500', () => {
    expect(f.logLines.filter((l) => l.includes('request failed'))).toEqual([]);
  });
});
