/**
 * The composition root (README "Layout"): loads the site and wires the adapters around the core: the store,
 * the OCPP server, the Modbus meter poller, the EMS server, the control loop and the HTTP server.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { overrideInputs, withUiSchedules } from './control/control-sync.ts';
import type { HttpApp } from './api/http-server.ts';
import { ApiMetrics } from './api/metrics.ts';
import { startApi } from './app-api.ts';
import { buildControl, startPlanner, startSiteAlerts } from './app-control.ts';
import type { InputWiring } from './app-inputs.ts';
import { startCommandInputs, startMeters } from './app-inputs.ts';
import type { RelayState } from './app-ocpp.ts';
import { NOT_RELAYED, startOcpp, startStationServices } from './app-ocpp.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import type { ControlLoop } from './control/control-loop.ts';
import type { CloudProfiles } from './proxy/cloud-profiles.ts';
import type { CloudProxy } from './proxy/cloud-proxy.ts';
import type { ControlOptions } from './control/control-options.ts';
import type { EmsServer, MeterPoller } from './modbus/index.ts';
import type { MqttBridge } from './mqtt/mqtt-bridge.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import type { OcppServer } from './ocpp/ocpp-server.ts';
import type { UpstreamSettings } from './contracts/upstream.ts';
import { hashStationPassword } from './ocpp/password-hash.ts';
import { DEFAULT_RETENTION, scheduleRetention } from './store/retention.ts';
import type { Store } from './store/store.ts';
import { openStore } from './store/store.ts';

export { tlsSettingsOf } from './app-ocpp.ts';

/** The demo's operator account (`npm start` without --config); the login page shows it. */
export const DEMO_ACCOUNT = { username: 'demo', password: 'demo' } as const;

/** Where Vite builds the dashboard (npm run build:web). */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url));

/** The demo site `npm start` runs when no configuration is given. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../examples/demo.yaml', import.meta.url));

export interface FuseboxOptions {
  readonly loaded: LoadedSiteConfig;
  /** Directory the site file is in: relative TLS file paths are resolved from it. */
  readonly configDir: string;
  readonly logger: Logger;
  readonly clock?: Clock | undefined;
  /** Overrides of the listening ports (tests use 0); undefined keeps the configuration's. */
  readonly ports?: { readonly ocpp?: number; readonly http?: number; readonly ems?: number } | undefined;
  /** Overrides the store path (tests). */
  readonly storePath?: string | undefined;
  readonly control?: Partial<ControlOptions> | undefined;
  /** The demo: seeds the operator account demo/demo and shows it on the login page. */
  readonly demo?: boolean | undefined;
  /** Where the built dashboard is (default dist/web). */
  readonly webRoot?: string | undefined;
}

/** A running Fusebox. */
export interface Fusebox {
  readonly control: ControlLoop;
  readonly ocpp: OcppServer;
  /** The cloud's charging profiles, as caps in the allocation (the OCPP relay hands them over here). */
  readonly cloudProfiles: CloudProfiles;
  readonly store: Store;
  readonly http: HttpApp;
  readonly ems: EmsServer | null;
  readonly meters: MeterPoller | null;
  /** The MQTT connection (site file `mqtt`), or null. */
  readonly mqtt: MqttBridge | null;
  /** Addresses actually bound. */
  readonly endpoints: {
    readonly ocppPort: number;
    readonly httpPort: number;
    readonly emsPort: number | null;
  };
  /**
   * A changed site file (SIGHUP): applied to the control loop with the dashboard's schedules merged in.
   * Returns why it cannot be applied without a restart, or null.
   */
  reconfigure(site: CompiledSite): string | null;
  /**
   * A changed `upstream:` (SIGHUP): applied to the cloud relay (docs/proxy.md), added or removed included.
   * Returns why it needs a restart, or null (always null now: kept for the reload's caller).
   */
  reconfigureUpstream(settings: UpstreamSettings | undefined): string | null;
  /** Stops everything, newest first; resolves when the store is closed. */
  stop(): Promise<void>;
}

