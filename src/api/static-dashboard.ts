/**
 * The dashboard: Vite's build in dist/web served at `/`, with unknown non-API GET paths answering
 * index.html (client-side routes). Without a build, `/` says how to make one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.ts';

const NOT_BUILT = `Fusebox is running, but the dashboard is not built: run npm run build:web

GET /healthz             health
GET /api/docs            the HTTP API (OpenAPI, Swagger UI)
`;

/** Registers static serving (or the text page) and the SPA fallback as the not-found handler. */
export async function registerDashboard(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(join(webRoot, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });
  } else {
    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const api = path.startsWith('/api/') || path === '/metrics' || path === '/healthz' || path === '/readyz';
    // A path with a file extension is a missing file (an old asset), not a client-side route.
    const asset = /\.[A-Za-z0-9]+$/.test(path);
    if (built && req.method === 'GET' && !api && !asset)
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    // A port id holds a '/': unencoded it splits the path (office-a1/1 must be office-a1%2F1).
    const hint = /^\/api\/v1\/ports\/[^/]+\/[^/]+$/.test(path)
      ? `; URL-encode the port id: /api/v1/ports/${encodeURIComponent(path.slice('/api/v1/ports/'.length))}`
      : '';
    throw new ApiError(404, 'not_found', `no route ${req.method} ${path}${hint}`);
  });
}
