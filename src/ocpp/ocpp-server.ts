/**
 * The OCPP-J server stations connect to at `ws(s)://host:port/ocpp/{stationId}` (1.6, 2.0.1, 2.1 by
 * subprotocol). It owns the listener and the connections and is the StationGateway of the control loop;
 * what to do with each message lives in CentralSystem, limits in SmartCharging.
 */
import type { X509Certificate } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Clock, RepeatingTimer } from '../clock.ts';
import { every, systemClock, unrefTimer } from '../clock.ts';
import type { Site } from '../core/site.ts';
import { CentralSystem } from './central-system.ts';
import { GatewayEmitter } from './gateway-emitter.ts';
import type { HandlerTable, InboundMiddleware } from './inbound-pipeline.ts';
import { compose, dispatch, logFailures } from './inbound-pipeline.ts';
import type { OcppContext } from './ocpp-context.ts';
import { recordEvent } from './ocpp-context.ts';
import { ConnectionAdmission } from './connection-admission.ts';
import { reloadListenerTls, startListener } from './ocpp-listener.ts';
import { bootGate, prepareStation, stationClosed } from './station-lifecycle.ts';
import type { OcppRepository } from '../contracts/ocpp-repository.ts';
import type { OcppServerSettings, OcppStationSettings, TlsSettings } from './ocpp-settings.ts';
import { DEFAULT_OCPP_SERVER_SETTINGS } from './ocpp-settings.ts';
import { isV2, subprotocolOf, versionOfSubprotocol } from './ocpp-version.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { OperatorCommands } from './operator-commands.ts';
import { PortDirectory } from './port-directory.ts';
import { PortRuntime } from './port-runtime.ts';
import type { RpcServer, RpcServerClient } from './rpc.ts';
import { createRpcServer, observeFrames } from './rpc.ts';
import { EXPIRY_MARGIN_MS } from './setpoint-tracker.ts';
import { SmartCharging } from './smart-charging.ts';
import type { OcppTrafficObserver } from './traffic-observer.ts';
import { parseCertificates } from './client-certificate.ts';
import type { AcceptedStation } from './station-auth.ts';
import { ALL_SUBPROTOCOLS, StationAuthenticator } from './station-auth.ts';
import type { StationLink } from './station-connection.ts';
import { StationConnection } from './station-connection.ts';
import type {
  GatewayEventName,
  GatewayEvents,
  PortSnapshot,
  SetpointOptions,
  SetpointResult,
  StationGateway,
} from '../contracts/station-gateway.ts';
import { v16Handlers } from './v16-inbound.ts';
import { v2Handlers } from './v2-inbound.ts';

export interface OcppServerOptions {
  readonly site: Site;
  readonly stations: readonly OcppStationSettings[];
  readonly repo: OcppRepository;
  readonly log: Logger;
  readonly settings?: Partial<OcppServerSettings> | undefined;
  /** Fusebox's clock: time and the server's own timers (the system clock when absent). */
  readonly clock?: Clock | undefined;
  /** Wraps every station's handler table, outermost first (a cloud relay goes here). */
  readonly middleware?: readonly InboundMiddleware[] | undefined;
  /** Told of every CALL and CALLERROR on every station connection (metrics). */
  readonly observer?: OcppTrafficObserver | undefined;
}

/** The URL path stations connect under: `/ocpp/{stationId}`. */
export const OCPP_PATH = '/ocpp';
/** Consecutive malformed frames tolerated before the connection is closed (1002). */
const MAX_BAD_MESSAGES = 20;
/** Protocol errors logged as events per connection; beyond, only the log sees them. */
const MAX_LOGGED_BAD_MESSAGES = 10;
/** After NotifyEVChargingNeeds, the control loop has this long to send a new limit before the last is resent. */
const NEEDS_RESEND_MS = 1000;
/** How often due setpoint renewals are looked for, in ms. */
const RENEW_CHECK_MS = 1000;

