/**
 * The composition root's station side (app.ts): the OCPP server for the site's stations, with the cloud relay
 * in front when the site file has `upstream:` (docs/proxy.md), and its TLS files.
 */
import type { ApiMetrics } from './api/metrics.ts';
import type { Clock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import type { TlsSection } from './config/tls-files.ts';
import { readTlsFiles } from './config/tls-files.ts';
import { upstreamSettingsOf } from './config/upstream-section.ts';
import type { UpstreamSettings } from './contracts/upstream.ts';
import { OcppServer } from './ocpp/ocpp-server.ts';
import type { OcppStationSettings, TlsSettings } from './ocpp/ocpp-settings.ts';
import { CloudProxy } from './proxy/cloud-proxy.ts';
import { CloudProfiles } from './proxy/cloud-profiles.ts';
import type { ControlLoop } from './control/control-loop.ts';
import { LocalListSync } from './ocpp/local-list-sync.ts';
import type { Store } from './store/store.ts';
import type { Logger } from 'pino';

/** `upstream:` removed by a reload: no station is relayed any more. */
export const NOT_RELAYED: UpstreamSettings = {
  reconnect: { initialDelayMs: 1000, maxDelayMs: 60_000 },
  stationFor: () => undefined,
  disabled: () => true,
};

/** Whether an `upstream:` is in force (a reload may add or remove it), and whether one ever was. */
export interface RelayState {
  inForce: boolean;
  everRelayed: boolean;
}

/** Starts the OCPP server and the cloud relay it runs through; the caller closes both. */
export async function startOcpp(
  loaded: LoadedSiteConfig,
  configDir: string,
  port: number | undefined,
  deps: { readonly store: Store; readonly metrics: ApiMetrics },
  clock: Clock,
  logger: Logger,
): Promise<{ readonly ocpp: OcppServer; readonly proxy: CloudProxy; readonly relay: RelayState }> {
  const { config } = loaded;
  const { store, metrics } = deps;
  const stations: OcppStationSettings[] = config.stations.map((s) => ({
    stationId: s.id,
    version: s.ocppVersion,
    securityProfile: s.securityProfile ?? (s.passwordHash ? 1 : 0),
    passwordHash: s.passwordHash,
  }));
  const tls = config.ocpp.tls ? tlsSettingsOf(config.ocpp.tls, configDir) : undefined;
  // With `upstream:`, Fusebox relays the stations to the operator's cloud (docs/proxy.md). The relay is
  // there without it too (it passes every call through), so that a reload can add `upstream:`.
  const upstream = upstreamSettingsOf(config, configDir);
  const relay: RelayState = { inForce: upstream !== undefined, everRelayed: upstream !== undefined };
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
      port: port ?? config.ocpp.port,
      tls,
      autoRegister: config.ocpp.autoRegister,
      acceptUnknownIdTags: config.ocpp.acceptUnknownIdTags,
      heartbeatIntervalS: config.ocpp.heartbeatIntervalS,
      meterValueSampleIntervalS: config.ocpp.meterValueSampleIntervalS,
      callTimeoutMs: config.ocpp.callTimeoutMs,
      setpointExpiresAfterMs: config.ocpp.setpointExpiresAfterMs,
    },
  });
  return { ocpp, proxy, relay };
}

/**
 * The services beside the OCPP server: the cloud's charging profiles as caps in the control loop, and the
 * local authorization lists of the stations (started; the caller stops it).
 */
export function startStationServices(
  loaded: LoadedSiteConfig,
  parts: {
    readonly ocpp: OcppServer;
    readonly proxy: CloudProxy;
    readonly control: ControlLoop;
    readonly store: Store;
  },
  clock: Clock,
  logger: Logger,
): { readonly cloudProfiles: CloudProfiles; readonly localList: LocalListSync } {
  const { ocpp, proxy, control, store } = parts;
  // Stored cloud profiles cap the ports from the first allocation on (src/proxy/cloud-profiles.ts).
  const cloudProfiles = new CloudProfiles({
    site: loaded.site,
    port: (portId) => ocpp.port(portId),
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
  return { cloudProfiles, localList };
}

/** The TLS material of `ocpp.tls`; throws naming every file at fault (they changed since the site was checked). */
export function tlsSettingsOf(section: TlsSection, configDir: string): TlsSettings {
  const files = readTlsFiles(section, configDir);
  if (!files.ok) throw new Error(files.problems.map((p) => `ocpp.tls.${p.key}: ${p.message}`).join('; '));
  return files.tls;
}
