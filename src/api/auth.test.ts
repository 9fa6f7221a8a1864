/** Accounts, sessions, roles, CSRF, login rate limiting and API tokens, through the API (fastify inject). */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { startApiFixture, useApiFixture } from './testing/api-fixture.ts';

const { f } = useApiFixture({ login: [] });

/** Every route of the contract that needs a login, with a body where it takes one. */
const PROTECTED: [string, string][] = [
  ['GET', '/api/v1/auth/me'],
  ['GET', '/api/v1/site'],
  ['GET', '/api/v1/circuits'],
  ['GET', '/api/v1/ports'],
  ['GET', '/api/v1/ports/st-1%2F1'],
  ['GET', '/api/v1/stations'],
  ['GET', '/api/v1/allocation'],
  ['GET', '/api/v1/sessions'],
  ['GET', '/api/v1/sessions.csv'],
  ['GET', '/api/v1/history'],
  ['GET', '/api/v1/events'],
  ['GET', '/api/v1/overrides'],
  ['POST', '/api/v1/overrides'],
  ['PUT', '/api/v1/overrides/1'],
  ['DELETE', '/api/v1/overrides/1'],
  ['GET', '/api/v1/schedules'],
  ['POST', '/api/v1/schedules'],
  ['PUT', '/api/v1/schedules/1'],
  ['DELETE', '/api/v1/schedules/1'],
  ['POST', '/api/v1/stations/st-1/commands'],
  ['GET', '/api/v1/tokens'],
  ['POST', '/api/v1/tokens'],
  ['DELETE', '/api/v1/tokens/1'],
  ['GET', '/api/v1/stream'],
];

