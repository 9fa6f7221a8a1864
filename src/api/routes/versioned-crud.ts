/**
 * The four routes of a collection edited from the dashboard whose every change carries the version it was made
 * on (store/versioned-repository.ts): GET the list, POST an item (201), PUT one with its `version` (409 when
 * stale, naming who changed it), DELETE one (204). Each write is audited and then applied (`changed`).
 * Operator overrides and dashboard schedules are two of them.
 */
import { z } from 'zod';
import type { VersionedStore } from '../../contracts/api-store.ts';
import type { ZodApp } from '../api-context.ts';
import { conflict, notFound } from '../api-error.ts';
import type { ApiDeps } from '../api-deps.ts';
import * as R from '../response-schemas.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

interface VersionedRecord {
  readonly id: number;
  readonly version: number;
  readonly updatedBy: string;
}

export interface VersionedCrud<Rec extends VersionedRecord, Input, Body extends z.ZodObject, View> {
  /** e.g. /api/v1/overrides; an item is at `${path}/:id`. */
  readonly path: string;
  /** The item in messages: `no ${noun} 3`, `version: ${noun} 3 was changed by ...`. */
  readonly noun: string;
  readonly tags: string[];
  readonly summaries: {
    readonly list: string;
    readonly add: string;
    readonly change: string;
    readonly remove: string;
  };
  /** The body of POST; PUT's is the same with `version`. */
  readonly body: Body;
  readonly itemSchema: z.ZodType;
  readonly listSchema: z.ZodType;
  readonly store: (deps: ApiDeps) => VersionedStore<Rec, Input>;
  /** Checks a body against the site; returns the stored form or throws a 400 naming the field. */
  readonly checked: (body: z.output<Body>) => Input;
  readonly view: (r: Rec) => View;
  /** The GET response for the items' views. */
  readonly list: (items: View[]) => unknown;
  /** The audit log's line for each write. */
  readonly audit: {
    readonly added: (item: Rec, input: Input) => string;
    readonly changed: (item: Rec, input: Input) => string;
    readonly removed: (before: Rec) => string;
  };
  /** After each write: apply the collection and tell the live stream. */
  readonly changed: () => void;
}

export function versionedCrudRoutes<Rec extends VersionedRecord, Input, Body extends z.ZodObject, View>(
  app: ZodApp,
  deps: ApiDeps,
  c: VersionedCrud<Rec, Input, Body, View>,
): void {
  const { tags, noun } = c;
  const store = (): VersionedStore<Rec, Input> => c.store(deps);
  // The route schemas type the handlers' bodies and replies; with a generic Body and item schema the type
  // provider cannot resolve them, so the handlers name the types themselves (the schemas still check them).
  const bodyOf = (req: { body: unknown }): z.output<Body> => req.body as z.output<Body>;

  app.get(
    c.path,
    { schema: { tags, summary: c.summaries.list, response: { 200: c.listSchema, ...R.errors(401) } } },
    () => c.list(store().list().map(c.view)),
  );

  app.post(
    c.path,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: c.summaries.add,
        body: c.body,
        response: { 201: c.itemSchema, ...R.errors(400, 413, 415, 401, 403) },
      },
    },
    async (req, reply) => {
      const input = c.checked(bodyOf(req));
      const by = req.principal!.username;
      const item = await store().add(input, by);
      await deps.store.records.audit(by, c.audit.added(item, input), c.view(item));
      c.changed();
      return reply.code(201).send(c.view(item));
    },
  );

  app.put(
    `${c.path}/:id`,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: c.summaries.change,
        params: idParams,
        body: c.body.extend({ version: z.number().int().positive() }),
        response: { 200: c.itemSchema, ...R.errors(400, 413, 415, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const body = bodyOf(req);
      const input = c.checked(body);
      const by = req.principal!.username;
      const { id } = req.params;
      const r = await store().update(id, (req.body as { version: number }).version, input, by);
      if (r.status === 'not-found') throw notFound(`no ${noun} ${id}`);
      if (r.status === 'conflict')
        throw conflict(
          `version: ${noun} ${id} was changed by ${r.current.updatedBy} (now version ${r.current.version}); reload and edit again`,
        );
      await deps.store.records.audit(by, c.audit.changed(r.item, input), c.view(r.item));
      c.changed();
      return c.view(r.item);
    },
  );

  app.delete(
    `${c.path}/:id`,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: c.summaries.remove,
        params: idParams,
        response: { 204: R.noContent, ...R.errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const before = store().get(id);
      if (!before || !(await store().remove(id))) throw notFound(`no ${noun} ${id}`);
      await deps.store.records.audit(req.principal!.username, c.audit.removed(before), c.view(before));
      c.changed();
      return reply.code(204).send(null);
    },
  );
}
