/** A real OcppServer with a CloudProxy in front of a TestCloud (or any upstream url), on a real SQLite file. */
import { pino } from 'pino';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import type { Harness } from '../../ocpp/testing/ocpp-harness.ts';
import { startHarness } from '../../ocpp/testing/ocpp-harness.ts';
import type { RpcClient, RpcHandler } from '../../ocpp/rpc.ts';
import { createRpcClient } from '../../ocpp/rpc.ts';
import { subprotocolOf } from '../../ocpp/ocpp-version.ts';
import { CloudProxy } from '../cloud-proxy.ts';
import type { UpstreamSettings } from '../../contracts/upstream.ts';

export interface ProxiedOptions {
  readonly cloudUrl: string;
  readonly stations: readonly {
    readonly id: string;
    readonly version: OcppVersion;
    readonly ports?: number;
  }[];
  readonly dbPath?: string;
  readonly passwords?: Readonly<Record<string, string>>;
  readonly reconnect?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  /** Upstream settings of one's own (from a site file); else every station goes to cloudUrl. */
  readonly settings?: UpstreamSettings;
  /** CloudProxyOptions.offlineStopRetryMs. */
  readonly offlineStopRetryMs?: number;
  /** The proxy's clock (CloudProxyOptions.now). */
  readonly now?: () => number;
}

export interface Proxied {
  readonly h: Harness;
  readonly proxy: CloudProxy;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** Upstream settings sending every station to `cloudUrl`. */
export function settingsFor(
  cloudUrl: string,
  passwords: Readonly<Record<string, string>> = {},
  reconnect = { initialDelayMs: 100, maxDelayMs: 400 },
): UpstreamSettings {
  return {
    reconnect,
    stationFor: (stationId) => ({ stationId, endpoint: cloudUrl, password: passwords[stationId] }),
    disabled: () => false,
  };
}

export async function startProxied(options: ProxiedOptions): Promise<Proxied> {
  const log = pino({ level: process.env.FUSEBOX_TEST_LOG ?? 'silent' });
  const proxy = new CloudProxy({
    settings: options.settings ?? settingsFor(options.cloudUrl, options.passwords, options.reconnect),
    log,
    callTimeoutMs: 5000,
    offlineStopRetryMs: options.offlineStopRetryMs,
    now: options.now,
  });
  const h = await startHarness({
    stations: options.stations.map((s) => ({ id: s.id, version: s.version, ports: s.ports ?? 1 })),
    settings: { acceptUnknownIdTags: true },
    middleware: [proxy.middleware],
    log,
    ...(options.dbPath ? { dbPath: options.dbPath } : {}),
  });
  proxy.attach(h.server, h.store);
  const stop = async (): Promise<void> => {
    await proxy.close();
    await h.stop();
  };
  return {
    h,
    proxy,
    stop,
    async dispose() {
      await proxy.close();
      await h.dispose();
    },
  };
}

/** A bare OCPP-J station (ocpp-rpc client) that answers the calls it gets with `answer` and keeps them. */
export async function rawStation(
  url: string,
  stationId: string,
  version: OcppVersion,
  answer: RpcHandler = () => ({}),
): Promise<{ client: RpcClient; received: { action: string; payload: unknown }[] }> {
  const client = createRpcClient({
    endpoint: url,
    identity: stationId,
    protocols: [subprotocolOf(version)],
    strictMode: true,
  });
  const received: { action: string; payload: unknown }[] = [];
  client.handle((call) => {
    received.push({ action: call.method, payload: call.params });
    return answer(call);
  });
  await client.connect();
  return { client, received };
}
