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
import { isKnownIdTag } from '../ocpp/authorization.ts';
import { DEFAULT_OCPP_SERVER_SETTINGS } from '../ocpp/ocpp-settings.ts';
import type { PortMeterEvent } from '../contracts/station-gateway.ts';
import type { InboundCall, InboundHandler, InboundMiddleware } from '../ocpp/inbound-pipeline.ts';
import type { IdTagStatus } from '../contracts/ocpp-repository.ts';
import type { OcppServer } from '../ocpp/ocpp-server.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { RpcInboundCall } from '../ocpp/rpc.ts';
import { rpcError, rpcErrorCode } from '../ocpp/rpc.ts';
import type { Store } from '../store/store.ts';
import type { CloudProfileSink, CloudProfileVersion } from './cloud-profiles.ts';
import { RejectingCloudProfiles } from './cloud-profiles.ts';
import { ProxyOutbox } from './proxy-outbox.ts';
import type { OutboxEntry } from './proxy-outbox.ts';
import type { LinkState } from './upstream-link.ts';
import { UpstreamLink } from './upstream-link.ts';
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
}

/**
 * A session Fusebox accepted for an unknown id tag during an outage, to stop at `limitWh`; kept in SQLite
 * (proxy_offline_caps) until the session ends, so that a restart keeps the limit.
 */
interface OfflineCap {
  readonly sessionId: number;
  readonly idTag: string;
  readonly limitWh: number;
  /** A stop is on its way or was accepted; false again when the station refused it (the next reading retries). */
  stopping: boolean;
  /** The event was recorded (once per session). */
  announced: boolean;
}

export type { UpstreamStatus };

/** A replay the cloud did not answer (timeout) is tried again after this long while the link stays up, in ms. */
const REPLAY_RETRY_MS = 2000;

/**
 * Station messages stored and replayed when answered locally (the rest is collapsed or only answered). An
 * Authorize answered locally is queued too: it reaches the cloud before the transaction it led to.
 */
const QUEUED: Readonly<Record<'v16' | 'v2', ReadonlySet<string>>> = {
  v16: new Set(['Authorize', 'StartTransaction', 'StopTransaction', 'MeterValues']),
  v2: new Set(['Authorize', 'TransactionEvent', 'MeterValues']),
};

