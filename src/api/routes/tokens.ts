/** API tokens for integrations: create (shown once), list, delete. */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { notFound } from '../api-error.ts';
import { newSecret, secretHash } from '../auth/secrets.ts';
import * as R from '../response-schemas.ts';

const tags = ['tokens'];

export function tokenRoutes(app: ZodApp, { deps }: ApiContext): void {
  const view = (t: ReturnType<typeof deps.store.tokens.list>[number]) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    createdBy: t.createdBy,
    createdAt: iso(t.createdMs),
    lastUsedAt: t.lastUsedMs === null ? null : iso(t.lastUsedMs),
  });
  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'operator' },
      schema: { tags, summary: 'API tokens', response: { 200: R.tokenList, ...R.errors(401, 403) } },
    },
    () => ({
      items: deps.store.tokens.list().map(view),
    }),
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Create an API token (the token is shown in this answer only)',
        body: z.strictObject({
          name: z.string().trim().min(1).max(64),
          role: z.enum(['viewer', 'operator']),
        }),
        response: { 201: R.tokenCreated, ...R.errors(400, 413, 415, 401, 403) },
      },
    },
    async (req, reply) => {
      const token = newSecret('fbx_');
      const by = req.principal!.username;
      const id = await deps.store.tokens.add(req.body.name, req.body.role, secretHash(token), by);
      await deps.store.records.audit(by, `created API token '${req.body.name}' (${req.body.role})`, { id });
      return reply.code(201).send({ id, name: req.body.name, role: req.body.role, token });
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Revoke an API token',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 204: R.noContent, ...R.errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deps.store.tokens.remove(req.params.id))) throw notFound(`no API token ${req.params.id}`);
      await deps.store.records.audit(req.principal!.username, `revoked API token ${req.params.id}`);
      return reply.code(204).send(null);
    },
  );
}
