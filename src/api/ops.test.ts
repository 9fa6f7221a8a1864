/** Health, readiness, metrics, the OpenAPI document, Swagger UI and the dashboard's static files. */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- assertions read JSON bodies */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TEST_SITE, startApiFixture, useApiFixture } from './testing/api-fixture.ts';

const { f } = useApiFixture({ login: [] });

describe('health and readiness', () => {
  it('/healthz is 200 once the control loop ran; /readyz lists nothing missing', async () => {
    const h = await f.call('GET', '/healthz');
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('ok');
    expect(Date.parse(h.body.lastRunAt)).toBeGreaterThan(Date.now() - 30_000);
    const r = await f.call('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ready: true, missing: [] });
  });
});

describe('/metrics', () => {
  it('is Prometheus text with per-circuit gauges, sessions, runs and allocation time', async () => {
    const r = await f.call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toMatch(/^fusebox_circuit_limit_amperes\{circuit="left",phase="L1"\} 32$/m);
    expect(r.text).toMatch(/^fusebox_circuit_load_amperes\{circuit="main",phase="L3"\} \d/m);
    expect(r.text).toMatch(/^fusebox_circuit_capacity_amperes\{circuit="right",phase="L2"\} \d/m);
    expect(r.text).toMatch(/^fusebox_ports_charging \d+$/m);
    expect(r.text).toMatch(/^fusebox_sessions_active 0$/m);
    expect(r.text).toMatch(/^fusebox_sessions_stored 0$/m);
    // Retention never deletes sessions (src/store/retention.ts): the help must not say it does.
    expect(r.text).toMatch(
      /^# HELP fusebox_sessions_stored Sessions in the store, in progress and ended \(retention keeps every session\)$/m,
    );
    // Fusebox's gauges are not named *_total (Prometheus keeps that for counters; prom-client's own
    // nodejs_active_handles_total predates the rule).
    expect(r.text).not.toMatch(/^# TYPE fusebox_\w+_total gauge$/m);
    // Node's process metrics, for memory and event-loop watching.
    expect(r.text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
    expect(r.text).toMatch(/^nodejs_eventloop_lag_max_seconds \d/m);
    expect(r.text).toMatch(/^fusebox_control_runs_total [1-9]\d*$/m);
    expect(r.text).toMatch(/^fusebox_allocation_seconds_count [1-9]\d*$/m);
    expect(r.text).toContain('# TYPE fusebox_dispatch_latency_seconds histogram');
  });

  it('counts every OCPP CALL in and out by action and version, and the CALLERRORs Fusebox sends', async () => {
    const count = (text: string, name: string, labels: string): number =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = (await f.call('GET', '/metrics')).text;
    const station = await f.station('st-2');
    await station.heartbeat();
    await station.heartbeat();
    // Frames the library answers by itself, without a handler: an unknown action, a schema violation.
    station.sendRaw('[2,"bad-1","NoSuchAction",{}]');
    station.sendRaw('[2,"bad-2","Heartbeat",{"unexpected":1}]');
    await vi.waitFor(
      async () => {
        const t = (await f.call('GET', '/metrics')).text;
        expect(
          count(t, 'fusebox_ocpp_call_errors_total', 'direction="out",action="Heartbeat",code="[A-Za-z]+"'),
        ).toBe(1);
      },
      { timeout: 5000 },
    );
    const r = (await f.call('GET', '/metrics')).text;
    const inCall = (action: string): string => `direction="in",action="${action}",version="2.0.1"`;
    expect(count(r, 'fusebox_ocpp_messages_total', inCall('BootNotification'))).toBe(1);
    expect(
      count(r, 'fusebox_ocpp_messages_total', inCall('Heartbeat')) -
        count(before, 'fusebox_ocpp_messages_total', inCall('Heartbeat')),
    ).toBe(3);
    expect(count(r, 'fusebox_ocpp_messages_total', inCall('NoSuchAction'))).toBe(1);
    expect(r).toMatch(
      /^fusebox_ocpp_call_errors_total\{direction="out",action="NoSuchAction",code="NotImplemented"\} 1$/m,
    );
    // Fusebox's own CALLs at set-up (fail-safe default profile), not only the API's commands.
    expect(r).toMatch(
      /^fusebox_ocpp_messages_total\{direction="out",action="SetChargingProfile",version="2\.0\.1"\} [1-9]/m,
    );
  });

  it('feeds the allocation time from every control run and the dispatch latency from the setpoints', async () => {
    const station = await f.station('st-1', 2);
    await station.plugIn(1, { maxCurrentA: 16, phases: 3 });
    await station.start(1, 'TAG-METRICS');
    await vi.waitFor(
      async () => {
        const t = (await f.call('GET', '/metrics')).text;
        expect(t).toMatch(/^fusebox_dispatch_latency_seconds_count\{result="accepted"\} [1-9]/m);
      },
      { timeout: 5000 },
    );
    const t = (await f.call('GET', '/metrics')).text;
    const runs = Number(/^fusebox_control_runs_total (\d+)$/m.exec(t)?.[1]);
    expect(runs).toBeGreaterThan(0);
    expect(Number(/^fusebox_allocation_seconds_count (\d+)$/m.exec(t)?.[1])).toBe(runs);
    expect(Number(/^fusebox_allocation_seconds_sum (\S+)$/m.exec(t)?.[1])).toBeGreaterThan(0);
    expect(
      Number(/^fusebox_dispatch_latency_seconds_sum\{result="accepted"\} (\S+)$/m.exec(t)?.[1]),
    ).toBeLessThan(30);
    await station.stop(1);
  });

  it('needs the bearer token when http.metricsToken is set', async () => {
    const g = await startApiFixture({
      yaml: TEST_SITE.replace(
        'http: { host: 127.0.0.1 }',
        'http: { host: 127.0.0.1, metricsToken: metrics-secret-123456 }',
      ),
    });
    try {
      expect((await g.call('GET', '/metrics')).status).toBe(401);
      expect((await g.call('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      const ok = await g.call('GET', '/metrics', {
        headers: { authorization: 'Bearer metrics-secret-123456' },
      });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('fusebox_circuit_limit_amperes');
    } finally {
      await g.stop();
    }
  });
});

describe('OpenAPI', () => {
  it('/api/v1/openapi.json is generated from the route schemas and lists every route', async () => {
    const r = await f.call('GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(r.body.paths);
    for (const p of [
      '/api/v1/auth/login',
      '/api/v1/auth/logout',
      '/api/v1/auth/me',
      '/api/v1/auth/config',
      '/api/v1/site',
      '/api/v1/circuits',
      '/api/v1/ports',
      '/api/v1/ports/{id}',
      '/api/v1/stations',
      '/api/v1/allocation',
      '/api/v1/sessions',
      '/api/v1/sessions.csv',
      '/api/v1/history',
      '/api/v1/events',
      '/api/v1/overrides',
      '/api/v1/overrides/{id}',
      '/api/v1/schedules',
      '/api/v1/schedules/{id}',
      '/api/v1/stations/{id}/commands',
      '/api/v1/tokens',
      '/api/v1/tokens/{id}',
      '/api/v1/stream',
      '/healthz',
      '/readyz',
      '/metrics',
    ])
      expect(paths, p).toContain(p);
    // Request schemas come from zod: the override body names its fields.
    const body = r.body.paths['/api/v1/overrides'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['circuitId', 'limitA', 'until']));
    expect(body.required).toEqual(expect.arrayContaining(['circuitId', 'until']));
  });

  it('Swagger UI is served at /api/docs', async () => {
    const r = await fetch(`${f.url}/api/docs`, { redirect: 'follow' });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/swagger/i);
  });
});

describe('the dashboard', () => {
  it('says how to build it when dist/web is missing', async () => {
    const r = await f.call('GET', '/');
    expect(r.status).toBe(200);
    expect(r.text).toContain('run npm run build:web');
    expect((await f.call('GET', '/api/v1/nothing-here')).status).toBe(401); // routes are not revealed
    const alice = await f.login('alice');
    expect((await f.call('GET', '/api/v1/nothing-here', { headers: alice })).status).toBe(404);
  });

  it('serves the build, with index.html for client-side routes and JSON 404s for the API', async () => {
    const web = join(f.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Fusebox</title><div id="app"></div>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log("fusebox")');
    const g = await startApiFixture({ webRoot: web });
    try {
      const index = await g.call('GET', '/');
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.text).toContain('<title>Fusebox</title>');
      const js = await g.call('GET', '/assets/app.js');
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect(js.text).toContain('fusebox');
      const route = await g.call('GET', '/ports/st-1');
      expect(route.status).toBe(200);
      expect(route.text).toContain('<title>Fusebox</title>');
      const api = await g.call('GET', '/api/v1/nothing-here', { headers: await g.login('victor') });
      expect(api.status).toBe(404);
      expect(api.body.error).toBe('not_found');
      expect((await g.call('GET', '/assets/missing.js')).status).toBe(404); // a missing file, not a route
    } finally {
      await g.stop();
    }
  });
});