export class OcppServer implements StationGateway {
  readonly commands: OperatorCommands;
  private readonly cs: CentralSystem;
  private readonly smart: SmartCharging;
  private readonly auth: StationAuthenticator;
  private readonly rpc: RpcServer;
  private http: HttpServer | undefined;
  private renewTimer: RepeatingTimer | undefined;
  private readonly admission: ConnectionAdmission;
  /** The CA certificates of the listener's secure context (they change with reloadTls). */
  private trustedCas: readonly X509Certificate[];

  private constructor(
    private readonly ctx: OcppContext,
    private readonly middleware: readonly InboundMiddleware[],
    private readonly observer: OcppTrafficObserver | undefined,
  ) {
    this.smart = new SmartCharging(ctx);
    this.cs = new CentralSystem(ctx, (conn) => {
      this.smart.setUpStation(conn).catch((err: unknown) => ctx.log.error({ err }, 'station set-up failed'));
    });
    this.commands = new OperatorCommands(ctx);
    ctx.events.on('ev-charging-needs', (e) => {
      const atMs = ctx.now();
      unrefTimer(ctx.clock.setTimeout(() => this.smart.resendSince(e.portId, atMs), NEEDS_RESEND_MS));
    });
    this.trustedCas = ctx.settings.tls?.ca ? parseCertificates(ctx.settings.tls.ca) : [];
    this.auth = new StationAuthenticator(ctx, OCPP_PATH, () => this.trustedCas);
    this.admission = new ConnectionAdmission(ctx, (conn, code, reason) =>
      stationClosed(ctx, conn, code, reason),
    );
    this.rpc = createRpcServer({
      protocols: ALL_SUBPROTOCOLS,
      strictMode: true,
      callTimeoutMs: ctx.settings.callTimeoutMs,
      pingIntervalMs: ctx.settings.pingIntervalMs,
      callConcurrency: 1,
      maxBadMessages: MAX_BAD_MESSAGES,
      wssOptions: { maxPayload: ctx.settings.maxFrameBytes },
    });
    this.rpc.auth(async (accept, reject, handshake) => {
      try {
        const r = await this.auth.authenticate(handshake);
        if (!r.ok) {
          this.admission.refused(handshake.identity, handshake.remoteAddress, r.httpStatus, r.reason);
          reject(r.httpStatus, r.reason);
          return;
        }
        const taken = await this.admission.claimIdentity(r.stationId, handshake.remoteAddress);
        if (taken) {
          this.admission.refused(r.stationId, handshake.remoteAddress, 409, taken);
          reject(409, taken);
          return;
        }
        accept({ ...r }, r.version ? subprotocolOf(r.version) : false);
      } catch (err) {
        ctx.log.error({ err }, 'station authentication failed');
        reject(500, 'internal error');
      }
    });
    this.rpc.on('client', (peer: RpcServerClient) => this.onClient(peer));
    this.rpc.on('error', (err: unknown) => ctx.log.error({ err }, 'OCPP WebSocket server error'));
  }

  /** Start listening; open sessions from the store are picked up again (a restart mid-session). */
  static async start(options: OcppServerOptions): Promise<OcppServer> {
    const settings = { ...DEFAULT_OCPP_SERVER_SETTINGS, ...options.settings };
    const clock = options.clock ?? systemClock;
    const directory = new PortDirectory(options.site);
    const ports = new Map(
      directory.all().map((info) => [info.port.id, new PortRuntime(info, EXPIRY_MARGIN_MS)]),
    );
    const ctx: OcppContext = {
      repo: options.repo,
      log: options.log,
      clock,
      now: () => clock.nowMs(),
      settings,
      stations: new Map(options.stations.map((s) => [s.stationId, s])),
      directory,
      ports,
      events: new GatewayEmitter(options.log),
      connections: new Map(),
      stationClocks: new Map(),
    };
    await options.repo.syncPorts(
      directory.all().map((i) => ({
        portId: i.port.id,
        stationId: i.port.stationId,
        evseId: i.port.connectorId,
        failSafeA: i.failSafeA,
      })),
      ctx.now(),
    );
    for (const s of await options.repo.openSessions()) {
      const rt = s.portId !== undefined ? ports.get(s.portId) : undefined;
      rt?.startSession({
        sessionId: s.sessionId,
        transactionRef: s.transactionRef,
        startedMs: s.startedMs,
        meterStartWh: s.meterStartWh,
        meterLastWh: s.meterLastWh,
        evNeeds: s.evNeeds,
      });
    }
    const server = new OcppServer(ctx, options.middleware ?? [], options.observer);
    await server.listen();
    return server;
  }