/** Starts every part of Fusebox for a loaded site; on a failure, stops what already started and rethrows. */
export async function startFusebox(opts: FuseboxOptions): Promise<Fusebox> {
  const { loaded, logger } = opts;
  const { config, compiled } = loaded;
  const clock = opts.clock ?? systemClock;
  const { stops, stopAll } = stopList(logger);
  try {
    const store = openStore(opts.storePath ?? config.store.path, { clock });
    stops.push(() => store.close());
    await ensureAccounts(store, opts.demo === true, logger, opts.storePath ?? config.store.path);
    const metrics = new ApiMetrics();
    const retention = scheduleRetention(store.writer, DEFAULT_RETENTION, {
      clock,
      onError: (err) => logger.error({ err }, 'retention failed'),
    });
    stops.push(() => retention.stop());

    const { ocpp, proxy, relay } = await startOcpp(
      loaded,
      opts.configDir,
      opts.ports?.ocpp,
      { store, metrics },
      clock,
      logger,
    );
    stops.push(() => ocpp.close());
    proxy.attach(ocpp, store);
    stops.push(() => proxy.close());

    const controlParts = buildControl(loaded, ocpp, store, opts.control, clock, logger);
    const { control } = controlParts;
    stops.push(() => controlParts.batteryCommander.close());
    stops.push(() => control.stop());
    stops.push(startPlanner(controlParts.planner, control));

    const alerts = startSiteAlerts(loaded, { ocpp, control, metrics }, clock, logger);
    stops.push(() => alerts.stop());

    const wiring: InputWiring = {
      opts,
      control,
      ocpp,
      gateway: controlParts.gateway,
      store,
      clock,
      logger,
      onStop: (stop) => stops.push(stop),
    };
    const meters = startMeters(wiring);

    // Stored overrides apply from the very first allocation.
    control.setOverrides(overrideInputs(store.api.overrides.list(), clock.nowMs(), config.site.timeZone));
    const { cloudProfiles, localList } = startStationServices(
      loaded,
      { ocpp, proxy, control, store },
      clock,
      logger,
    );
    stops.push(() => localList.stop());
    // First decision before anything can read it (the EMS map, /healthz): fail-safe defaults and no cars.
    control.start();
    control.runNow();

    const { ems, mqtt } = await startCommandInputs(wiring);

    const base = { site: compiled };
    const http = await startApi(
      {
        loaded,
        baseSite: () => base.site,
        store,
        ...controlParts,
        ocpp,
        proxy,
        relay,
        localList,
        clock,
        logger,
      },
      opts,
      metrics,
    );
    stops.push(() => http.close());

    const httpAddress = http.server.address();
    return {
      control,
      ocpp,
      cloudProfiles,
      store,
      http,
      ems,
      meters,
      mqtt,
      endpoints: {
        ocppPort: ocpp.listenPort,
        httpPort: typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.http.port,
        emsPort: ems?.port ?? null,
      },
      reconfigure: (site) => applySite(site, { base, control, store, ems, logger }),
      reconfigureUpstream: (settings) => applyUpstream(proxy, relay, settings),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** What to stop, pushed as each part starts; `stopAll` stops them newest first, logging a stop that fails. */
function stopList(logger: Logger): {
  readonly stops: (() => Promise<void> | void)[];
  readonly stopAll: () => Promise<void>;
} {
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.error({ err }, 'error while stopping');
      }
    }
    stops.length = 0;
  };
  return { stops, stopAll };
}

/** A changed site file (Fusebox.reconfigure): why it cannot be applied without a restart, or null. */
function applySite(
  site: CompiledSite,
  parts: {
    readonly base: { site: CompiledSite };
    readonly control: ControlLoop;
    readonly store: Store;
    readonly ems: EmsServer | null;
    readonly logger: Logger;
  },
): string | null {
  const { control, store, ems, logger } = parts;
  const refused = control.reconfigure(withUiSchedules(site, store.api.schedules.list()));
  if (refused === null) {
    parts.base.site = site;
    const changed = ems?.circuitChanges(site.circuits.map((c) => c.id));
    if (changed && (changed.added.length > 0 || changed.removed.length > 0))
      logger.warn(
        { added: changed.added, removed: changed.removed },
        'EMS map: circuits changed; the map keeps its numbering until a restart (removed circuits read "not available", added ones appear after a restart)',
      );
  }
  return refused;
}

/** A changed `upstream:` (Fusebox.reconfigureUpstream), added or removed included: applied, so null. */
function applyUpstream(
  proxy: CloudProxy,
  relay: RelayState,
  settings: UpstreamSettings | undefined,
): string | null {
  relay.inForce = settings !== undefined;
  relay.everRelayed ||= relay.inForce;
  proxy.reconfigure(settings ?? NOT_RELAYED);
  return null;
}

/** Directory of a site file, for resolving the relative paths in it. */
export function configDirOf(path: string): string {
  return dirname(resolve(path));
}

/**
 * The demo gets its demo/demo operator; a real site with no account yet gets told, in the log, how to
 * create the first one (every API route answers 401 until then).
 */
async function ensureAccounts(store: Store, demo: boolean, logger: Logger, storePath: string): Promise<void> {
  const accounts = store.api.accounts;
  if (demo) {
    if (!accounts.find(DEMO_ACCOUNT.username))
      await accounts.add(DEMO_ACCOUNT.username, await hashStationPassword(DEMO_ACCOUNT.password), 'operator');
    logger.warn(
      `demo: log in to the dashboard as '${DEMO_ACCOUNT.username}' with password '${DEMO_ACCOUNT.password}' (operator); never use the demo on a real site`,
    );
    return;
  }
  if (accounts.count() === 0)
    logger.warn(
      `no dashboard account yet: the API answers 401 until you create one with \`npx fusebox user add NAME --role operator --config <site.yaml>\` (it asks for the password on stdin; store: ${storePath})`,
    );
}
