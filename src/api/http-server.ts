/**
 * The HTTP server: the REST API under /api/v1 (zod-validated, OpenAPI generated from the schemas), the live
 * stream, health and metrics, and the dashboard. See docs/api.md.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext, ZodApp } from './api-context.ts';
import type { ApiDeps } from './api-deps.ts';
import { apiErrorBody, handleError } from './api-error.ts';
import { accessHook } from './auth/access.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { ControlSync } from '../control/control-sync.ts';
import { LiveHub } from './live-hub.ts';
import { ApiMetrics, oncePerTurn } from './metrics.ts';
import type { MetricSources } from './metrics.ts';
import { PowerHistoryRecorder } from './power-history-recorder.ts';
import { PUBLIC_BODY_LIMIT, apiRouteDefaults, unknownQueryParameters } from './request-guards.ts';
import { authRoutes } from './routes/auth.ts';
import { commandRoutes } from './routes/commands.ts';
import { demandRoutes } from './routes/demand.ts';
import { planRoutes } from './routes/plan.ts';
import { gridBatteryRoutes } from './routes/grid-battery.ts';
import { livePayloads, liveStateRoutes } from './routes/live-state.ts';
import { localListRoutes } from './routes/local-list.ts';
import { opsRoutes } from './routes/ops.ts';
import { driverNeedsRoutes } from './routes/driver-needs.ts';
import { overrideRoutes } from './routes/overrides.ts';
import { recordRoutes } from './routes/records.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { streamRoutes } from './routes/stream.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { upstreamRoutes } from './routes/upstream.ts';
import { lenientSerializerCompiler } from './response-serializer.ts';
import { securityHeadersHook, setSecurityHeaders } from './security-headers.ts';
import { registerDashboard } from './static-dashboard.ts';
import { eventView } from './views/event-view.ts';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
}

/** The fastify instance with the API's validation, serialization, errors, guards and JSON body parsing. */
function createFastify(deps: ApiDeps) {
  // Requests are logged at info by fastify: keep them out of the operator's log unless debugging.
  const logger = deps.logger;
  const app = Fastify({
    loggerInstance: logger?.child({}, { level: logger.level === 'debug' ? 'debug' : 'warn' }) as
      FastifyBaseLogger | undefined,
    trustProxy: deps.options.trustProxy,
    // Without a login (and on paths that are no route) a body is small; routes needing a login get more.
    bodyLimit: PUBLIC_BODY_LIMIT,
    // A bad %-escape in the path fails before routing: answer in the API's error shape too.
    frameworkErrors: (err: Error, _req: FastifyRequest, reply: FastifyReply) => {
      setSecurityHeaders(reply);
      void reply
        .code(400)
        .send(
          apiErrorBody(
            'bad_request',
            `url: ${err.message.replace(/ is not a valid url component$/, ': not a valid URL (bad %-escape)')}`,
          ),
        );
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(lenientSerializerCompiler(() => app.log));
  app.setErrorHandler(handleError);
  app.addHook('onRoute', apiRouteDefaults);
  app.addHook('onSend', securityHeadersHook);
  app.addHook('preValidation', unknownQueryParameters);
  // An empty body sent with content-type: application/json (a DELETE from many HTTP clients) is no body:
  // the route's own validation then says what it needs, if anything.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else void parseJson(req, text, done);
  });
  // JSON only: a text/plain body is a 415 (fastify would otherwise hand the route a string: a 400).
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  return app;
}

/** The OpenAPI document (generated from the routes' zod schemas) and its browsable UI at /api/docs. */
async function registerOpenApi(app: ZodApp): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Fusebox HTTP API',
        version: '1',
        description: 'Live state, records, overrides, schedules and station commands. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          cookie: { type: 'apiKey', in: 'cookie', name: 'fusebox_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ cookie: [] }, { bearer: [] }],
    },
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      // zod's null becomes a nullable string in OpenAPI 3.0; @fastify/swagger documents type 'null' as no body.
      const response = (out.schema as { response?: Record<string, unknown> } | undefined)?.response;
      if (response?.['204']) response['204'] = { type: 'null', description: 'No content' };
      return out;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
}

