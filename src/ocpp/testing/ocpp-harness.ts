/**
 * Wires a real OcppServer on 127.0.0.1 (ephemeral port) to a real SQLite store for tests, with a site of
 * `stations` stations of `portsPerStation` three-phase 32 A ports on one circuit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.ts';
import type { Site, SitePort } from '../../core/site.ts';
import type { Store } from '../../store/store.ts';
import { openStore } from '../../store/store.ts';
import type { InboundMiddleware } from '../inbound-pipeline.ts';
import { OcppServer } from '../ocpp-server.ts';
import type { OcppServerSettings, OcppStationSettings, SecurityProfile } from '../ocpp-settings.ts';
import type { OcppVersion } from '../../contracts/station-gateway.ts';
import type { SimulatedStation } from '../../sim/devices/ocpp-station.ts';
import { testSitePort } from '../../core/testing/site-port.ts';

export interface HarnessOptions {
  readonly stations?: readonly {
    readonly id: string;
    readonly ports?: number;
    readonly version?: OcppVersion;
    readonly securityProfile?: SecurityProfile;
    readonly passwordHash?: string;
  }[];
  /** Per-phase limit of the one circuit, in A. Default 64. */
  readonly circuitLimitA?: number;
  readonly settings?: Partial<OcppServerSettings>;
  /** Reuse a database file (restart tests). */
  readonly dbPath?: string;
  /** The server's and the store's clock (default: the system clock). */
  readonly clock?: Clock;
  readonly middleware?: readonly InboundMiddleware[];
  /** The server's logger (default: silent, or FUSEBOX_TEST_LOG's level). */
  readonly log?: Logger;
  /** The store's writer (default: its writer thread); 'inline' writes on `store.db` (store fault tests). */
  readonly storeWriter?: 'thread' | 'inline';
}

export interface Harness {
  readonly server: OcppServer;
  readonly store: Store;
  readonly site: Site;
  readonly dbPath: string;
  readonly url: string;
  /** Stop the server and close the store (keeps the file). */
  stop(): Promise<void>;
  /** stop() and delete the temporary directory. */
  dispose(): Promise<void>;
}

/** A three-phase 32 A port. */
export function testPort(stationId: string, connectorId: number, circuitId = 'main'): SitePort {
  return testSitePort({ id: `${stationId}-${connectorId}`, stationId, connectorId, circuitId });
}

/** The harness's site: `stations` (each `ports` test ports, default 2) on one circuit of `circuitLimitA`. */
export function harnessSite(
  stations: NonNullable<HarnessOptions['stations']>,
  circuitLimitA: number | undefined,
): Site {
  return {
    timeZone: 'UTC',
    circuits: [
      {
        id: 'main',
        parentId: null,
        limitA: circuitLimitA ?? 64,
        marginA: 0,
        supply: { lineToNeutralV: 230, lineToLineV: 400, phases: ['L1', 'L2', 'L3'] },
      },
    ],
    ports: stations.flatMap((s) => Array.from({ length: s.ports ?? 2 }, (_, i) => testPort(s.id, i + 1))),
    meters: [],
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const stations = options.stations ?? [{ id: 'CP1' }];
  const site = harnessSite(stations, options.circuitLimitA);
  const dir = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), 'fusebox-ocpp-'));
  const dbPath = options.dbPath ?? join(dir!, 'fusebox.db');
  const store = openStore(dbPath, { clock: options.clock, writer: options.storeWriter });
  const settings: OcppStationSettings[] = stations.map((s) => ({
    stationId: s.id,
    version: s.version,
    securityProfile: s.securityProfile ?? 0,
    passwordHash: s.passwordHash,
  }));
  const server = await OcppServer.start({
    site,
    stations: settings,
    repo: store.ocpp,
    log: options.log ?? pino({ level: process.env.FUSEBOX_TEST_LOG ?? 'silent' }),
    settings: { port: 0, host: '127.0.0.1', ...options.settings },
    clock: options.clock,
    middleware: options.middleware,
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await store.close();
  };
  return {
    server,
    store,
    site,
    dbPath,
    url: server.url,
    stop,
    async dispose() {
      await stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolve when `predicate` holds, polling; rejects after `timeoutMs` with `what` in the message. The default
 * is generous (30 s): a passing test never waits for it, and on a 2-core machine shared by two suites a
 * station's reconnect and boot took over 10 s (fail-safe-follow.test.ts failed there with 10 s).
 */
export async function eventually<T>(
  predicate: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends a raw frame from a station; resolves with the parsed answer whose message id is `id`. */
export function rawFrame(st: SimulatedStation, text: string, id: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    const listener = (e: { message: unknown; outbound: boolean }): void => {
      if (e.outbound) return;
      const msg = JSON.parse(String(e.message)) as unknown[];
      if (msg[1] !== id) return;
      st.off('message', listener);
      resolve(msg);
    };
    st.on('message', listener);
    st.sendRaw(text);
  });
}