  private async listen(): Promise<void> {
    this.http = await startListener(this.ctx.settings, this.rpc.handleUpgrade, this.ctx.log);
    this.renewTimer = every(this.ctx.clock, RENEW_CHECK_MS, () => this.smart.renewDue());
    this.ctx.log.info({ url: this.url }, 'OCPP server listening');
  }

  /**
   * New server key and certificate, CA and CRL (rotated or renewed files) for the connections made from now on;
   * open connections keep the certificates they were made with. Throws, and keeps the running ones, when the
   * material is unusable (bad PEM, a key that is not the certificate's) or turns client certificates on or
   * off (that needs a restart).
   */
  reloadTls(tls: TlsSettings): void {
    // Whether client certificates are asked for is fixed at start (requestCert), and so is ctx.settings.tls.
    this.trustedCas = reloadListenerTls(this.http, this.ctx.settings.tls, tls, this.ctx.log);
  }

  /** The port actually listened on (useful with port 0). */
  get listenPort(): number {
    return (this.http?.address() as AddressInfo).port;
  }

  /** The base URL stations use, without the station id. */
  get url(): string {
    const { settings } = this.ctx;
    const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
    return `${settings.tls ? 'wss' : 'ws'}://${host}:${this.listenPort}${OCPP_PATH}`;
  }

