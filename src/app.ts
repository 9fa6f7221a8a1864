/**
 * The composition root (README "Layout"): loads the site and wires the adapters around the core: the store,
 * the OCPP server, the Modbus meter poller, the EMS server, the control loop and the HTTP server.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ApiDeps } from './api/api-deps.ts';
import { overrideInputs, withUiSchedules } from './control/control-sync.ts';
import { startHttpServer } from './api/http-server.ts';
import type { HttpApp } from './api/http-server.ts';
import { ApiMetrics } from './api/metrics.ts';
import { startAlerts } from './alerts/alerts.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import type { TlsSection } from './config/tls-files.ts';
import { readTlsFiles } from './config/tls-files.ts';
import { ControlLoop } from './control/control-loop.ts';
import { LocalListSync } from './ocpp/local-list-sync.ts';
import { CloudProfiles } from './proxy/cloud-profiles.ts';
import { DemandCap } from './control/demand-cap.ts';
import { LivePlanner, wirePlanner } from './control/live-planner.ts';
import type { ControlOptions } from './control/control-options.ts';
import { emsSnapshot } from './ems-view.ts';
import type { EmsCommands } from './contracts/ems-commands.ts';
import {
  EmsServer,
  MeterPoller,
  ModbusBatteryCommander,
  buildEmsLayout,
  combineEmsCommands,
  emsLayoutInputOf,
  polledMeterOf,
} from './modbus/index.ts';
import { MqttBridge } from './mqtt/mqtt-bridge.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import { OcppServer } from './ocpp/ocpp-server.ts';
import { upstreamSettingsOf } from './config/upstream-section.ts';
import { CloudProxy } from './proxy/cloud-proxy.ts';
import type { UpstreamSettings } from './contracts/upstream.ts';
import { hashStationPassword, verifyStationPassword } from './ocpp/password-hash.ts';
import type { OcppStationSettings, TlsSettings } from './ocpp/ocpp-settings.ts';
import { recentSessionSetpoints } from './store/recent-setpoints.ts';
import { DEFAULT_RETENTION, scheduleRetention } from './store/retention.ts';
import type { Store } from './store/store.ts';
import { openStore } from './store/store.ts';

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

/** `upstream:` removed by a reload: no station is relayed any more. */
const NOT_RELAYED: UpstreamSettings = {
  reconnect: { initialDelayMs: 1000, maxDelayMs: 60_000 },
  stationFor: () => undefined,
  disabled: () => true,
};

