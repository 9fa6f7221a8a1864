/**
 * The composition root (DESIGN.md §3): loads the site and wires the adapters around the core: the store,
 * the OCPP server, the Modbus meter poller, the EMS server, the control loop and the HTTP server.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startHttpServer } from './api/http-server.ts';
import type { HttpApp } from './api/http-server.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import { ControlLoop } from './control/control-loop.ts';
import type { ControlOptions } from './control/control-options.ts';
import { emsSnapshot } from './ems-view.ts';
import { EmsServer, MeterPoller, buildEmsLayout, emsLayoutInputOf, polledMeterOf } from './modbus/index.ts';
import { OcppServer } from './ocpp/ocpp-server.ts';
import type { OcppStationSettings } from './ocpp/ocpp-settings.ts';
import { DEFAULT_RETENTION, scheduleRetention } from './store/retention.ts';
import type { Store } from './store/store.ts';
import { openStore } from './store/store.ts';
import { stateView } from './state-view.ts';

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
}

/** A running Fusebox. */
export interface Fusebox {
  readonly control: ControlLoop;
  readonly ocpp: OcppServer;
  readonly store: Store;
  readonly http: HttpApp;
  readonly ems: EmsServer | null;
  readonly meters: MeterPoller | null;
  /** Addresses actually bound. */
  readonly endpoints: {
    readonly ocppPort: number;
    readonly httpPort: number;
    readonly emsPort: number | null;
  };
  /** Stops everything, newest first; resolves when the store is closed. */
  stop(): Promise<void>;
}

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
    const store = openStore(opts.storePath ?? config.store.path);
    stops.push(() => store.close());
    const retention = scheduleRetention(store.writer, DEFAULT_RETENTION, {
      onError: (err) => logger.error({ err }, 'retention failed'),
    });
    stops.push(() => retention.stop());

    const stations: OcppStationSettings[] = config.stations.map((s) => ({
      stationId: s.id,
      version: s.ocppVersion,
      securityProfile: s.securityProfile ?? (s.passwordHash ? 1 : 0),
      passwordHash: s.passwordHash,
    }));
    const tls = config.ocpp.tls
      ? {
          key: readFileSync(resolve(opts.configDir, config.ocpp.tls.keyFile)),
          cert: readFileSync(resolve(opts.configDir, config.ocpp.tls.certFile)),
          ca: config.ocpp.tls.caFile
            ? readFileSync(resolve(opts.configDir, config.ocpp.tls.caFile))
            : undefined,
        }
      : undefined;
    const ocpp = await OcppServer.start({
      site: loaded.site,
      stations,
      repo: store.ocpp,
      log: logger.child({ part: 'ocpp' }),
      now: () => clock.nowMs(),
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

    const control = new ControlLoop({
      site: compiled,
      gateway: ocpp,
      clock,
      logger: logger.child({ part: 'control' }),
      options: { setpointExpiryMs: config.ocpp.setpointExpiresAfterMs, ...opts.control },
    });
    stops.push(() => control.stop());

    const modbusMeters = config.meters.flatMap((m) =>
      m.driver.type === 'modbus'
        ? [polledMeterOf({ id: m.id, role: m.role, timeoutMs: m.timeoutMs, driver: m.driver })]
        : [],
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

    // First decision before anything can read it (the EMS map, /healthz): fail-safe defaults and no cars.
    control.start();
    control.runNow();

    let ems: EmsServer | null = null;
    if (config.ems?.enabled) {
      const portsInOrder = loaded.site.ports.map((p) => ({ id: p.id }));
      const server = await EmsServer.start({
        config: opts.ports?.ems !== undefined ? { ...config.ems, port: opts.ports.ems } : config.ems,
        layout: buildEmsLayout(emsLayoutInputOf(config.circuits, portsInOrder)),
        snapshot: () => emsSnapshot(compiled, control.snapshot(), ocpp.ports()),
        logger: logger.child({ part: 'ems' }),
        clock,
      });
      server.on('commands', (commands) => control.onEmsCommands(commands));
      control.onEmsCommands(server.commands());
      stops.push(() => server.close());
      ems = server;
    }

    const http = await startHttpServer({
      host: config.http.host,
      port: opts.ports?.http ?? config.http.port,
      logger: logger.child({ part: 'http' }),
      view: {
        lastRunAtMs: () => control.snapshot()?.atMs ?? null,
        state: () => stateView(compiled, control.snapshot(), ocpp.ports()),
      },
    });
    stops.push(() => http.close());

    const httpAddress = http.server.address();
    return {
      control,
      ocpp,
      store,
      http,
      ems,
      meters,
      endpoints: {
        ocppPort: ocpp.listenPort,
        httpPort: typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.http.port,
        emsPort: ems?.port ?? null,
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Directory of a site file, for resolving the relative paths in it. */
export function configDirOf(path: string): string {
  return dirname(resolve(path));
}
