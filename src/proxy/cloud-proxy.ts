/**
 * Fusebox as the communication proxy between a site's stations and the operator's cloud central system
 * (docs/proxy.md). An inbound middleware (src/ocpp/inbound-pipeline.ts) sees every CALL a station sends:
 * Fusebox's own handler runs first (load management keeps observing everything), then the CALL goes to the
 * cloud and the station gets the cloud's answer. While the cloud is away the station gets Fusebox's answer,
 * and the transaction messages are stored (SQLite, committed before the answer) and replayed in order when
 * the cloud is back. The cloud's CALLs go down to the station, except charging profiles (CloudProfileSink)
 * and composite schedules (answered from the limit Fusebox has in force).
 */
import type { Logger } from 'pino';
import { DEFAULT_OCPP_SERVER_SETTINGS } from '../ocpp/ocpp-settings.ts';
import type { InboundCall, InboundHandler, InboundMiddleware } from '../ocpp/inbound-pipeline.ts';
import type { OcppServer } from '../ocpp/ocpp-server.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { rpcErrorCode } from '../ocpp/rpc.ts';
import type { Store } from '../store/store.ts';
import { cacheAuthorization } from './cloud-authorization.ts';
import type { CloudCommandsDeps } from './cloud-commands.ts';
import { fromCloud } from './cloud-commands.ts';
import type { CloudProfileSink } from './cloud-profiles.ts';
import { CloudReplay } from './cloud-replay.ts';
import { OfflineCaps } from './offline-caps.ts';
import type { UnknownIdTagDeps } from './offline-unknown-tags.ts';
import { unknownIdTagAnswer } from './offline-unknown-tags.ts';
import type { Relay } from './relay.ts';
import { statusKey } from './relay.ts';
import { RejectingCloudProfiles } from './cloud-profiles.ts';
import { ProxyOutbox } from './proxy-outbox.ts';
import type { LinkState } from './upstream-link.ts';
import { stateOfLink, UpstreamLink } from './upstream-link.ts';
import type { UpstreamSettings, UpstreamStationSettings, UpstreamStatus } from '../contracts/upstream.ts';

export interface CloudProxyOptions {
  readonly settings: UpstreamSettings;
  readonly log: Logger;
  readonly cloudProfiles?: CloudProfileSink | undefined;
  /** A CALL to the cloud unanswered after this long is answered by Fusebox (and queued), in ms. */
  readonly callTimeoutMs?: number | undefined;
  /** The cloud link of a station that disconnected is kept this long (a quick reconnect keeps it), in ms. */
  readonly stationGoneCloseMs?: number | undefined;
  /** A station's first messages wait this long for its cloud link to open, in ms. */
  readonly firstConnectWaitMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  /** How long a cached cloud answer counts (`ocpp.authorizationCacheTtlMs`), in ms. */
  readonly authorizationCacheTtlMs?: number | undefined;
  /** The first retry of a stop at an offline kWh limit that the station refused, in ms (tests shorten it). */
  readonly offlineStopRetryMs?: number | undefined;
}

export type { UpstreamStatus };

/**
 * Station messages stored and replayed when answered locally (the rest is collapsed or only answered). An
 * Authorize answered locally is queued too: it reaches the cloud before the transaction it led to.
 */
const QUEUED: Readonly<Record<'v16' | 'v2', ReadonlySet<string>>> = {
  v16: new Set(['Authorize', 'StartTransaction', 'StopTransaction', 'MeterValues']),
  v2: new Set(['Authorize', 'TransactionEvent', 'MeterValues']),
};

/**
 * On a planned stop, how long the calls in flight to the cloud get to be answered (and replays to commit the
 * answers) before the links close, in ms: a cloud answers in well under a second; a hung one is not waited for.
 */
const CLOSE_GRACE_MS = 3000;

export class CloudProxy {
  private readonly relays = new Map<string, Relay>();
  private sink: CloudProfileSink;
  private readonly now: () => number;
  private readonly callTimeoutMs: number;
  private server: OcppServer | undefined;
  private outbox: ProxyOutbox | undefined;
  private store: Store | undefined;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Sessions accepted under `offlineUnknownIdTags: { acceptUpToKwh }`. */
  private caps: OfflineCaps | undefined;
  private replay: CloudReplay | undefined;
  /** The `upstream:` in force (a SIGHUP reload replaces it: reconfigure). */
  private settings: UpstreamSettings;

  constructor(private readonly o: CloudProxyOptions) {
    this.settings = o.settings;
    this.sink = o.cloudProfiles ?? new RejectingCloudProfiles();
    this.now = o.now ?? Date.now;
    this.callTimeoutMs = o.callTimeoutMs ?? 10_000;
  }