/** Starts every part of Fusebox for a loaded site; on a failure, stops what already started and rethrows. */
export async function startFusebox(opts: FuseboxOptions): Promise<Fusebox> {
  const { loaded, logger } = opts;
  const { config, compiled } = loaded;
  const clock = opts.clock ?? systemClock;
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

    const stations: OcppStationSettings[] = config.stations.map((s) => ({
      stationId: s.id,
      version: s.ocppVersion,
      securityProfile: s.securityProfile ?? (s.passwordHash ? 1 : 0),
      passwordHash: s.passwordHash,
    }));
    const tls = config.ocpp.tls ? tlsSettingsOf(config.ocpp.tls, opts.configDir) : undefined;
    // With `upstream:`, Fusebox relays the stations to the operator's cloud (docs/proxy.md). The relay is
    // there without it too (it passes every call through), so that a reload can add `upstream:`.
    const upstream = upstreamSettingsOf(config, opts.configDir);
    let upstreamInForce = upstream !== undefined;
    let everRelayed = upstreamInForce;
    const proxy = new CloudProxy({
      settings: upstream ?? NOT_RELAYED,
      log: logger.child({ part: 'proxy' }),
      now: () => clock.nowMs(),
      callTimeoutMs: Math.min(10_000, config.ocpp.callTimeoutMs),
    });
    const ocpp = await OcppServer.start({
      site: loaded.site,
      stations,
      repo: store.ocpp,
      log: logger.child({ part: 'ocpp' }),
      clock,
      middleware: [proxy.middleware],
      observer: {
        onCall: (e) => metrics.ocppCall(e.direction, e.action, e.version),
        onCallError: (e) => metrics.ocppCallError(e.direction, e.action, e.code),
      },
      settings: {
        host: config.ocpp.host,
        port: opts.ports?.ocpp ?? config.ocpp.port,
        tls,
        autoRegister: config.ocpp.autoRegister,
        acceptUnknownIdTags: config.ocpp.acceptUnknownIdTags,
        heartbeatIntervalS: config.ocpp.heartbeatIntervalS,
        meterValueSampleIntervalS: config.ocpp.meterValueSampleIntervalS,
        callTimeoutMs: config.ocpp.callTimeoutMs,
        setpointExpiresAfterMs: config.ocpp.setpointExpiresAfterMs,
      },
    });
    stops.push(() => ocpp.close());
    proxy.attach(ocpp, store);
    stops.push(() => proxy.close());

    const controlOptions = {
      setpointExpiryMs: config.ocpp.setpointExpiresAfterMs,
      uncontrolledAction: config.ocpp.uncontrolledPortAction,
      ...opts.control,
    };
    // Stored dashboard schedules and overrides apply from the very first allocation (the API re-applies
    // them when it starts, but stations may already be connected by then).
    // The live demand cap (docs/control.md, "Demand cap"), when the site file has tariff.demand.
    const demandCap =
      loaded.tariff && config.tariff?.demand
        ? new DemandCap({
            tariff: loaded.tariff,
            targetKw: config.tariff.demand.targetKw,
            floorKw: config.tariff.demand.floorKw,
            store: store.demand,
            logger: logger.child({ part: 'demand' }),
            leadMs: controlOptions.carResponseMs,
          })
        : undefined;
    // Batteries the site file lets Fusebox command (docs/control.md, "Batteries"), over their meter's connection.
    const batteryCommander = new ModbusBatteryCommander(
      config.meters.flatMap((m) =>
        m.battery?.control
          ? [
              {
                batteryId: m.id,
                endpoint: { host: m.driver.host, port: m.driver.port, unitId: m.driver.unitId },
                requestTimeoutMs: m.driver.requestTimeoutMs,
                control: m.battery.control,
              },
            ]
          : [],
      ),
      () => clock.nowMs(),
    );
    stops.push(() => batteryCommander.close());
    // The live planner (docs/control.md, "The planner"), when the site file has site.allocation.planner.
    const plannerSettings = compiled.site.allocation?.planner;
    const planner: LivePlanner | undefined =
      plannerSettings &&
      new LivePlanner({
        settings: plannerSettings,
        site: (): CompiledSite => control.site(),
        ports: () => ocpp.ports(),
        tariff: loaded.tariff,
        demand: demandCap && (() => demandCap.state()),
        clock,
        logger: logger.child({ part: 'planner' }),
      });
    const control: ControlLoop = new ControlLoop({
      site: withUiSchedules(compiled, store.api.schedules.list()),
      gateway: ocpp,
      clock,
      logger: logger.child({ part: 'control' }),
      options: controlOptions,
      // Stations may still hold setpoints of the previous process: their ports count at them until replaced.
      priorSetpoints: recentSessionSetpoints(store.db, clock.nowMs() - controlOptions.setpointExpiryMs),
      demandCap,
      tariff: loaded.tariff,
      batteries: batteryCommander,
      planTargets: planner && ((nowMs) => planner.targets(nowMs)),
    });
    stops.push(() => control.stop());
    if (planner) {
      wirePlanner(planner, control);
      planner.start();
      stops.push(() => planner.stop());
    }

    const alerts = startAlerts({
      siteName: config.site.name,
      config: config.alerts,
      stationIds: config.stations.map((s) => s.id),
      stationOfPort: (portId) => loaded.site.ports.find((p) => p.id === portId)?.stationId,
      connectedStationIds: () => ocpp.connectedStationIds(),
      portsInSession: () => ocpp.portsInSession(),
      control,
      registry: metrics.registry,
      clock,
      logger: logger.child({ part: 'alerts' }),
    });
    stops.push(() => alerts.stop());

    const modbusMeters = config.meters.map((m) =>
      polledMeterOf({ id: m.id, role: m.role, timeoutMs: m.timeoutMs, driver: m.driver }),
    );
    let meters: MeterPoller | null = null;
    if (modbusMeters.length > 0) {
      const poller = new MeterPoller(modbusMeters, { logger: logger.child({ part: 'modbus' }), clock });
      poller.on('reading', (reading) => control.onMeterReading(reading));
      poller.on('stale', (id) => control.onMeterStatus(id, true));
      poller.on('fresh', (id) => control.onMeterStatus(id, false));
      poller.start();
      stops.push(() => poller.stop());
      meters = poller;
    }

    control.setOverrides(overrideInputs(store.api.overrides.list(), clock.nowMs(), config.site.timeZone));
    // Stored cloud profiles cap the ports from the first allocation on (src/proxy/cloud-profiles.ts).
    const cloudProfiles = new CloudProfiles({
      site: loaded.site,
      ports: () => ocpp.ports(),
      logger: logger.child({ part: 'proxy' }),
      now: () => clock.nowMs(),
      store: store.cloudProfiles,
      onChange: () => control.requestRun('cloud profile'),
    });
    proxy.useCloudProfiles(cloudProfiles);
    control.setCloudCaps(cloudProfiles);
    // The local authorization list goes to the stations that keep one (on connect and on every change).
    const localList = new LocalListSync({
      gateway: ocpp,
      store: store.localList,
      log: logger.child({ part: 'ocpp' }),
      clock,
      // A relayed station's list is the cloud's (docs/proxy.md, "Local lists").
      ownedElsewhere: (stationId) => proxy.isRelayed(stationId),
    });
    localList.start();
    stops.push(() => localList.stop());
    // First decision before anything can read it (the EMS map, /healthz): fail-safe defaults and no cars.
    control.start();
    control.runNow();

    // The EMS map's commands and MQTT's are in force together: the lower of each limit (ems-commands.ts).
    const commandsBy: { ems: EmsCommands | null; mqtt: EmsCommands | null } = { ems: null, mqtt: null };
    const applyCommands = (): void => {
      const commands = combineEmsCommands(commandsBy.ems, commandsBy.mqtt);
      if (commands) control.onEmsCommands(commands);
    };

    let ems: EmsServer | null = null;
    if (config.ems?.enabled) {
      const portsInOrder = loaded.site.ports.map((p) => ({ id: p.id }));
      const server = await EmsServer.start({
        config: opts.ports?.ems !== undefined ? { ...config.ems, port: opts.ports.ems } : config.ems,
        layout: buildEmsLayout(emsLayoutInputOf(config.circuits, portsInOrder)),
        // The site in force (a SIGHUP reload changes its circuits and limits), not the one Fusebox started with.
        snapshot: () => emsSnapshot(control.site(), control.snapshot(), ocpp.ports()),
        logger: logger.child({ part: 'ems' }),
        clock,
      });
      server.on('commands', (commands) => {
        commandsBy.ems = commands;
        applyCommands();
      });
      commandsBy.ems = server.commands();
      applyCommands();
      stops.push(() => server.close());
      ems = server;
    }

    let mqtt: MqttBridge | null = null;
    if (config.mqtt?.enabled) {
      const bridge = startMqtt(config.mqtt, opts, control, ocpp, store, logger, (commands) => {
        commandsBy.mqtt = commands;
        applyCommands();
      });
      stops.push(() => bridge.close());
      mqtt = bridge;
    }

    let baseSite = compiled;
    const deps: ApiDeps = {
      config,
      baseSite: () => baseSite,
      store: store.api,
      live: {
        snapshot: () => control.snapshot(),
        onRun: (fn) => control.onRun(fn),
        onDispatch: (fn) => control.dispatcher.onRecord(fn),
        ports: () => ocpp.ports(),
        connectedStationIds: () => ocpp.connectedStationIds(),
        site: (): CompiledSite => control.site(),
        setOverrides: (o) => control.setOverrides(o),
        reconfigure: (site) => control.reconfigure(site),
        setGridState: (state) => control.setGridState(state),
        gridStateInput: () => control.gridStateInput(),
        runNow: () => control.runNow(),
      },
      planner,
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
      options: {
        secureCookies: config.http.secureCookies,
        metricsToken: config.http.metricsToken,
        trustProxy: config.http.trustProxy,
        demo: opts.demo ? DEMO_ACCOUNT : null,
        webRoot: opts.webRoot ?? WEB_ROOT,
      },
      logger: logger.child({ part: 'http' }),
      clock,
      upstream: {
        statuses: () => (everRelayed ? proxy.statuses(config.stations.map((s) => s.id)) : []),
        relaying: () => upstreamInForce,
      },
      readiness: () => ({
        store: store.db.open && store.writeProblem() === null,
        storeProblem: store.writeProblem(),
        ocpp: ocpp.listenPort > 0,
      }),
      onLocalListChange: () => localList.changed(),
    };
    const http = await startHttpServer(
      deps,
      {
        host: config.http.host,
        port: opts.ports?.http ?? config.http.port,
      },
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
      reconfigure(site) {
        const refused = control.reconfigure(withUiSchedules(site, store.api.schedules.list()));
        if (refused === null) {
          baseSite = site;
          const changed = ems?.circuitChanges(site.circuits.map((c) => c.id));
          if (changed && (changed.added.length > 0 || changed.removed.length > 0))
            logger.warn(
              { added: changed.added, removed: changed.removed },
              'EMS map: circuits changed; the map keeps its numbering until a restart (removed circuits read "not available", added ones appear after a restart)',
            );
        }
        return refused;
      },
      reconfigureUpstream(settings) {
        upstreamInForce = settings !== undefined;
        everRelayed ||= upstreamInForce;
        proxy.reconfigure(settings ?? NOT_RELAYED);
        return null;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Connects to the MQTT broker (docs/integrations.md) in the background; never waits for it. */
function startMqtt(
  mqttConfig: NonNullable<LoadedSiteConfig['config']['mqtt']>,
  opts: FuseboxOptions,
  control: ControlLoop,
  ocpp: OcppServer,
  store: Store,
  logger: Logger,
  onCommands: (commands: EmsCommands) => void,
): MqttBridge {
  return new MqttBridge({
    mqtt: mqttConfig,
    config: opts.loaded.config,
    configDir: opts.configDir,
    live: {
      site: () => control.site(),
      snapshot: () => control.snapshot(),
      onRun: (fn) => control.onRun(fn),
      ports: () => ocpp.ports(),
      openSessions: () => store.api.records.sessions({ active: true, limit: 10_000, offset: 0 }).items,
      onEvent: (fn) => store.api.records.onEvent(fn),
    },
    onCommands,
    logger: logger.child({ part: 'mqtt' }),
    clock: opts.clock,
  });
}

/** The TLS material of `ocpp.tls`; throws naming every file at fault (they changed since the site was checked). */
export function tlsSettingsOf(section: TlsSection, configDir: string): TlsSettings {
  const files = readTlsFiles(section, configDir);
  if (!files.ok) throw new Error(files.problems.map((p) => `ocpp.tls.${p.key}: ${p.message}`).join('; '));
  return files.tls;
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