interface Relay {
  readonly stationId: string;
  version: OcppVersion;
  link: UpstreamLink | undefined;
  draining: boolean;
  outageSinceMs: number | undefined;
  lastRelayMs: number | undefined;
  /** The latest BootNotification answered locally, told to the cloud when it is back. */
  pendingBoot: unknown;
  /** The latest StatusNotification per connector answered locally. */
  readonly latestStatus: Map<string, unknown>;
  heartbeatOwed: boolean;
  goneTimer: NodeJS.Timeout | undefined;
  stationConnected: boolean;
}

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
  /** Sessions accepted under `offlineUnknownIdTags: { acceptUpToKwh }`, by port id. */
  private readonly caps = new Map<string, OfflineCap>();
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
      server.on('meter-values', (e) => this.enforceCap(e)),
      server.on('session-stopped', (e) => {
        if (this.caps.get(e.portId)?.sessionId === e.sessionId) this.forgetCap(e.portId);
      }),
      server.on('station-disconnected', (e) => {
        const r = this.relays.get(e.stationId);
        if (!r) return;
        r.stationConnected = false;
        this.closeWhenIdle(r);
      }),
    );
    const caps = store.db
      .prepare<
        [],
        { port_id: string; session_id: number; id_tag: string; limit_wh: number; announced: number }
      >('SELECT port_id, session_id, id_tag, limit_wh, announced FROM proxy_offline_caps')
      .all();
    for (const c of caps)
      this.caps.set(c.port_id, {
        sessionId: c.session_id,
        idTag: c.id_tag,
        limitWh: c.limit_wh,
        stopping: false,
        announced: c.announced === 1,
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
    const linkState = r?.link?.state;
    return {
      stationId,
      state: !relayed
        ? 'disabled'
        : linkState === 'connected'
          ? 'connected'
          : linkState === 'connecting'
            ? r?.outageSinceMs !== undefined
              ? 'outage'
              : 'connecting'
            : linkState === 'down'
              ? 'outage'
              : 'idle',
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
    const links = [...this.relays.values()].map((r) => {
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
        handler: (call) => this.fromCloud(relay, call),
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
      this.kick(r);
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
      this.kick(r);
    } else this.owe(r, call);
    return this.unknownIdTagPolicy(r, call, local);
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
    return this.unknownIdTagPolicy(r, call, local);
  }

  /**
   * Fusebox answered an Authorize or a transaction start itself: an id tag it does not know (neither the
   * local list nor a fresh cached cloud answer) gets `offlineUnknownIdTags`; with `acceptUpToKwh` the
   * session it starts is watched and stopped at that energy.
   */
  private async unknownIdTagPolicy(r: Relay, call: InboundCall, local: unknown): Promise<unknown> {
    const policy = this.settings.offlineUnknownIdTags;
    const repo = this.store?.ocpp;
    if (policy === undefined || !repo || local === null || typeof local !== 'object') return local;
    const v16 = call.version === '1.6';
    const idTag = idTagOf(v16, call.action, call.payload);
    if (idTag === undefined) return local;
    const ttl = this.o.authorizationCacheTtlMs ?? DEFAULT_OCPP_SERVER_SETTINGS.authorizationCacheTtlMs;
    if (isKnownIdTag(await repo.findIdTag(idTag), this.now(), ttl)) return local;
    const status = policy === 'reject' ? 'Invalid' : 'Accepted';
    const key = v16 ? 'idTagInfo' : 'idTokenInfo';
    const info = (local as Record<string, unknown>)[key];
    const answer = { ...local, [key]: { ...(typeof info === 'object' ? info : {}), status } };
    if (typeof policy === 'object' && call.action !== 'Authorize') {
      const at = v16
        ? (call.payload as { connectorId?: number }).connectorId
        : (call.payload as { evse?: { id?: number } }).evse?.id;
      const port = this.server
        ?.ports()
        .find((x) => x.stationId === r.stationId && x.connectorId === at && x.sessionId !== undefined);
      if (port?.sessionId !== undefined && this.caps.get(port.portId)?.sessionId !== port.sessionId) {
        const limitWh = policy.acceptUpToKwh * 1000;
        // Stored before the station hears Accepted: a restart during the session keeps the limit.
        await this.store!.writer.run('proxySaveOfflineCap', {
          portId: port.portId,
          sessionId: port.sessionId,
          idTag,
          limitWh,
          atMs: this.now(),
        });
        this.caps.set(port.portId, {
          sessionId: port.sessionId,
          idTag,
          limitWh,
          stopping: false,
          announced: false,
        });
      }
    }
    return answer;
  }

  /** A reading of a capped session: at its limit, Fusebox stops it (RemoteStop / RequestStopTransaction). */
  private enforceCap(e: PortMeterEvent): void {
    const cap = this.caps.get(e.portId);
    const port = this.server?.port(e.portId);
    if (!cap || cap.stopping || !port) return;
    if (port.sessionId !== cap.sessionId) {
      this.forgetCap(e.portId);
      return;
    }
    const drawnWh = (port.sessionLastWh ?? 0) - (port.sessionStartWh ?? 0);
    if (drawnWh < cap.limitWh) return;
    cap.stopping = true;
    const kwh = (x: number): string => String(Math.round(x / 10) / 100);
    if (!cap.announced) {
      cap.announced = true;
      this.capWrite('proxyAnnounceOfflineCap', e.portId, cap.sessionId);
      this.event(
        'warn',
        'upstream-offline-limit',
        port.stationId,
        `session of unknown id tag ${cap.idTag} (accepted while the cloud was down) stopped at ${kwh(drawnWh)} kWh: the limit is ${kwh(cap.limitWh)} kWh (upstream.offlineUnknownIdTags)`,
        { portId: e.portId, sessionId: cap.sessionId, drawnWh },
      );
    }
    this.server!.restrictPort(e.portId, 'stop').then(
      (status) => {
        this.o.log.info({ portId: e.portId, status }, 'offline limit: stop sent');
        if (status !== 'Accepted') cap.stopping = false;
      },
      (err: unknown) => {
        this.o.log.error({ err, portId: e.portId }, 'offline limit: could not stop');
        cap.stopping = false;
      },
    );
  }

  /** The port's capped session ended (or is no longer the port's): the limit goes, here and in the store. */
  private forgetCap(portId: string): void {
    const cap = this.caps.get(portId);
    if (!cap) return;
    this.caps.delete(portId);
    this.capWrite('proxyDeleteOfflineCap', portId, cap.sessionId);
  }

  private capWrite(
    op: 'proxyAnnounceOfflineCap' | 'proxyDeleteOfflineCap',
    portId: string,
    sessionId: number,
  ): void {
    this.store?.writer
      .run(op, { portId, sessionId })
      .catch((err: unknown) => this.o.log.error({ err, portId, op }, 'could not store the offline limit'));
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

  private kick(r: Relay): void {
    if (r.draining || r.link?.state !== 'connected') return;
    this.drain(r).catch((err: unknown) =>
      this.o.log.error({ err, stationId: r.stationId }, 'replay to the cloud failed'),
    );
  }

  /** Replays what was answered locally: the boot, the queue in order, then the latest statuses. */
  private async drain(r: Relay): Promise<void> {
    const outbox = this.outbox!;
    const link = r.link!;
    r.draining = true;
    let sent = 0;
    let failed = 0;
    let stalled = true;
    try {
      if (r.pendingBoot !== undefined) {
        const boot = r.pendingBoot;
        if (!(await this.replayOne(link, 'BootNotification', boot))) return;
        if (r.pendingBoot === boot) r.pendingBoot = undefined;
      }
      for (let e = outbox.queueOf(r.stationId)[0]; e; e = outbox.queueOf(r.stationId)[0]) {
        const outcome = await this.replayEntry(r, e);
        if (outcome === 'retry') return;
        if (outcome === 'failed') failed++;
        else sent++;
      }
      for (const [key, payload] of [...r.latestStatus]) {
        if (!(await this.replayOne(link, 'StatusNotification', payload))) return;
        if (r.latestStatus.get(key) === payload) r.latestStatus.delete(key);
      }
      if (r.heartbeatOwed) {
        r.heartbeatOwed = false;
        await this.replayOne(link, 'Heartbeat', {});
      }
      stalled = false;
    } finally {
      r.draining = false;
      // Not answered while the link stays up (a hung cloud): try again later, the station may stay silent.
      if (stalled && !this.closed) {
        const retry = setTimeout(() => this.kick(r), REPLAY_RETRY_MS);
        retry.unref();
      }
      if (sent + failed > 0)
        this.event(
          failed > 0 ? 'warn' : 'info',
          'upstream-replayed',
          r.stationId,
          `replayed ${sent} queued message${sent === 1 ? '' : 's'} to the cloud` +
            (failed > 0 ? `; ${failed} refused by the cloud (kept, not sent again)` : ''),
          { sent, failed },
        );
    }
    if (outbox.queueOf(r.stationId).length > 0) this.kick(r);
  }

  /** A collapsed message (boot, status, heartbeat): true when answered (a CALLERROR is logged and dropped). */
  private async replayOne(link: UpstreamLink, action: string, payload: unknown): Promise<boolean> {
    try {
      await link.call(action, payload);
      return true;
    } catch (err) {
      if (rpcErrorCode(err) === undefined) return false;
      this.o.log.warn({ err, action }, 'cloud refused a replayed message');
      return true;
    }
  }

  private async replayEntry(r: Relay, e: OutboxEntry): Promise<'sent' | 'failed' | 'retry'> {
    const outbox = this.outbox!;
    const v16 = e.version === '1.6';
    let payload = v16 ? outbox.toCloudIds(r.stationId, e.action, e.payload, false) : e.payload;
    if (!v16 && e.action === 'TransactionEvent') payload = { ...(payload as object), offline: true };
    let answer: unknown;
    try {
      answer = await r.link!.call(e.action, payload);
    } catch (err) {
      const code = rpcErrorCode(err);
      if (code === undefined) return 'retry';
      const text = err instanceof Error ? err.message : String(err);
      await outbox.failed(e, code, text);
      this.o.log.warn(
        { stationId: r.stationId, action: e.action, code, text },
        'cloud refused a queued message',
      );
      this.event(
        'warn',
        'upstream-refused',
        r.stationId,
        `cloud refused queued ${e.action}: ${code} ${text}`,
        {
          outboxId: e.id,
        },
      );
      return 'failed';
    }
    const cloudTx = (answer as { transactionId?: unknown } | undefined)?.transactionId;
    await outbox.delivered(
      e,
      v16 && e.action === 'StartTransaction' && typeof cloudTx === 'number' ? String(cloudTx) : undefined,
    );
    r.lastRelayMs = this.now();
    await this.cacheAuthorization(e.version, e.payload, answer);
    return 'sent';
  }

  /** A CALL from the cloud for the station. */
  private async fromCloud(r: Relay, call: RpcInboundCall): Promise<unknown> {
    const version: CloudProfileVersion = r.version === '1.6' ? '1.6' : '2.0.1';
    switch (call.method) {
      case 'SetChargingProfile':
        return { status: this.sink.set(r.stationId, version, call.params) };
      case 'ClearChargingProfile':
        return { status: this.sink.clear(r.stationId, version, call.params) };
      case 'GetCompositeSchedule':
        return this.compositeSchedule(r, call.params);
    }
    const link = this.server?.link(r.stationId);
    if (!link) throw rpcError('GenericError', `station ${r.stationId} is not connected to Fusebox`);
    const answer = await link.call(call.method, call.params);
    r.lastRelayMs = this.now();
    return answer;
  }

  /** The limit Fusebox has in force on the connector (0: the station's ports together), as one period. */
  private compositeSchedule(r: Relay, params: unknown): unknown {
    const server = this.server!;
    const p = params as { connectorId?: number; evseId?: number; duration?: number };
    const at = r.version === '1.6' ? (p.connectorId ?? 0) : (p.evseId ?? 0);
    const ports = server
      .ports()
      .filter((x) => x.stationId === r.stationId && (at === 0 || x.connectorId === at));
    if (ports.length === 0) return { status: 'Rejected' };
    const limit = ports.reduce((sum, x) => sum + server.effectiveLimitA(x.portId), 0);
    const schedule = {
      duration: p.duration ?? 0,
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    };
    const start = new Date(this.now()).toISOString();
    return r.version === '1.6'
      ? { status: 'Accepted', connectorId: at, scheduleStart: start, chargingSchedule: schedule }
      : { status: 'Accepted', schedule: { evseId: at, scheduleStart: start, ...schedule } };
  }

  /** Remembers the cloud's authorization answers (the cache Fusebox answers from during outages). */
  private async cacheAuthorization(version: OcppVersion, payload: unknown, answer: unknown): Promise<void> {
    const repo = this.store?.ocpp;
    if (!repo || answer === null || typeof answer !== 'object') return;
    let idTag: string | undefined;
    let info:
      | { status?: unknown; expiryDate?: unknown; cacheExpiryDateTime?: unknown; parentIdTag?: unknown }
      | undefined;
    if (version === '1.6') {
      idTag = (payload as { idTag?: string }).idTag;
      info = (answer as { idTagInfo?: typeof info }).idTagInfo;
    } else {
      idTag = (payload as { idToken?: { idToken?: string } }).idToken?.idToken;
      info = (answer as { idTokenInfo?: typeof info }).idTokenInfo;
    }
    if (idTag === undefined || !info || typeof info.status !== 'string') return;
    try {
      const existing = await repo.findIdTag(idTag);
      if (existing?.source === 'local') return;
      const expiry = info.expiryDate ?? info.cacheExpiryDateTime;
      const expiresMs = typeof expiry === 'string' ? Date.parse(expiry) : undefined;
      await repo.saveIdTag({
        idTag,
        status: idTagStatus(info.status),
        expiresMs: expiresMs !== undefined && Number.isFinite(expiresMs) ? expiresMs : undefined,
        parentIdTag: typeof info.parentIdTag === 'string' ? info.parentIdTag : undefined,
        source: 'cache',
        updatedMs: this.now(),
      });
    } catch (err) {
      this.o.log.warn({ err }, 'could not cache the cloud authorization answer');
    }
  }

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

/** The id tag an Authorize or a transaction start carries (1.6 idTag, 2.0.1 idToken), if any. */
function idTagOf(v16: boolean, action: string, payload: unknown): string | undefined {
  if (v16) {
    if (action !== 'Authorize' && action !== 'StartTransaction') return undefined;
    const tag = (payload as { idTag?: unknown }).idTag;
    return typeof tag === 'string' ? tag : undefined;
  }
  if (action !== 'Authorize' && action !== 'TransactionEvent') return undefined;
  const tag = (payload as { idToken?: { idToken?: unknown } }).idToken?.idToken;
  return typeof tag === 'string' ? tag : undefined;
}

function statusKey(payload: unknown): string {
  const p = payload as { connectorId?: number; evseId?: number };
  return `${p.evseId ?? ''}/${p.connectorId ?? ''}`;
}

/** 2.0.1 has more statuses than the cache keeps: anything but these refuses the tag. */
function idTagStatus(s: string): IdTagStatus {
  return s === 'Accepted' || s === 'Blocked' || s === 'Expired' ? s : 'Invalid';
}