  async close(): Promise<void> {
    this.renewTimer?.stop();
    const conns = [...this.ctx.connections.values()];
    this.ctx.connections.clear();
    await Promise.allSettled(conns.map((c) => c.close(1001, 'Fusebox shutting down')));
    await this.rpc.close({ code: 1001, force: true });
    const http = this.http;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  private onClient(peer: RpcServerClient): void {
    const { ctx } = this;
    const accepted = peer.session as unknown as AcceptedStation;
    const version = versionOfSubprotocol(peer.protocol);
    if (!version) {
      // OCPP-J 1.6 §3.1.2: no subprotocol in common, handshake completed without one, then closed.
      peer.close({ code: 1002, reason: 'no OCPP subprotocol in common' }).catch(() => undefined);
      return;
    }
    const stationId = accepted.stationId;
    const remoteAddress = peer.handshake.remoteAddress;
    const previous = ctx.connections.get(stationId);
    if (previous?.open) {
      // Two connections for one id passed the handshake at the same time: the first one stays.
      this.admission.refused(stationId, remoteAddress, 409, 'station already connected');
      peer.close({ code: 1008, reason: 'station already connected' }).catch(() => undefined);
      return;
    }
    if (this.observer) this.observe(peer, stationId, version, this.observer);
    const conn = new StationConnection(
      stationId,
      version,
      peer,
      ctx.settings.callTimeoutMs,
      ctx.now(),
      remoteAddress,
    );
    ctx.connections.set(stationId, conn);
    if (previous) previous.terminate().catch(() => undefined);

    const ready = prepareStation(ctx, this.smart, conn, accepted.configured);
    const table: HandlerTable = isV2(version)
      ? v2Handlers(ctx, this.cs, conn)
      : v16Handlers(ctx, this.cs, conn);
    const local = compose(dispatch(table), [logFailures(ctx.log), bootGate(conn, ready)]);
    const pipeline = compose(local, this.middleware);
    for (const action of table.keys()) {
      peer.handle(action, (call) =>
        pipeline({
          stationId,
          version,
          action: call.method,
          payload: call.params,
          messageId: call.messageId,
          signal: call.signal,
        }),
      );
    }

    let logged = 0;
    const protocolProblem = (message: string, data: unknown): void => {
      ctx.log.warn({ stationId, data }, message);
      if (++logged > MAX_LOGGED_BAD_MESSAGES) return;
      recordEvent(ctx, { level: 'warn', kind: 'protocol-error', stationId, message, data });
    };
    peer.on('badMessage', (e: { error: Error; response: unknown }) =>
      protocolProblem(`malformed message: ${e.error.message}`, { response: e.response }),
    );
    peer.on('strictValidationFailure', (e: { method: string; outbound: boolean; error: Error }) => {
      if (e.outbound)
        ctx.log.error({ stationId, method: e.method, err: e.error }, 'Fusebox sent an invalid message');
      else protocolProblem(`schema violation in ${e.method}: ${e.error.message}`, undefined);
    });
    peer.on('socketError', (err: Error) => ctx.log.debug({ stationId, err }, 'socket error'));
    peer.once('close', (e: { code?: number; reason?: string }) => stationClosed(ctx, conn, e.code, e.reason));

    ctx.events.emit('station-connected', { stationId, version, atMs: conn.connectedAtMs });
  }

  /** Reports the connection's CALLs and CALLERRORs; an observer that throws is logged, never fatal. */
  private observe(
    peer: RpcServerClient,
    stationId: string,
    version: OcppVersion,
    observer: OcppTrafficObserver,
  ): void {
    observeFrames(peer, (frame) => {
      try {
        if (frame.kind === 'call')
          observer.onCall?.({ stationId, version, direction: frame.direction, action: frame.action });
        else if (frame.kind === 'error')
          observer.onCallError?.({
            stationId,
            version,
            direction: frame.direction,
            action: frame.action ?? 'unknown',
            code: frame.code,
          });
      } catch (err) {
        this.ctx.log.error({ err }, 'OCPP traffic observer failed');
      }
    });
  }

  // StationGateway

  on<E extends GatewayEventName>(event: E, listener: (e: GatewayEvents[E]) => void): () => void {
    return this.ctx.events.on(event, listener);
  }

  applySetpoint(portId: string, currentA: number, options?: SetpointOptions): Promise<SetpointResult> {
    return this.smart.applySetpoint(portId, currentA, options);
  }

  effectiveLimitA(portId: string): number {
    return this.ctx.ports.get(portId)?.setpoints.effectiveLimitA(this.ctx.now()) ?? 0;
  }

  setFailSafeDefaults(defaults: ReadonlyMap<string, number>): void {
    this.smart.updateDefaults(defaults);
  }

  port(portId: string): PortSnapshot | undefined {
    const rt = this.ctx.ports.get(portId);
    return rt && this.snapshotOf(rt, this.ctx.now());
  }

  /** Every port, in the site's order (the dispatcher's portsById finds them by the site's index then); one array. */
  ports(): readonly PortSnapshot[] {
    const out = new Array<PortSnapshot>(this.ctx.ports.size);
    const now = this.ctx.now();
    let i = 0;
    for (const rt of this.ctx.ports.values()) out[i++] = this.snapshotOf(rt, now);
    return out;
  }

  private snapshotOf(rt: PortRuntime, nowMs: number): PortSnapshot {
    const conn = this.ctx.connections.get(rt.info.port.stationId);
    return rt.snapshot(conn?.open === true, nowMs, conn?.smartCharging);
  }

  async restrictPort(portId: string, action: 'unavailable' | 'stop'): Promise<string> {
    const rt = this.ctx.ports.get(portId);
    if (!rt) throw new Error(`unknown port '${portId}'`);
    const res =
      action === 'stop'
        ? await this.commands.remoteStop(portId)
        : await this.commands.changeAvailability({ stationId: rt.info.port.stationId, portId }, false);
    return res.status;
  }

  /** A connected station to call through (a relay forwarding upstream commands), if connected. */
  link(stationId: string): StationLink | undefined {
    const conn = this.ctx.connections.get(stationId);
    return conn?.open ? conn : undefined;
  }

  connectedStationIds(): readonly string[] {
    return [...this.ctx.connections.keys()];
  }

  /** The ports with a session open, without building every port's snapshot (called after every run). */
  portsInSession(): readonly string[] {
    const ids: string[] = [];
    for (const [id, rt] of this.ctx.ports) if (rt.session !== undefined) ids.push(id);
    return ids;
  }
}
