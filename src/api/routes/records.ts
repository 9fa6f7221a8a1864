/** What Fusebox recorded: sessions (JSON and CSV), events, and the power history. */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { badRequest } from '../api-error.ts';
import type { SessionFilter, SessionItem } from '../../contracts/api-store.ts';
import * as R from '../response-schemas.ts';
import { eventView } from '../views/event-view.ts';

const instant = z.iso.datetime({
  offset: true,
  error: 'expected an ISO-8601 date-time, e.g. 2026-11-26T08:00:00Z',
});
const sessionQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  stationId: z.string().min(1).optional(),
  portId: z.string().min(1).optional(),
  idTag: z.string().min(1).optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const ms = (s: string | undefined): number | undefined => (s === undefined ? undefined : Date.parse(s));

const RESOLUTIONS = { '1m': 60_000, '15m': 15 * 60_000, '1h': 3600_000 } as const;
const MAX_POINTS = 1500;

function sessionItem(s: SessionItem, nowMs: number) {
  return {
    id: s.id,
    stationId: s.stationId,
    portId: s.portId,
    idTag: s.idTag,
    startedAt: iso(s.startedMs),
    stoppedAt: s.stoppedMs === null ? null : iso(s.stoppedMs),
    energyKwh: s.energyWh === null ? 0 : Math.round(s.energyWh) / 1000,
    durationS: Math.round(((s.stoppedMs ?? nowMs) - s.startedMs) / 1000),
    stopReason: s.stopReason,
  };
}

/**
 * Text a spreadsheet would take for a formula: starting with = + - @, a tab or a carriage return (which
 * spreadsheets strip before looking), or spaces before one of those.
 */
const FORMULA_START = /^[\t\r]|^ *[=+\-@]/;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-looking text is defused. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The store's session filter for a sessions query. */
function filterOf(q: z.infer<typeof sessionQuery>): SessionFilter {
  return {
    fromMs: ms(q.from),
    toMs: ms(q.to),
    stationId: q.stationId,
    portId: q.portId,
    idTag: q.idTag,
    active: q.active === undefined ? undefined : q.active === 'true',
    limit: q.limit,
    offset: q.offset,
  };
}

/** from/to bound a range: an empty one is a mistake worth saying. */
function range(q: { from?: string | undefined; to?: string | undefined }): void {
  if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) > Date.parse(q.to))
    throw badRequest(`querystring.from: ${q.from} is after to (${q.to})`);
}

const CSV_COLUMNS = [
  'id',
  'stationId',
  'portId',
  'idTag',
  'startedAt',
  'stoppedAt',
  'energyKwh',
  'durationS',
  'stopReason',
] as const;

/** Sessions as CSV: a header row, then one row per session, CRLF line ends. */
function sessionsCsv(items: readonly SessionItem[], nowMs: number): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const s of items) {
    const item = sessionItem(s, nowMs);
    lines.push(CSV_COLUMNS.map((h) => csvField(item[h])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const historyQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  resolution: z.enum(['1m', '15m', '1h']).optional(),
  circuitId: z.string().min(1).optional(),
});

/** The power history in buckets of the asked (or a fitting) resolution: site kW, or one circuit's A. */
function historyAnswer(deps: ApiContext['deps'], q: z.infer<typeof historyQuery>) {
  const toMs = ms(q.to) ?? deps.clock.nowMs();
  const fromMs = ms(q.from) ?? toMs - 24 * 3600_000;
  if (fromMs >= toMs) throw badRequest(`querystring.from: must be before to (${iso(toMs)})`);
  if (q.circuitId !== undefined && !deps.baseSite().circuitIndex.has(q.circuitId))
    throw badRequest(`querystring.circuitId: no circuit '${q.circuitId}'`);
  const span = toMs - fromMs;
  const auto = Object.values(RESOLUTIONS).find((b) => span / b <= MAX_POINTS) ?? RESOLUTIONS['1h'];
  const bucketMs = q.resolution ? RESOLUTIONS[q.resolution] : auto;
  if (span / bucketMs > 10 * MAX_POINTS)
    throw badRequest(
      q.resolution === undefined
        ? `querystring.from: the range is too long; at most ${(10 * MAX_POINTS * bucketMs) / (24 * 3600_000)} days`
        : `querystring.resolution: ${q.resolution} over this range gives more than ${10 * MAX_POINTS} points; choose a coarser one`,
    );
  const rows = new Map(
    deps.store.records.history(fromMs, toMs, bucketMs, q.circuitId ?? '').map((b) => [b.t, b.values]),
  );
  const t: number[] = [];
  for (let b = Math.floor(fromMs / bucketMs) * bucketMs; b < toMs; b += bucketMs) t.push(b);
  const column = (col: string): (number | null)[] =>
    t.map((b) => {
      const v = rows.get(b)?.[col];
      return v === undefined || v === null ? null : Math.round(v * 100) / 100;
    });
  const series =
    q.circuitId === undefined
      ? {
          grid: column('grid_kw'),
          pv: column('pv_kw'),
          battery: column('battery_kw'),
          ev: column('ev_kw'),
          other: column('other_kw'),
        }
      : { load: column('load_a'), ev: column('ev_a'), limit: column('limit_a') };
  return { resolutionS: bucketMs / 1000, t, series };
}

export function recordRoutes(app: ZodApp, { deps }: ApiContext): void {
  app.get(
    '/api/v1/sessions',
    {
      schema: {
        tags: ['records'],
        summary: 'Charging sessions, newest first',
        querystring: sessionQuery,
        response: { 200: R.sessions, ...R.errors(400, 401) },
      },
    },
    (req) => {
      range(req.query);
      const r = deps.store.records.sessions(filterOf(req.query));
      const nowMs = deps.clock.nowMs();
      return { total: r.total, items: r.items.map((s) => sessionItem(s, nowMs)) };
    },
  );

  app.get(
    '/api/v1/sessions.csv',
    {
      schema: {
        tags: ['records'],
        summary: 'Sessions as CSV (same filters; limit up to 100000, default all up to that)',
        querystring: sessionQuery.extend({
          limit: z.coerce.number().int().min(1).max(100_000).default(100_000),
        }),
        response: {
          200: R.textAnswer('text/csv', 'Sessions as CSV with a header row (CRLF line ends)'),
          ...R.errors(400, 401),
        },
      },
    },
    (req, reply) => {
      range(req.query);
      const r = deps.store.records.sessions(filterOf(req.query));
      const nowMs = deps.clock.nowMs();
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="sessions.csv"');
      return sessionsCsv(r.items, nowMs);
    },
  );

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['records'],
        summary: 'Events, newest first',
        querystring: z.object({
          from: instant.optional(),
          to: instant.optional(),
          level: z.enum(['info', 'warn', 'error']).optional(),
          kind: z.string().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: R.events, ...R.errors(400, 401) },
      },
    },
    (req) => {
      const q = req.query;
      range(q);
      const r = deps.store.records.events({
        fromMs: ms(q.from),
        toMs: ms(q.to),
        level: q.level,
        kind: q.kind,
        limit: q.limit,
        offset: q.offset,
      });
      return {
        total: r.total,
        items: r.items.map(eventView),
      };
    },
  );

  app.get(
    '/api/v1/history',
    {
      schema: {
        tags: ['records'],
        summary: 'Power history of the site (kW) or of one circuit (A, highest phase)',
        querystring: historyQuery,
        response: { 200: R.history, ...R.errors(400, 401) },
      },
    },
    (req) => historyAnswer(deps, req.query),
  );
}
