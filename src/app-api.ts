/** The composition root's view for the HTTP API (app.ts): what the API reads and may change, wired to the parts. */
import type { Logger } from 'pino';
import type { ApiDeps } from './api/api-deps.ts';
import { startHttpServer } from './api/http-server.ts';
import type { HttpApp } from './api/http-server.ts';
import type { ApiMetrics } from './api/metrics.ts';
import type { FuseboxOptions } from './app.ts';
import { DEMO_ACCOUNT, WEB_ROOT } from './app.ts';
import type { Clock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import type { ControlLoop } from './control/control-loop.ts';
import type { DemandCap } from './control/demand-cap.ts';
import type { LivePlanner } from './control/live-planner.ts';
import type { DriverNeedsBook } from './control/driver-needs.ts';
import type { StationGateway } from './contracts/station-gateway.ts';
import type { RelayState } from './app-ocpp.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import type { LocalListSync } from './ocpp/local-list-sync.ts';
import type { OcppServer } from './ocpp/ocpp-server.ts';
import { hashStationPassword, verifyStationPassword } from './ocpp/password-hash.ts';
import type { CloudProxy } from './proxy/cloud-proxy.ts';
import type { Store } from './store/store.ts';

export interface ApiWiring {
  readonly loaded: LoadedSiteConfig;
  /** The site file's site in force (a SIGHUP reload replaces it), before dashboard schedules. */
  readonly baseSite: () => CompiledSite;
  readonly store: Store;
  readonly control: ControlLoop;
  readonly demandCap: DemandCap | undefined;
  readonly ocpp: OcppServer;
  readonly planner: LivePlanner | undefined;
  readonly driverNeeds: DriverNeedsBook;
  /** The OCPP server's ports with drivers' needs (app-control.ts). */
  readonly gateway: StationGateway;
  readonly proxy: CloudProxy;
  readonly relay: RelayState;
  readonly localList: LocalListSync;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Starts the HTTP API on the site file's (or the test's) address; the caller closes it. */
export async function startApi(w: ApiWiring, opts: FuseboxOptions, metrics: ApiMetrics): Promise<HttpApp> {
  const { config } = w.loaded;
  const options: ApiDeps['options'] = {
    secureCookies: config.http.secureCookies,
    metricsToken: config.http.metricsToken,
    trustProxy: config.http.trustProxy,
    demo: opts.demo ? DEMO_ACCOUNT : null,
    webRoot: opts.webRoot ?? WEB_ROOT,
  };
  return startHttpServer(
    apiDepsOf(w, options),
    { host: config.http.host, port: opts.ports?.http ?? config.http.port },
    metrics,
  );
}

function apiDepsOf(w: ApiWiring, options: ApiDeps['options']): ApiDeps {
  const { control, demandCap, ocpp, proxy, relay, store, clock } = w;
  const { config } = w.loaded;
  return {
    config,
    baseSite: w.baseSite,
    store: store.api,
    live: {
      snapshot: () => control.snapshot(),
      onRun: (fn) => control.onRun(fn),
      onDispatch: (fn) => control.dispatcher.onRecord(fn),
      ports: () => w.gateway.ports(),
      connectedStationIds: () => ocpp.connectedStationIds(),
      site: (): CompiledSite => control.site(),
      setOverrides: (o) => control.setOverrides(o),
      reconfigure: (site) => control.reconfigure(site),
      setGridState: (state) => control.setGridState(state),
      gridStateInput: () => control.gridStateInput(),
      runNow: () => control.runNow(),
    },
    planner: w.planner,
    driverNeeds: {
      set: (portId, input, by) => w.driverNeeds.setOnPort(w.gateway, portId, input, by, clock.nowMs()),
    },
    demand: demandCap && {
      state: () => demandCap.state(),
      async pin(targetKw, by) {
        await demandCap.pin(targetKw, by, clock.nowMs());
        control.runNow();
      },
    },
    commands: ocpp.commands,
    hashPassword: (pw) => hashStationPassword(pw),
    verifyPassword: (pw, hash) => verifyStationPassword(Buffer.from(pw, 'utf8'), hash),
    options,
    logger: w.logger.child({ part: 'http' }),
    clock,
    upstream: {
      statuses: () => (relay.everRelayed ? proxy.statuses(config.stations.map((s) => s.id)) : []),
      relaying: () => relay.inForce,
    },
    readiness: () => ({
      store: store.db.open && store.writeProblem() === null,
      storeProblem: store.writeProblem(),
      ocpp: ocpp.listenPort > 0,
    }),
    onLocalListChange: () => w.localList.changed(),
  };
}