/**
 * What the metrics read at each scrape: the live circuits, ports, upstreams, demand, planner and sessions (the
 * circuit view and the session counts once per scrape, however many gauges read them).
 */
function metricSources(ctx: ApiContext): MetricSources {
  const { deps } = ctx;
  return {
    circuits: oncePerTurn(() => livePayloads(ctx).circuits().circuits),
    portsCharging: () => deps.live.snapshot()?.allocation.filter((a) => a.currentA > 0).length ?? 0,
    uncontrolledPorts: () =>
      [...(deps.live.snapshot()?.uncontrolled ?? [])].map(([portId, u]) => ({
        portId,
        reason: u.reason,
        countedA: u.countedA,
      })),
    upstream: () => deps.upstream?.statuses() ?? [],
    now: () => deps.clock.nowMs(),
    demand: () => deps.demand?.state() ?? null,
    planner: () => deps.planner?.metrics() ?? null,
    sessions: oncePerTurn(() => ({
      active: deps.store.records.sessions({ active: true, limit: 1, offset: 0 }).total,
      total: deps.store.records.sessions({ limit: 1, offset: 0 }).total,
    })),
  };
}

/** Builds the app without listening (tests use app.inject() or listen on port 0). */
export async function buildHttpApp(deps: ApiDeps, metrics: ApiMetrics = new ApiMetrics()) {
  const logger = deps.logger;
  const app = createFastify(deps);
  await app.register(fastifyCookie);
  await registerOpenApi(app);

  const secure = (req: { protocol: string }): boolean =>
    deps.options.secureCookies || req.protocol === 'https';
  app.addHook(
    'onRequest',
    accessHook(deps.store, () => deps.clock.nowMs(), secure as (req: FastifyRequest) => boolean),
  );

  const sync = new ControlSync(deps);
  const ctx: ApiContext = {
    deps,
    sync,
    throttle: new LoginThrottle(),
    metrics,
    hub: new LiveHub(
      () => {
        const p = livePayloads(ctx);
        return { circuits: p.circuits(), ports: p.ports() };
      },
      { clock: deps.clock },
    ),
  };
  sync.applyOverrides();
  const refused = sync.applySchedules();
  if (refused) logger?.warn(refused);

  const history = new PowerHistoryRecorder(deps.store.records, logger);
  deps.live.onRun((s) => {
    metrics.controlRun(s);
    ctx.hub.onRun();
    // Port snapshots are built only when the recorder keeps the sample (at most every 2 s), not every run.
    const nowMs = deps.clock.nowMs();
    if (history.due(nowMs)) history.sample(deps.live.site(), s, deps.live.ports(), nowMs);
  });
  deps.live.onDispatch((d) => metrics.dispatched(d.answeredAtMs - d.sentAtMs, d.result));
  const unsubscribe = deps.store.records.onEvent((e) => ctx.hub.publish('event', eventView(e)));
  metrics.setSources(metricSources(ctx));
  app.addHook('onClose', async () => {
    unsubscribe();
    ctx.hub.close();
    await history.flush();
  });

  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
  authRoutes(app, ctx, secure);
  tokenRoutes(app, ctx);
  liveStateRoutes(app, ctx);
  recordRoutes(app, ctx);
  overrideRoutes(app, ctx);
  driverNeedsRoutes(app, ctx);
  localListRoutes(app, ctx);
  demandRoutes(app, ctx);
  planRoutes(app, ctx);
  gridBatteryRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  commandRoutes(app, ctx);
  streamRoutes(app, ctx);
  upstreamRoutes(app, ctx);
  opsRoutes(app, ctx, metrics, () => app.server.listening);
  await registerDashboard(app, deps.options.webRoot);
  return app;
}

export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;

/** Builds the app and starts listening; resolves once bound. */
export async function startHttpServer(
  deps: ApiDeps,
  opts: HttpServerOptions,
  metrics?: ApiMetrics,
): Promise<HttpApp> {
  const app = await buildHttpApp(deps, metrics);
  await app.listen({ host: opts.host, port: opts.port });
  return app;
}
