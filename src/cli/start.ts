/**
 * `fusebox start`: runs Fusebox on a site file, or on the demo site with its simulated world, until
 * SIGINT/SIGTERM; prints where to look.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Fusebox } from '../app.ts';
import { DEMO_ACCOUNT, DEMO_CONFIG_PATH, configDirOf, startFusebox, tlsSettingsOf } from '../app.ts';
import type { LoadedSiteConfig } from '../config/load.ts';
import { formatProblem } from '../config/config-problem.ts';
import { loadSiteConfigFile } from '../config/load.ts';
import { upstreamSettingsOf } from '../config/upstream-section.ts';
import { describeLimitedBy } from '../core/explain.ts';
import { startDemoMeters, startDemoSite } from '../sim/demo/demo-site.ts';
import { describeMqtt } from '../mqtt/mqtt-config.ts';

export interface StartOptions {
  readonly configPath?: string | undefined;
  readonly out: (line: string) => void;
  /** 'pretty' for people (default on a terminal), 'json' for log collectors. */
  readonly logFormat?: 'pretty' | 'json' | undefined;
  readonly logLevel?: string | undefined;
  /** Demo only: how much faster than real time the building and PV profiles run. */
  readonly demoSpeed?: number | undefined;
  /**
   * Address the OCPP, HTTP and EMS listeners bind to, for any site; default: the site file's, and for the demo
   * 127.0.0.1 (its demo/demo login and password-less stations must not be reachable from the network).
   */
  readonly host?: string | undefined;
  /** The demo's site file (tests: a copy on free ports); default examples/demo.yaml. */
  readonly demoConfigPath?: string | undefined;
  /** Resolves to stop (tests); default: the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown> | undefined;
}

/** Runs until stopped; returns the exit code (2: bad configuration, 1: could not start). */
export async function runStart(opts: StartOptions): Promise<number> {
  const { out } = opts;
  const demo = opts.configPath === undefined;
  const path = opts.configPath ?? opts.demoConfigPath ?? DEMO_CONFIG_PATH;
  const loaded = loadSiteConfigFile(path, { readFiles: true });
  for (const p of loaded.problems) out(formatProblem(p));
  if (!loaded.ok) {
    out(`fusebox: ${path} has errors; nothing started. Run \`npx fusebox check ${path}\` after fixing them.`);
    return 2;
  }
  const logger = makeLogger(
    opts.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    opts.logLevel ?? 'info',
  );

  // The demo's meters answer where its configuration says the grid meter is; they start before Fusebox so
  // that its first poll finds them (no "cannot connect" warning on every demo start).
  const gridDriver = loaded.config.meters.find((m) => m.driver.type === 'modbus')?.driver;
  const demoMeterPort = gridDriver?.type === 'modbus' ? gridDriver.port : 1502;
  let demoMeters: Awaited<ReturnType<typeof startDemoMeters>> | undefined;
  if (demo) {
    try {
      demoMeters = await startDemoMeters(demoMeterPort, logger.child({ part: 'demo' }));
    } catch (err) {
      out(`fusebox: the demo's simulated meters could not start: ${explainStartError(err)}`);
      return 1;
    }
  }

  const host = opts.host ?? (demo ? '127.0.0.1' : undefined);
  let fusebox;
  try {
    fusebox = await startFusebox({
      loaded: host === undefined ? loaded : listeningOn(loaded, host),
      configDir: configDirOf(path),
      logger,
      demo,
    });
  } catch (err) {
    out(`fusebox: could not start: ${explainStartError(err)}`);
    await demoMeters?.close();
    return 1;
  }
  let demoSite: Awaited<ReturnType<typeof startDemoSite>> | null = null;
  if (demo) {
    try {
      demoSite = await startDemoSite({
        meters: demoMeters,
        site: loaded.compiled,
        versions: new Map(loaded.config.stations.map((s) => [s.id, s.ocppVersion])),
        ocppUrl: `ws://${urlHost(host ?? '127.0.0.1')}:${fusebox.endpoints.ocppPort}/ocpp`,
        meterPort: demoMeterPort,
        logger: logger.child({ part: 'demo' }),
        speed: opts.demoSpeed,
      });
    } catch (err) {
      out(`fusebox: the demo simulator could not start: ${explainStartError(err)}`);
      await fusebox.stop();
      await demoMeters?.close().catch(() => undefined);
      return 1;
    }
  }

  printWhereToLook(out, { path, loaded, demo, host, demoMeterPort, endpoints: fusebox.endpoints });

  const summary = setInterval(() => logSummary(logger, fusebox), 10_000);
  // SIGHUP re-reads the site file: new limits, margins, schedules and modes apply at once; so do the OCPP TLS
  // files (renewed or rotated certificates, a new CRL), for the connections made from then on.
  let current: LoadedSiteConfig = loaded;
  const onHangup = (): void => {
    current = reload(path, current, fusebox, logger);
  };
  process.on('SIGHUP', onHangup);
  summary.unref();
  await (opts.until ?? untilSignal());
  clearInterval(summary);
  process.off('SIGHUP', onHangup);
  out('fusebox: stopping');
  await demoSite?.stop();
  await fusebox.stop();
  return 0;
}

