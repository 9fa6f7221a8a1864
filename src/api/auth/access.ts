/**
 * Who is calling and may they: a `fusebox_session` cookie or an `Authorization: Bearer fbx_…` token gives
 * a principal; each route says the role it needs in its `config.access` ('public', 'viewer', 'operator').
 * Cookie-authenticated writes must carry the `X-Fusebox-CSRF` header (cross-site forms cannot set it).
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../contracts/api-records.ts';
import type { ApiStore } from '../../contracts/api-store.ts';
import { ApiError } from '../api-error.ts';
import { secretHash } from './secrets.ts';

export const SESSION_COOKIE = 'fusebox_session';
export const CSRF_HEADER = 'x-fusebox-csrf';
export const SESSION_TTL_MS = 12 * 3600_000;
/** A session's expiry is pushed forward at most once a minute (each push is a write). */
const TOUCH_EVERY_MS = 60_000;

export type Access = 'public' | Role;

export interface Principal {
  readonly username: string;
  readonly role: Role;
  readonly via: 'cookie' | 'token';
  /** Hash of the session id (cookie) for logout and sliding expiry. */
  readonly sessionHash?: string | undefined;
  /** The API token used, and when it was last used before this request. */
  readonly token?: { readonly id: number; readonly lastUsedMs: number | null } | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a route needs; undefined = 'viewer' under /api/v1, 'public' elsewhere. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2 };

/** The caller from its cookie or bearer token, or null. */
export function identify(req: FastifyRequest, store: ApiStore, nowMs: number): Principal | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) return null;
    const token = store.tokens.findByHash(secretHash(m[1]!));
    if (!token) return null;
    return {
      username: `token:${token.name}`,
      role: token.role,
      via: 'token',
      token: { id: token.id, lastUsedMs: token.lastUsedMs },
    };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const hash = secretHash(cookie);
  const session = store.accounts.findSession(hash);
  if (!session || session.expiresMs <= nowMs) return null;
  return { username: session.username, role: session.role, via: 'cookie', sessionHash: hash };
}

/** An onRequest hook enforcing the route's access; extends a cookie session's expiry as it is used. */
export function accessHook(store: ApiStore, now: () => number, secure: (req: FastifyRequest) => boolean) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const nowMs = now();
    req.principal = identify(req, store, nowMs);
    const access = req.routeOptions.config.access ?? (req.url.startsWith('/api/v1/') ? 'viewer' : 'public');
    if (access === 'public') return;
    const p = req.principal;
    if (!p)
      throw new ApiError(
        401,
        'unauthorized',
        'log in first (POST /api/v1/auth/login) or send a bearer token',
      );
    if (RANK[p.role] < RANK[access])
      throw new ApiError(403, 'forbidden', `this needs the ${access} role; ${p.username} is a ${p.role}`);
    const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    if (write && p.via === 'cookie') requireCsrf(req);
    if (p.token && (p.token.lastUsedMs === null || nowMs - p.token.lastUsedMs >= TOUCH_EVERY_MS))
      await store.tokens.touch(p.token.id);
    if (p.via === 'cookie' && p.sessionHash) {
      const session = store.accounts.findSession(p.sessionHash);
      if (session && session.expiresMs - nowMs < SESSION_TTL_MS - TOUCH_EVERY_MS) {
        await store.accounts.touchSession(p.sessionHash, nowMs + SESSION_TTL_MS);
        setSessionCookie(reply, req.cookies[SESSION_COOKIE]!, secure(req));
      }
    }
  };
}

/** Cookie-authenticated writes must carry X-Fusebox-CSRF (any value): a 403 `csrf` otherwise. */
export function requireCsrf(req: FastifyRequest): void {
  if (req.headers[CSRF_HEADER] === undefined)
    throw new ApiError(403, 'csrf', `writes with a session cookie need the header X-Fusebox-CSRF`);
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over TLS or when configured. */
export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure,
    maxAge: SESSION_TTL_MS / 1000,
  });
}