  /** The inbound middleware to give OcppServer.start: relays while attached, passes through before. */
  readonly middleware: InboundMiddleware = (next) => (call) => {
    const r = this.relayFor(call.stationId, call.version);
    if (r) return this.handle(r, call, next);
    // No longer relayed (a reload took it out): Fusebox answers, with its own ids for the cloud's.
    if (call.version === '1.6' && this.outbox && this.relays.has(call.stationId))
      return next({
        ...call,
        payload: this.outbox.toLocalIds(call.stationId, call.action, call.payload),
      });
    return next(call);
  };

  /**
   * A changed `upstream:` (SIGHUP): a station taken out has its cloud link closed (it stays connected to
   * Fusebox, which answers it as its central system; its queue is kept for when it is relayed again); a
   * station whose url or credentials changed gets a new link; an added one gets its link now if it is
   * connected or has something queued. Queued messages are replayed to the new link once it is up.
   */
  reconfigure(settings: UpstreamSettings): void {
    this.settings = settings;
    if (!this.server || this.closed) return;
    for (const r of this.relays.values()) {
      const link = r.link;
      if (!link || link.state === 'closed') continue;
      const want = settings.stationFor(r.stationId);
      if (want && sameStation(want, link.settings)) continue;
      void link.close();
      r.outageSinceMs = undefined;
      this.o.log.info(
        { stationId: r.stationId },
        want ? 'upstream changed: reconnecting to the cloud' : 'upstream: station no longer relayed',
      );
    }
    const queued = new Map(this.outbox?.stationsWithQueue() ?? []);
    for (const id of new Set([...this.server.connectedStationIds(), ...queued.keys()])) {
      const version = this.server.link(id)?.version ?? queued.get(id);
      const r = version === undefined ? undefined : this.relayFor(id, version);
      if (!r) continue;
      r.stationConnected = this.server.link(id) !== undefined;
      if (!r.stationConnected) this.closeWhenIdle(r);
    }
  }

  /** Where the cloud's charging profiles go from now on (fusebox start: the allocator's CloudProfiles). */
  useCloudProfiles(sink: CloudProfileSink): void {
    this.sink = sink;
  }

  /** Start relaying through `server`; messages queued before a restart are replayed once the cloud answers. */
  attach(server: OcppServer, store: Store): void {
    this.server = server;
    this.store = store;
    this.outbox = new ProxyOutbox(store, this.now);
    this.unsubscribe.push(
      server.on('station-connected', (e) => {
        const r = this.relayFor(e.stationId, e.version);
        if (!r) return;
        r.stationConnected = true;
        clearTimeout(r.goneTimer);
      }),
      server.on('station-disconnected', (e) => {
        const r = this.relays.get(e.stationId);
        if (!r) return;
        r.stationConnected = false;
        this.closeWhenIdle(r);
      }),
    );
    const event = this.event.bind(this);
    const { log, offlineStopRetryMs: stopRetryMs } = this.o;
    this.caps = new OfflineCaps({ server, store, log, now: this.now, event, stopRetryMs });
    this.replay = new CloudReplay({
      outbox: this.outbox,
      log,
      now: this.now,
      closed: () => this.closed,
      cache: (version, payload, answer) => this.cacheAuthorization(version, payload, answer),
      event,
    });
    for (const [stationId, version] of this.outbox.stationsWithQueue()) {
      const r = this.relayFor(stationId, version);
      if (r) this.closeWhenIdle(r);
    }
  }

  /** True when the station is relayed to the cloud under the `upstream:` in force. */
  isRelayed(stationId: string): boolean {
    return this.settings.stationFor(stationId) !== undefined;
  }

  status(stationId: string): UpstreamStatus {
    const r = this.relays.get(stationId);
    const outbox = this.outbox;
    const queue = outbox?.queueOf(stationId) ?? [];
    const relayed = this.settings.stationFor(stationId) !== undefined;
    return {
      stationId,
      state: relayed ? stateOfLink(r?.link?.state, r?.outageSinceMs !== undefined) : 'disabled',
      outageSinceMs: r?.outageSinceMs,
      queueDepth: queue.length,
      oldestQueuedMs: queue[0]?.queuedMs,
      lastRelayMs: r?.lastRelayMs,
      failed: outbox?.failedCount(stationId) ?? 0,
    };
  }