/** What `start` prints once running: what runs, and where the dashboard, stations, EMS, MQTT and demo are. */
function printWhereToLook(
  out: (line: string) => void,
  where: {
    readonly path: string;
    readonly loaded: LoadedSiteConfig;
    readonly demo: boolean;
    readonly host: string | undefined;
    readonly demoMeterPort: number;
    readonly endpoints: Fusebox['endpoints'];
  },
): void {
  const { path, loaded, demo, host, demoMeterPort } = where;
  const { ocppPort, httpPort, emsPort } = where.endpoints;
  const ocppHost = urlHost(host ?? loaded.config.ocpp.host);
  const httpHost = urlHost(host ?? loaded.config.http.host);
  const emsHost = urlHost(host ?? loaded.config.ems?.host ?? '0.0.0.0');
  out('');
  out(
    demo
      ? 'Fusebox is running the demo site (simulated stations, meters and cars).'
      : `Fusebox is running ${path}.`,
  );
  out(
    `  Dashboard and API   http://${httpHost}:${httpPort}/   (API docs: /api/docs, health: /healthz, metrics: /metrics)`,
  );
  out(
    `  OCPP for stations   ${loaded.config.ocpp.tls ? 'wss' : 'ws'}://${ocppHost}:${ocppPort}/ocpp/{stationId}`,
  );
  if (emsPort !== null)
    out(`  EMS (Modbus TCP)    ${emsHost}:${emsPort}, unit ${loaded.config.ems?.unitId ?? 1}`);
  if (loaded.config.mqtt?.enabled) out(`  MQTT                ${describeMqtt(loaded.config.mqtt)}`);
  if (demo) out(`  Demo meters         Modbus TCP 127.0.0.1:${demoMeterPort} (grid: unit 1, PV: unit 2)`);
  if (demo)
    out(
      `  Demo login          user '${DEMO_ACCOUNT.username}', password '${DEMO_ACCOUNT.password}' (operator)`,
    );
  if (demo && !isLoopback(host ?? '127.0.0.1'))
    out(
      `  Warning             the demo listens on ${host}: it is reachable from other machines, with the ` +
        `demo login above and stations without passwords. Never run it on a network you do not trust.`,
    );
  out('  Stop with Ctrl+C.');
  out('');
}