describe('authentication', () => {
  it('answers 401 on every protected route without a session or token', async () => {
    for (const [method, path] of PROTECTED) {
      const r = await f.call(method, path, {
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error).toBe('unauthorized');
    }
  });

  it('answers 401 for a forged cookie and an unknown bearer token', async () => {
    expect(
      (await f.call('GET', '/api/v1/site', { headers: { cookie: 'fusebox_session=forged' } })).status,
    ).toBe(401);
    expect(
      (await f.call('GET', '/api/v1/site', { headers: { authorization: 'Bearer fbx_nope' } })).status,
    ).toBe(401);
  });

  it('logs in with a HttpOnly SameSite=Strict cookie, tells who is logged in, and logs out', async () => {
    const res = await f.call('POST', '/api/v1/auth/login', {
      body: { username: 'alice', password: 'alice-password' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ username: 'alice', role: 'operator' });
    const setCookie = res.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(/^fusebox_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP, secureCookies off
    const cookie = setCookie.split(';')[0]!;
    expect((await f.call('GET', '/api/v1/auth/me', { headers: { cookie } })).body).toEqual({
      username: 'alice',
      role: 'operator',
    });
    // The session id is stored hashed: the cookie value is nowhere in the database.
    const value = cookie.split('=')[1]!;
    const rows = f.fusebox.store.db.prepare('SELECT id_hash FROM web_sessions').all() as {
      id_hash: string;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === value)).toBe(false);

    const out = await f.call('POST', '/api/v1/auth/logout', { headers: { cookie, 'x-fusebox-csrf': '1' } });
    expect(out.status).toBe(204);
    expect((await f.call('GET', '/api/v1/auth/me', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a wrong password with 401, and a missing field with 400 naming it', async () => {
    const bad = await f.call('POST', '/api/v1/auth/login', {
      body: { username: 'victor', password: 'nope' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('bad_credentials');
    const missing = await f.call('POST', '/api/v1/auth/login', { body: { username: 'victor' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/body\.password/);
  });

  it('rate-limits: the 6th attempt after 5 failures in 15 min gets 429, even with the right password', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await f.call('POST', '/api/v1/auth/login', {
        body: { username: 'mallory', password: `x${i}` },
      });
      expect(r.status).toBe(401);
    }
    const blocked = await f.call('POST', '/api/v1/auth/login', {
      body: { username: 'mallory', password: 'x' },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another username from the same address is not blocked.
    expect(
      (
        await f.call('POST', '/api/v1/auth/login', {
          body: { username: 'victor', password: 'victor-password' },
        })
      ).status,
    ).toBe(200);
  });

  it('needs the CSRF header on cookie writes, and the operator role for writes', async () => {
    const alice = await f.login('alice');
    const body = { name: 'ha', role: 'viewer' };
    const noCsrf = await f.call('POST', '/api/v1/tokens', { headers: { cookie: alice.cookie }, body });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error).toBe('csrf');

    const victor = await f.login('victor');
    expect((await f.call('GET', '/api/v1/overrides', { headers: victor })).status).toBe(200);
    const forbidden = await f.call('POST', '/api/v1/overrides', {
      headers: victor,
      body: { circuitId: 'left', limitA: 10, until: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toMatch(/operator/);
  });

  it('says on the login page whether this is the demo', async () => {
    const r = await f.call('GET', '/api/v1/auth/config');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ demo: false });
  });
});

describe('API tokens', () => {
  it('creates a token shown once, authenticates with it without CSRF, lists and revokes it', async () => {
    const alice = await f.login('alice');
    const created = await f.call('POST', '/api/v1/tokens', {
      headers: alice,
      body: { name: 'home-assistant', role: 'operator' },
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^fbx_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${created.body.token as string}` };

    expect((await f.call('GET', '/api/v1/auth/me', { headers: bearer })).body).toEqual({
      username: 'token:home-assistant',
      role: 'operator',
    });
    // A bearer write needs no CSRF header.
    const write = await f.call('POST', '/api/v1/overrides', {
      headers: bearer,
      body: { circuitId: 'left', limitA: 30, until: new Date(Date.now() + 600_000).toISOString() },
    });
    expect(write.status).toBe(201);

    const list = await f.call('GET', '/api/v1/tokens', { headers: alice });
    const listed = list.body.items.find((t: { name: string }) => t.name === 'home-assistant');
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(listed).toMatchObject({ role: 'operator', createdBy: 'alice' });
    expect(list.body.items.map((t: { name: string }) => t.name)).toContain('home-assistant');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const viewerToken = await f.call('POST', '/api/v1/tokens', {
      headers: alice,
      body: { name: 'grafana', role: 'viewer' },
    });
    const viewerBearer = { authorization: `Bearer ${viewerToken.body.token as string}` };
    expect((await f.call('GET', '/api/v1/circuits', { headers: viewerBearer })).status).toBe(200);
    expect(
      (await f.call('DELETE', `/api/v1/overrides/${write.body.id as number}`, { headers: viewerBearer }))
        .status,
    ).toBe(403);

    expect(
      (await f.call('DELETE', `/api/v1/tokens/${created.body.id as number}`, { headers: alice })).status,
    ).toBe(204);
    expect((await f.call('GET', '/api/v1/auth/me', { headers: bearer })).status).toBe(401);
    expect(
      (await f.call('DELETE', `/api/v1/tokens/${created.body.id as number}`, { headers: alice })).status,
    ).toBe(404);
    const bad = await f.call('POST', '/api/v1/tokens', {
      headers: alice,
      body: { name: 'x', role: 'admin' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/body\.role/);
  });
});

describe('first start', () => {
  it('logs how to create the first account, and answers 401 until then', async () => {
    const g = await startApiFixture({ accounts: false });
    try {
      expect(g.logLines.join('\n')).toMatch(/fusebox user add NAME --role operator/);
      expect((await g.call('GET', '/api/v1/circuits')).status).toBe(401);
      expect(
        (await g.call('POST', '/api/v1/auth/login', { body: { username: 'demo', password: 'demo' } })).status,
      ).toBe(401);
    } finally {
      await g.stop();
    }
  });

  it('the demo seeds demo/demo as an operator and says so', async () => {
    const g = await startApiFixture({ accounts: false, demo: true });
    try {
      expect(g.logLines.join('\n')).toMatch(/log in to the dashboard as 'demo' with password 'demo'/);
      expect((await g.call('GET', '/api/v1/auth/config')).body).toEqual({
        demo: true,
        demoUser: 'demo',
        demoPassword: 'demo',
      });
      const r = await g.call('POST', '/api/v1/auth/login', { body: { username: 'demo', password: 'demo' } });
      expect(r.body).toEqual({ username: 'demo', role: 'operator' });
    } finally {
      await g.stop();
    }
  });
});
