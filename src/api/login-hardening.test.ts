/**
 * Login guessing spread over many user names from one address (a probe sent 140 wrong passwords over 50
 * names and never got a 429), and logout without the CSRF header.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { PASSWORDS, useApiFixture } from './testing/api-fixture.ts';

const { f } = useApiFixture({ login: [] });

/** A login from a given client address, through fastify's inject (no socket: the address is ours to pick). */
function loginFrom(ip: string, username: string, password: string) {
  return f.fusebox.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: ip,
    payload: { username, password },
  });
}

describe('login throttling per address', () => {
  it('refuses an address after 20 failed logins spread over many user names; others still log in', async () => {
    const statuses: number[] = [];
    // The probe: wrong passwords over 50 user names (at most 3 each: under the per-name limit of 5).
    for (let i = 0; i < 60; i++)
      statuses.push((await loginFrom('10.9.0.1', `user${i % 50}`, `x${i}`)).statusCode);
    expect(statuses.slice(0, 20)).toEqual(Array<number>(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array<number>(40).fill(429));
    // The right password from that address is refused too (guessing cannot go on).
    const right = await loginFrom('10.9.0.1', 'alice', PASSWORDS.alice);
    expect(right.statusCode).toBe(429);
    expect(right.json()).toEqual({
      error: 'rate_limited',
      code: 'API_RATE_LIMITED',
      message: expect.stringMatching(/^too many failed logins from 10\.9\.0\.1: try again in \d+ min$/),
    });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await loginFrom('10.9.0.2', 'alice', PASSWORDS.alice)).statusCode).toBe(200);
  });

  it('counts logins still being checked: 40 at once from one address get at most 20 password checks', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom('10.9.0.3', `spray${i}`, 'wrong')),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('a success does not clear the address count (a valid account cannot reset it)', async () => {
    for (let i = 0; i < 19; i++) expect((await loginFrom('10.9.0.4', `u${i}`, 'x')).statusCode).toBe(401);
    expect((await loginFrom('10.9.0.4', 'alice', PASSWORDS.alice)).statusCode).toBe(200);
    expect((await loginFrom('10.9.0.4', 'u99', 'x')).statusCode).toBe(401);
    expect((await loginFrom('10.9.0.4', 'u98', 'x')).statusCode).toBe(429);
  });
});

describe('logout', () => {
  it('needs the CSRF header like every other cookie write; without it the session stays', async () => {
    const victor = await f.login('victor');
    const bare = await f.call('POST', '/api/v1/auth/logout', { headers: { cookie: victor.cookie } });
    expect(bare.status).toBe(403);
    expect(bare.body.error).toBe('csrf');
    expect((await f.call('GET', '/api/v1/auth/me', { headers: victor })).status).toBe(200);
    const ok = await f.call('POST', '/api/v1/auth/logout', { headers: victor });
    expect(ok.status).toBe(204);
    expect((await f.call('GET', '/api/v1/auth/me', { headers: victor })).status).toBe(401);
  });
});

describe('afterwards', () => {
  it('nothing above answered 500', () => {
    expect(f.logLines.filter((l) => l.includes('request failed'))).toEqual([]);
  });
});