/** The site with its OCPP, HTTP and EMS listeners on `host` (--host, and the demo's 127.0.0.1). */
function listeningOn(loaded: LoadedSiteConfig, host: string): LoadedSiteConfig {
  const c = loaded.config;
  return {
    ...loaded,
    config: {
      ...c,
      ocpp: { ...c.ocpp, host },
      http: { ...c.http, host },
      ems: c.ems ? { ...c.ems, host } : c.ems,
    },
  };
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** How to reach a listener on `host` from this machine, for a URL: a wildcard is reached on localhost. */
function urlHost(host: string): string {
  if (isWildcard(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Applies a changed site file to the running control loop, or says why it cannot (never stops Fusebox). */
export function reload(
  path: string,
  running: LoadedSiteConfig,
  fusebox: Fusebox,
  logger: Logger,
): LoadedSiteConfig {
  const next = loadSiteConfigFile(path, { readFiles: true });
  if (!next.ok) {
    for (const p of next.problems) logger.error(formatProblem(p));
    logger.error(`${path} has errors: the running configuration stays in force`);
    return running;
  }
  // ocpp.tls is reloaded below; the rest of the process part needs a restart.
  const processPart = (c: LoadedSiteConfig['config']): string =>
    JSON.stringify([
      { ...c.ocpp, tls: undefined },
      c.http,
      c.store,
      c.ems,
      c.mqtt,
      c.meters,
      c.stations,
      c.alerts,
    ]);
  if (processPart(next.config) !== processPart(running.config))
    logger.warn(
      'listeners, store, EMS, MQTT, meters, stations or alerts changed: those changes apply after a restart',
    );
  const reload: Reload = { path, next, running, fusebox, logger };
  reloadTls(reload);
  reloadUpstream(reload);
  const refused = fusebox.reconfigure(next.compiled);
  if (refused) logger.warn(refused);
  return refused ? running : next;
}

/** A reload of the site file (SIGHUP): the file, its new and running configuration, the app and its logger. */
interface Reload {
  readonly path: string;
  readonly next: LoadedSiteConfig;
  readonly running: LoadedSiteConfig;
  readonly fusebox: Fusebox;
  readonly logger: Logger;
}

/** A changed `upstream:` goes to the cloud relay (docs/proxy.md); logs why when it cannot. */
function reloadUpstream({ path, next, running, fusebox, logger }: Reload): void {
  if (JSON.stringify(next.config.upstream) === JSON.stringify(running.config.upstream)) return;
  try {
    const refused = fusebox.reconfigureUpstream(upstreamSettingsOf(next.config, configDirOf(path)));
    if (refused) logger.warn(refused);
    else logger.info('upstream reloaded');
  } catch (err) {
    logger.error(
      `upstream not reloaded, the running one stays in force: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Re-reads the files of `ocpp.tls` (replaced on disk) for new OCPP connections; logs why when it cannot. */
function reloadTls({ path, next, running, fusebox, logger }: Reload): void {
  const section = next.config.ocpp.tls;
  if (!section) {
    if (running.config.ocpp.tls) logger.warn('ocpp.tls removed: turning TLS off applies after a restart');
    return;
  }
  try {
    fusebox.ocpp.reloadTls(tlsSettingsOf(section, configDirOf(path)));
  } catch (err) {
    logger.error(
      `OCPP TLS files not reloaded, the running certificates stay in force: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function makeLogger(format: 'pretty' | 'json', level: string): Logger {
  if (format === 'json') return pino({ level });
  return pino(
    { level },
    pretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }),
  );
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** One line for a start failure, with what to do about the common ones. */
function explainStartError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE')
    return `${e.message}: another program (another Fusebox?) uses that port; stop it or set another port in the site file`;
  if (e.code === 'EACCES') return `${e.message}: ports below 1024 need privileges; use a higher port`;
  return err instanceof Error ? err.message : String(err);
}

/** Every 10 s: sessions, charging, paused, and the grid connection's load against its capacity. */
function logSummary(logger: Logger, fusebox: Awaited<ReturnType<typeof startFusebox>>): void {
  const snap = fusebox.control.snapshot();
  if (!snap) return;
  const ports = fusebox.ocpp.ports();
  const sessions = ports.filter((p) => p.sessionId !== undefined);
  const allocation = new Map(snap.allocation.map((a) => [a.portId, a]));
  const paused = sessions.filter((p) => (allocation.get(p.portId)?.currentA ?? 0) === 0);
  const root = snap.circuits[0];
  const reasons = new Map<string, number>();
  for (const p of sessions) {
    const a = allocation.get(p.portId);
    if (a)
      reasons.set(describeLimitedBy(a.limitedBy), (reasons.get(describeLimitedBy(a.limitedBy)) ?? 0) + 1);
  }
  logger.info(
    {
      sessions: sessions.length,
      paused: paused.length,
      evLoadA: root?.load.slice(0, 3).map((x) => Math.round(x)),
      evCapacityA: root?.capacity.slice(0, 3).map((x) => Math.round(x)),
      why: Object.fromEntries(reasons),
    },
    `${sessions.length} sessions, ${sessions.length - paused.length} charging, ${paused.length} paused`,
  );
}
