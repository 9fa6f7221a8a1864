/** Log in and out, who am I, and what the login page should say (the demo's account). */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { ApiError } from '../api-error.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, requireCsrf, setSessionCookie } from '../auth/access.ts';
import { newSecret, secretHash } from '../auth/secrets.ts';
import * as R from '../response-schemas.ts';

const tags = ['auth'];

/** A stable hash to check against when the user does not exist, so timing does not tell who exists. */
let dummyHash: Promise<string> | undefined;

export function authRoutes(
  app: ZodApp,
  ctx: ApiContext,
  secure: (req: { protocol: string }) => boolean,
): void {
  const { deps, throttle } = ctx;
  app.get(
    '/api/v1/auth/config',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'What the login page shows (the demo account)',
        response: { 200: R.authConfig },
      },
    },
    () =>
      deps.options.demo
        ? { demo: true, demoUser: deps.options.demo.username, demoPassword: deps.options.demo.password }
        : { demo: false },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Log in: sets the fusebox_session cookie',
        body: z.strictObject({
          username: z.string().min(1).max(64),
          password: z.string().min(1).max(1024),
        }),
        response: { 200: R.me, ...R.errors(400, 413, 415, 401, 429) },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const nowMs = deps.clock.nowMs();
      const allowed = throttle.attempt(username, req.ip, nowMs);
      if (!allowed.ok) {
        const waitS = Math.ceil(allowed.retryAfterMs / 1000);
        void reply.header('retry-after', waitS);
        throw new ApiError(
          429,
          'rate_limited',
          `too many failed logins ${allowed.by === 'ip' ? `from ${req.ip}` : `for ${username}`}: try again in ${Math.ceil(waitS / 60)} min`,
        );
      }
      const account = deps.store.accounts.find(username);
      dummyHash ??= deps.hashPassword('not a password');
      const ok = await deps.verifyPassword(password, account?.passwordHash ?? (await dummyHash));
      if (!account || !ok) throw new ApiError(401, 'bad_credentials', 'wrong username or password');
      throttle.succeed(username, req.ip, nowMs);
      const sessionId = newSecret();
      await deps.store.accounts.addSession(secretHash(sessionId), account.username, nowMs + SESSION_TTL_MS);
      setSessionCookie(reply, sessionId, secure(req));
      return { username: account.username, role: account.role };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Log out: ends the session (with the cookie: needs X-Fusebox-CSRF)',
        response: { 204: R.noContent, ...R.errors(403, 413, 415) },
      },
    },
    async (req, reply) => {
      // Like every cookie write: a cross-site form cannot set the header.
      if (req.cookies[SESSION_COOKIE] !== undefined) requireCsrf(req);
      if (req.principal?.sessionHash) await deps.store.accounts.dropSession(req.principal.sessionHash);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    { schema: { tags, summary: 'The logged-in user', response: { 200: R.me, ...R.errors(401) } } },
    (req) => ({ username: req.principal!.username, role: req.principal!.role }),
  );
}
