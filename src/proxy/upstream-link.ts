/**
 * One station's WebSocket to the cloud central system, opened as that station (its identity, its OCPP
 * subprotocol, its credentials), reopened with exponential backoff and jitter when it fails or drops.
 */
import type { Logger } from 'pino';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { subprotocolOf } from '../ocpp/ocpp-version.ts';
import type { RpcClient, RpcHandler } from '../ocpp/rpc.ts';
import { createRpcClient } from '../ocpp/rpc.ts';
import { backoffMs } from '../backoff.ts';
import type { UpstreamReconnect, UpstreamStationSettings, UpstreamStatus } from '../contracts/upstream.ts';

export type LinkState = 'connecting' | 'connected' | 'down' | 'closed';

/** A relayed station's state (the API's `upstream` state) from its link's, and whether an outage is open. */
export function stateOfLink(link: LinkState | undefined, inOutage: boolean): UpstreamStatus['state'] {
  if (link === 'connected') return 'connected';
  if (link === 'connecting') return inOutage ? 'outage' : 'connecting';
  return link === 'down' ? 'outage' : 'idle';
}

/** Each wait is the backoff delay times a random factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.25;

/** The wait before reconnect attempt `attempt` (0 = the first after a failure), in ms. */
export function backoffDelayMs(
  r: UpstreamReconnect,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = backoffMs(r.initialDelayMs, r.maxDelayMs, attempt + 1);
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

export interface UpstreamLinkOptions {
  readonly settings: UpstreamStationSettings;
  readonly version: OcppVersion;
  readonly reconnect: UpstreamReconnect;
  readonly callTimeoutMs: number;
  readonly log: Logger;
  /** Answers the cloud's CALLs (relayed to the station). */
  readonly handler: RpcHandler;
  /** Told of every change of state. */
  readonly onState: (state: LinkState) => void;
}

export class UpstreamLink {
  state: LinkState = 'connecting';
  private client: RpcClient | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private firstTry: Promise<void>;
  /** Calls sent and not yet answered (or failed), and who waits for there to be none (quiesce). */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Set by quiesce: a link about to close sends nothing new. */
  private closing = false;

  constructor(private readonly o: UpstreamLinkOptions) {
    this.firstTry = this.connect();
  }

  get version(): OcppVersion {
    return this.o.version;
  }

  /** Where and as whom this link connects. */
  get settings(): UpstreamStationSettings {
    return this.o.settings;
  }

  /** Resolves once the first connection attempt has ended (connected or not), at most after `maxWaitMs`. */
  async settled(maxWaitMs: number): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.firstTry, new Promise((r) => (t = setTimeout(r, maxWaitMs)))]);
    clearTimeout(t);
  }

  /**
   * A CALL to the cloud; rejects when not connected, on CALLERROR, timeout or disconnect. The timeout is a
   * plain timer that aborts the call: the library's own (callTimeoutMs) creates an error and aborts an
   * AbortController (a DOMException) on every answered call, a sixth of Fusebox's CPU time on the relay
   * path in the proxy bench's profile.
   */
  async call(action: string, payload: unknown): Promise<unknown> {
    const c = this.client;
    if (this.state !== 'connected' || !c) throw new Error('cloud not connected');
    if (this.closing) throw new Error('cloud link closing');
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort('cloud call timeout'), this.o.callTimeoutMs);
    this.inFlight++;
    try {
      return await c.call(action, payload, { callTimeoutMs: Infinity, signal: ac.signal });
    } finally {
      clearTimeout(timer);
      if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * Before a planned close: refuses new calls and resolves once the ones in flight are answered (or failed),
   * at most after `maxWaitMs`. A call cut off by the close would be sent again after a restart although the
   * cloud may have kept it (docs/proxy.md, "Once, except when the cloud's answer is lost").
   */
  async quiesce(maxWaitMs: number): Promise<void> {
    this.closing = true;
    if (this.inFlight === 0) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((wake) => this.idleWaiters.push(wake)),
      new Promise((r) => (t = setTimeout(r, maxWaitMs))),
    ]);
    clearTimeout(t);
  }

  async close(): Promise<void> {
    this.setState('closed');
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.close({ code: 1000, reason: 'station gone', force: true }).catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    const { settings, version, log } = this.o;
    const tls = settings.tls;
    const client = createRpcClient({
      endpoint: settings.endpoint,
      identity: settings.stationId,
      protocols: [subprotocolOf(version)],
      // Payloads are relayed unchanged: the station side already checks what the station sends.
      strictMode: false,
      password: settings.password ?? null,
      reconnect: false,
      callTimeoutMs: this.o.callTimeoutMs,
      pingIntervalMs: 30_000,
      wsOpts: tls
        ? { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) }
        : {},
    });
    client.handle(this.o.handler);
    client.on('error', () => undefined);
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      if (this.client !== client) return;
      this.client = undefined;
      log.debug({ err, stationId: settings.stationId }, 'cloud connection failed');
      this.retry();
      return;
    }
    if ((this.state as LinkState) === 'closed' || this.client !== client) {
      await client.close({ force: true }).catch(() => undefined);
      return;
    }
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      log.info({ stationId: settings.stationId }, 'cloud connection lost');
      this.retry();
    });
    this.attempt = 0;
    this.setState('connected');
  }

  private retry(): void {
    if (this.state === 'closed') return;
    this.setState('down');
    const delay = backoffDelayMs(this.o.reconnect, this.attempt++);
    this.timer = setTimeout(() => {
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.o.onState(state);
  }
}