  /** The stations `known` (the configured ones), and every other one relayed or connected, by id. */
  statuses(known: readonly string[] = []): UpstreamStatus[] {
    const ids = new Set([...known, ...this.relays.keys(), ...(this.server?.connectedStationIds() ?? [])]);
    return [...ids].sort().map((id) => this.status(id));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    this.caps?.close();
    const relays = [...this.relays.values()];
    // A planned stop lets the calls in flight be answered and the replays commit those answers before the links
    // close: a message cut off here would be sent again after the restart (docs/proxy.md).
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...relays.map((r) => r.link?.quiesce(CLOSE_GRACE_MS)), this.replay?.settled()]),
      new Promise((done) => (t = setTimeout(done, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(t);
    const links = relays.map((r) => {
      clearTimeout(r.goneTimer);
      return r.link?.close() ?? Promise.resolve();
    });
    await Promise.allSettled(links);
  }

  private relayFor(stationId: string, version: OcppVersion): Relay | undefined {
    if (!this.server || this.closed) return undefined;
    const settings = this.settings.stationFor(stationId);
    if (!settings) return undefined;
    let r = this.relays.get(stationId);
    if (!r) {
      r = {
        stationId,
        version,
        link: undefined,
        draining: false,
        outageSinceMs: undefined,
        lastRelayMs: undefined,
        pendingBoot: undefined,
        latestStatus: new Map(),
        heartbeatOwed: false,
        goneTimer: undefined,
        stationConnected: false,
      };
      this.relays.set(stationId, r);
    }
    if (!r.link || r.link.version !== version || r.link.state === 'closed') {
      const old = r.link;
      if (old) void old.close();
      r.version = version;
      const relay = r;
      r.link = new UpstreamLink({
        settings,
        version,
        reconnect: this.settings.reconnect,
        callTimeoutMs: this.callTimeoutMs,
        log: this.o.log,
        handler: (call) => fromCloud(this.commands, relay, call),
        onState: (state) => this.linkState(relay, state),
      });
    }
    return r;
  }

  /** Closes the cloud link of a station that is away and has nothing left to replay, after a grace time. */
  private closeWhenIdle(r: Relay): void {
    clearTimeout(r.goneTimer);
    r.goneTimer = setTimeout(() => {
      if (r.stationConnected) return;
      if ((this.outbox?.queueOf(r.stationId).length ?? 0) > 0) {
        this.closeWhenIdle(r);
        return;
      }
      void r.link?.close();
    }, this.o.stationGoneCloseMs ?? 60_000);
    r.goneTimer.unref();
  }

  private linkState(r: Relay, state: LinkState): void {
    const nowMs = this.now();
    if (state === 'connected') {
      if (r.outageSinceMs !== undefined) {
        const s = Math.round((nowMs - r.outageSinceMs) / 1000);
        this.event('info', 'upstream-restored', r.stationId, `cloud reachable again after ${s} s`);
      }
      r.outageSinceMs = undefined;
      this.replay?.kick(r);
    } else if (state === 'down' && r.outageSinceMs === undefined) {
      r.outageSinceMs = nowMs;
      this.event(
        'warn',
        'upstream-outage',
        r.stationId,
        'cloud unreachable: Fusebox answers the station and queues',
      );
    }
  }

  private async handle(r: Relay, call: InboundCall, next: InboundHandler): Promise<unknown> {
    const link = r.link!;
    if (link.state === 'connecting' && r.outageSinceMs === undefined)
      await link.settled(this.o.firstConnectWaitMs ?? 2000);
    const outbox = this.outbox!;
    const v16 = call.version === '1.6';
    const queued = QUEUED[v16 ? 'v16' : 'v2'].has(call.action);

    if (call.action === 'Authorize' && link.state === 'connected') {
      try {
        const answer = await link.call(call.action, call.payload);
        r.lastRelayMs = this.now();
        await this.cacheAuthorization(call.version, call.payload, answer);
        return answer;
      } catch (err) {
        if (rpcErrorCode(err) !== undefined) throw err;
        // Not answered: Fusebox decides (local list, cache, policy for unknown tags).
      }
    }

    if (!queued && link.state === 'connected') return this.relayAlongside(r, call, next);

    const localPayload = v16 ? outbox.toLocalIds(r.stationId, call.action, call.payload) : call.payload;
    const local = await next({ ...call, payload: localPayload });
    const live = link.state === 'connected' && (!queued || outbox.queueOf(r.stationId).length === 0);
    if (live) {
      try {
        const payload = v16 ? outbox.toCloudIds(r.stationId, call.action, call.payload, true) : call.payload;
        const answer = await link.call(call.action, payload);
        r.lastRelayMs = this.now();
        await this.learn(r, call, local, answer);
        return answer;
      } catch (err) {
        if (rpcErrorCode(err) !== undefined) throw err;
        this.o.log.info(
          { stationId: r.stationId, action: call.action, err },
          'cloud did not answer: Fusebox answers (and queues when a transaction message)',
        );
      }
    }
    if (queued) {
      const localTxId =
        v16 && call.action === 'StartTransaction'
          ? String((local as { transactionId: number }).transactionId)
          : undefined;
      await outbox.enqueue(r.stationId, call.version, call.action, localPayload, localTxId);
      this.replay?.kick(r);
    } else this.owe(r, call);
    return this.unknownIdTagPolicy(call, local);
  }

  /**
   * A message that is not a transaction message (Boot, Heartbeat, StatusNotification, DataTransfer, ...)
   * goes to the cloud while Fusebox handles it (its handler may wait for a store write), not after: the
   * station waits for the slower of the two, not for both in turn. A failure of Fusebox's own handler still
   * answers the station (InternalError: it sends the message again, the cloud then sees it twice, harmless
   * for these). Transaction messages stay in turn: Fusebox stores them before the cloud may see them.
   */
  private async relayAlongside(r: Relay, call: InboundCall, next: InboundHandler): Promise<unknown> {
    const link = r.link!;
    const cloud = link.call(call.action, call.payload).then(
      (answer) => ({ answer }),
      (err: unknown) => ({ err }),
    );
    const local = await next(call);
    const got = await cloud;
    if ('answer' in got) {
      r.lastRelayMs = this.now();
      await this.learn(r, call, local, got.answer);
      return got.answer;
    }
    if (rpcErrorCode(got.err) !== undefined) throw got.err;
    this.o.log.info(
      { stationId: r.stationId, action: call.action, err: got.err },
      'cloud did not answer: Fusebox answers',
    );
    this.owe(r, call);
    return this.unknownIdTagPolicy(call, local);
  }

  /** Fusebox answered an Authorize or a transaction start itself: `offlineUnknownIdTags` for unknown tags. */
  private unknownIdTagPolicy(call: InboundCall, local: unknown): Promise<unknown> {
    const deps: UnknownIdTagDeps = {
      policy: this.settings.offlineUnknownIdTags,
      repo: this.store?.ocpp,
      server: this.server,
      caps: this.caps,
      nowMs: this.now(),
      cacheTtlMs: this.o.authorizationCacheTtlMs ?? DEFAULT_OCPP_SERVER_SETTINGS.authorizationCacheTtlMs,
    };
    return unknownIdTagAnswer(deps, call, local);
  }

  /** What the cloud's answer to a live CALL teaches: its transaction id, its authorization answers. */
  private async learn(r: Relay, call: InboundCall, local: unknown, answer: unknown): Promise<void> {
    if (call.action === 'StatusNotification') r.latestStatus.delete(statusKey(call.payload));
    if (call.version === '1.6' && call.action === 'StartTransaction') {
      const cloudTx = (answer as { transactionId?: unknown }).transactionId;
      const localTx = (local as { transactionId?: unknown }).transactionId;
      if (typeof cloudTx === 'number' && typeof localTx === 'number')
        await this.outbox!.mapTransaction(r.stationId, String(localTx), String(cloudTx), 'cloud');
    }
    await this.cacheAuthorization(call.version, call.payload, answer);
  }

  /** A message answered locally that is not queued: the latest boot and statuses are told to the cloud later. */
  private owe(r: Relay, call: InboundCall): void {
    if (call.action === 'BootNotification') r.pendingBoot = call.payload;
    else if (call.action === 'StatusNotification') r.latestStatus.set(statusKey(call.payload), call.payload);
    else if (call.action === 'Heartbeat') r.heartbeatOwed = true;
  }

  /** Remembers the cloud's authorization answers (the cache Fusebox answers from during outages). */
  private cacheAuthorization(version: OcppVersion, payload: unknown, answer: unknown): Promise<void> {
    return cacheAuthorization(this.store?.ocpp, this.now(), this.o.log, version, payload, answer);
  }

  private readonly commands: CloudCommandsDeps = {
    server: () => this.server,
    sink: () => this.sink,
    now: () => this.now(),
  };

  private event(
    level: 'info' | 'warn',
    kind: string,
    stationId: string,
    message: string,
    data?: unknown,
  ): void {
    this.store?.ocpp
      .recordEvent({ atMs: this.now(), level, kind, stationId, message, data })
      .catch((err: unknown) => this.o.log.error({ err, kind }, 'could not store event'));
    this.o.log[level]({ stationId, kind }, message);
  }
}

/** The same cloud endpoint and credentials (a reload that changes none of them keeps the link). */
function sameStation(a: UpstreamStationSettings, b: UpstreamStationSettings): boolean {
  return (
    a.endpoint === b.endpoint &&
    a.password === b.password &&
    a.tls?.ca === b.tls?.ca &&
    a.tls?.cert === b.tls?.cert &&
    a.tls?.key === b.tls?.key
  );
}
