/** Live reads: site, circuits, ports, one port, stations, allocation. */
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../api-context.ts';
import { iso } from '../api-context.ts';
import { notFound } from '../api-error.ts';
import { sitePowers } from '../power-history-recorder.ts';
import * as R from '../response-schemas.ts';
import { circuitsView } from '../views/circuits-view.ts';
import { allocationView, portsView } from '../views/ports-view.ts';
import { stayOrigins } from '../views/session-needs-view.ts';
import { siteView } from '../views/site-view.ts';

const tags = ['live'];
const viewerErrors = R.errors(401);
const r2 = (x: number | null): number | null =>
  x === null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100;

/** The circuits and ports payloads (GET routes and the live stream share them). */
export function livePayloads(ctx: ApiContext) {
  const { deps, sync } = ctx;
  const names = new Map(deps.config.circuits.map((c) => [c.id, c.name ?? c.id]));
  const stays = stayOrigins(deps.config);
  return {
    circuits: () => {
      const site = deps.live.site();
      const snap = deps.live.snapshot();
      const ports = deps.live.ports();
      const nowMs = deps.clock.nowMs();
      const view = circuitsView(site, snap, ports, sync.overrides(), nowMs, names);
      // Site power now, as the history's site series (grid import, PV production, battery charging +).
      const p = snap ? sitePowers(site, snap, ports, nowMs) : null;
      const flows = {
        atMs: view.atMs,
        gridKw: r2(p?.grid ?? null),
        pvKw: r2(p?.pv ?? null),
        batteryKw: r2(p?.battery ?? null),
        evKw: r2(p?.ev ?? null),
        otherKw: r2(p?.other ?? null),
      };
      return { ...view, flows };
    },
    ports: () =>
      portsView(
        deps.live.site(),
        deps.live.snapshot(),
        deps.live.ports(),
        deps.store.records.sessions({ active: true, limit: 100_000, offset: 0 }).items,
        deps.clock.nowMs(),
        stays,
      ),
  };
}

/** The site as its file describes it, with the circuits that have an enabled schedule. */
function siteAnswer({ deps }: ApiContext) {
  const scheduled = new Set(
    deps.store.schedules
      .list()
      .filter((s) => s.enabled)
      .map((s) => s.circuitId),
  );
  return siteView(deps.config, deps.baseSite(), scheduled);
}

/** The configured stations with what they last reported and whether they are connected now. */
function stationsAnswer({ deps }: ApiContext) {
  const stored = new Map(deps.store.records.stations().map((s) => [s.stationId, s]));
  const connected = new Set(deps.live.connectedStationIds());
  const livePorts = deps.live.ports();
  return {
    stations: deps.config.stations.map((s) => {
      const row = stored.get(s.id);
      return {
        id: s.id,
        connected: connected.has(s.id) && livePorts.some((p) => p.stationId === s.id && p.connected),
        ocppVersion: row?.ocppVersion ?? s.ocppVersion,
        vendor: row?.vendor ?? null,
        model: row?.model ?? null,
        firmwareVersion: row?.firmwareVersion ?? null,
        lastSeenAt: row?.lastSeenMs == null ? null : iso(row.lastSeenMs),
        portIds: deps
          .baseSite()
          .ports.filter((p) => p.stationId === s.id)
          .map((p) => p.id),
      };
    }),
  };
}

export function liveStateRoutes(app: ZodApp, ctx: ApiContext): void {
  const { deps } = ctx;
  const payloads = livePayloads(ctx);
  app.get(
    '/api/v1/site',
    {
      schema: {
        tags,
        summary: 'The site as its file describes it',
        response: { 200: R.site, ...viewerErrors },
      },
    },
    () => siteAnswer(ctx),
  );
  app.get(
    '/api/v1/circuits',
    {
      schema: {
        tags,
        summary: 'Per circuit and phase: load, limits, headroom; the site power flows now',
        response: { 200: R.circuits, ...viewerErrors },
      },
    },
    () => payloads.circuits(),
  );
  app.get(
    '/api/v1/ports',
    {
      schema: {
        tags,
        summary: 'Every port: state, current, limit and why',
        response: { 200: R.ports, ...viewerErrors },
      },
    },
    () => payloads.ports(),
  );
  app.get(
    '/api/v1/ports/:id',
    {
      schema: {
        tags,
        summary: 'One port (its id URL-encoded: office-a1%2F1)',
        params: z.object({ id: z.string().min(1) }),
        response: { 200: R.portLive, ...R.errors(401, 404) },
      },
    },
    (req) => {
      const port = payloads.ports().ports.find((p) => p.id === req.params.id);
      if (!port) throw notFound(`no port '${req.params.id}'`);
      return port;
    },
  );
  app.get(
    '/api/v1/stations',
    {
      schema: {
        tags,
        summary: 'Stations and their connection',
        response: { 200: R.stations, ...viewerErrors },
      },
    },
    () => stationsAnswer(ctx),
  );
  app.get(
    '/api/v1/allocation',
    {
      schema: {
        tags,
        summary: 'The latest allocation with the reason per port',
        response: { 200: R.allocation, ...viewerErrors },
      },
    },
    () => allocationView(deps.live.snapshot(), deps.clock.nowMs(), deps.live.site()),
  );
}
