/**
 * A cloud central system for tests and the bench: a real OCPP-J server (ocpp-rpc) on 127.0.0.1, port 0, that
 * assigns its own 1.6 transaction ids, keeps every CALL it receives per station, and can be taken down
 * (connections closed, new ones refused with 503) and brought back.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RpcServer, RpcServerClient } from '../../ocpp/rpc.ts';
import { createRpcServer, rpcError } from '../../ocpp/rpc.ts';

export interface CloudCall {
  readonly stationId: string;
  readonly action: string;
  readonly payload: unknown;
  /** True when the connection was gone by the time the answer was ready: the sender never got it. */
  lost?: boolean;
}

export interface TestCloudOptions {
  /** Basic auth passwords per station; a station not listed needs none. */
  readonly passwords?: Readonly<Record<string, string>>;
  /** Delay before each answer, in ms (a slow cloud). */
  readonly answerDelayMs?: number;
  /** Told of each CALL as it arrives, right after it joins `calls` (the proxy bench stamps its time). */
  readonly onCall?: (call: CloudCall) => void;
  /** First 1.6 transaction id the cloud assigns. */
  readonly firstTransactionId?: number;
  /** wss:// with this server key and certificate; with `ca`, a client certificate from it is required. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca?: string };
}

export class TestCloud {
  readonly calls: CloudCall[] = [];
  readonly clients = new Map<string, RpcServerClient>();
  /** The CN of the client certificate of each station's last connection (wss with `tls.ca`). */
  readonly clientCns = new Map<string, string>();
  /** Connections made, per station (reconnect tests). */
  readonly connects = new Map<string, number>();
  /** Answers per action that replace the default (a CALLERROR: throw rpcError). */
  readonly answers = new Map<string, (payload: unknown, stationId: string) => unknown>();
  private nextTx: number;
  private down = false;
  private http: HttpServer | undefined;

  private constructor(
    private readonly rpc: RpcServer,
    private readonly options: TestCloudOptions,
  ) {
    this.nextTx = options.firstTransactionId ?? 1000;
  }

  static async start(options: TestCloudOptions = {}): Promise<TestCloud> {
    const rpc = createRpcServer({
      protocols: ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'],
      strictMode: true,
      callTimeoutMs: 10_000,
      pingIntervalMs: 0,
      callConcurrency: 1,
    });
    const cloud = new TestCloud(rpc, options);
    rpc.auth((accept, reject, handshake) => {
      if (cloud.down) return reject(503, 'cloud down');
      const want = options.passwords?.[handshake.identity];
      if (want !== undefined && handshake.password?.toString() !== want) return reject(401, 'bad password');
      const socket = handshake.request.socket as Partial<TLSSocket>;
      const cn = socket.getPeerCertificate?.().subject?.CN;
      if (typeof cn === 'string') cloud.clientCns.set(handshake.identity, cn);
      accept();
    });
    rpc.on('client', (client: RpcServerClient) => cloud.onClient(client));
    if (options.tls) {
      const https = createHttpsServer({
        key: options.tls.key,
        cert: options.tls.cert,
        ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
      });
      https.on('upgrade', (req, socket, head: Buffer) => void rpc.handleUpgrade(req, socket, head));
      await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
      cloud.http = https;
    } else cloud.http = await rpc.listen(0, '127.0.0.1');
    return cloud;
  }

  /** The url Fusebox's upstream setting uses (the station id is appended). */
  get url(): string {
    const scheme = this.options.tls ? 'wss' : 'ws';
    return `${scheme}://127.0.0.1:${(this.http!.address() as AddressInfo).port}/ocpp`;
  }

  get isDown(): boolean {
    return this.down;
  }

  /** Closes every connection and refuses new ones until `up()`. */
  async goDown(): Promise<void> {
    this.down = true;
    await Promise.allSettled([...this.clients.values()].map((c) => c.close({ code: 1001, force: true })));
    this.clients.clear();
  }

  up(): void {
    this.down = false;
  }

  /** The calls one station made, optionally of some actions only. */
  of(stationId: string, actions?: readonly string[]): CloudCall[] {
    return this.calls.filter((c) => c.stationId === stationId && (!actions || actions.includes(c.action)));
  }

  /** A CALL from the cloud to the station (through Fusebox). */
  call(stationId: string, action: string, payload: unknown): Promise<unknown> {
    const c = this.clients.get(stationId);
    if (!c) throw new Error(`${stationId} is not connected to the cloud`);
    return c.call(action, payload);
  }

  async close(): Promise<void> {
    await this.rpc.close({ force: true });
    this.http?.closeAllConnections();
    this.http?.close();
  }

  private onClient(client: RpcServerClient): void {
    const id = client.identity;
    this.clients.set(id, client);
    this.connects.set(id, (this.connects.get(id) ?? 0) + 1);
    client.once('close', () => {
      if (this.clients.get(id) === client) this.clients.delete(id);
    });
    const v16 = client.protocol === 'ocpp1.6';
    client.handle(async (call: { method: string; params: unknown }) => {
      const record: CloudCall = { stationId: id, action: call.method, payload: call.params };
      this.calls.push(record);
      this.options.onCall?.(record);
      try {
        return await this.answer(id, v16, call.method, call.params);
      } finally {
        if (client.state !== 1) record.lost = true;
      }
    });
  }

  private async answer(stationId: string, v16: boolean, action: string, payload: unknown): Promise<unknown> {
    if (this.options.answerDelayMs) await new Promise((r) => setTimeout(r, this.options.answerDelayMs));
    const custom = this.answers.get(action);
    if (custom) return custom(payload, stationId);
    const now = new Date().toISOString();
    const p = payload as Record<string, unknown>;
    switch (action) {
      case 'BootNotification':
        return { status: 'Accepted', currentTime: now, interval: 123 };
      case 'Heartbeat':
        return { currentTime: now };
      case 'Authorize':
        return v16
          ? { idTagInfo: { status: p.idTag === 'BLOCKED' ? 'Blocked' : 'Accepted' } }
          : { idTokenInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId: this.nextTx++, idTagInfo: { status: 'Accepted' } };
      case 'StopTransaction':
        return {};
      case 'DataTransfer':
        return { status: 'Accepted', data: `cloud:${String(p.data)}` };
      case 'TransactionEvent':
        return {};
      case 'StatusNotification':
      case 'MeterValues':
        return {};
      default:
        throw rpcError('NotImplemented', `test cloud does not know ${action}`);
    }
  }
}
