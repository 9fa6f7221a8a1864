/**
 * Headers on every answer (API, dashboard, Swagger UI, errors): no MIME sniffing, no framing (clickjacking),
 * no Referer to other sites, and a Content-Security-Policy allowing only this origin's own scripts, styles
 * and connections (the dashboard loads nothing else; `data:` images for the favicon and Swagger UI's
 * icons). Swagger UI at /api/docs also adds a `<style>` element of its own: its pages allow inline styles
 * (never inline scripts). See docs/api.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

export const CONTENT_SECURITY_POLICY = POLICY.join('; ');
/** Swagger UI's pages: the same, with inline styles. */
export const DOCS_CONTENT_SECURITY_POLICY = [...POLICY, "style-src 'self' 'unsafe-inline'"].join('; ');

const OTHER_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Sets the headers on a reply for a request path (an onSend hook calls it for every answer). */
export function setSecurityHeaders(reply: FastifyReply, url = ''): void {
  const docs = url === '/api/docs' || url.startsWith('/api/docs/') || url.startsWith('/api/docs?');
  void reply.headers({
    ...OTHER_HEADERS,
    'content-security-policy': docs ? DOCS_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY,
  });
}

/** The onSend hook. */
export function securityHeadersHook(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload: unknown) => void,
): void {
  setSecurityHeaders(reply, req.url);
  done(null, payload);
}
