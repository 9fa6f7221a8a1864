/**
 * The one place that touches `ocpp-rpc` (OCPP-J framing, call ids, timeouts, JSON-schema validation).
 * The library is untyped JavaScript: this file describes the part of it Fusebox uses and casts once.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import ocppRpc from 'ocpp-rpc';

/** An inbound CALL as the library hands it to a handler. */
export interface RpcInboundCall {
  readonly messageId: string;
  readonly method: string;
  readonly params: unknown;
  readonly signal: AbortSignal;
}

export type RpcHandler = (call: RpcInboundCall) => unknown;

/** One end of an OCPP-J connection (a station seen from the server, or a client). */
export interface RpcPeer extends EventEmitter {
  readonly identity: string;
  /** The negotiated subprotocol; undefined when none was agreed. */
  readonly protocol: string | undefined;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly state: number;
  handle(method: string, handler: RpcHandler): void;
  /** The handler of every action that has none of its own (the cloud relay's). */
  handle(handler: RpcHandler): void;
  /** `signal`: aborting it rejects the call (the library then forgets it). */
  call(
    method: string,
    params: unknown,
    options?: { callTimeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown>;
  sendRaw(message: string): void;
  close(options?: {
    code?: number;
    reason?: string;
    force?: boolean;
    awaitPending?: boolean;
  }): Promise<unknown>;
}

/** What the server's auth callback receives about the upgrade request. */
export interface RpcHandshake {
  readonly identity: string;
  readonly endpoint: string;
  readonly protocols: ReadonlySet<string>;
  readonly password: Buffer | undefined;
  readonly remoteAddress: string | undefined;
  readonly request: IncomingMessage;
}

export interface RpcServerClient extends RpcPeer {
  readonly handshake: RpcHandshake;
  readonly session: Record<string, unknown>;
}

export interface RpcServerOptions {
  readonly protocols: readonly string[];
  readonly strictMode: boolean;
  readonly callTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** OCPP-J 1.6 §4.1.1: one outstanding CALL per direction. */
  readonly callConcurrency: number;
  readonly maxBadMessages?: number;
  readonly wssOptions?: { readonly maxPayload?: number };
  readonly strictModeValidators?: readonly unknown[];
}

export type AuthCallback = (
  accept: (session?: Record<string, unknown>, protocol?: string | false) => void,
  reject: (code: number, message: string) => void,
  handshake: RpcHandshake,
) => void | Promise<void>;

export interface RpcServer extends EventEmitter {
  auth(callback: AuthCallback): void;
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
  listen(port: number, host?: string): Promise<HttpServer>;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<void>;
}

export interface RpcClientOptions {
  readonly endpoint: string;
  readonly identity: string;
  readonly protocols: readonly string[];
  readonly strictMode: boolean;
  readonly password?: string | Buffer | null;
  readonly reconnect?: boolean;
  readonly callTimeoutMs?: number;
  readonly callConcurrency?: number;
  readonly pingIntervalMs?: number;
  readonly wsOpts?: Record<string, unknown>;
  readonly strictModeValidators?: readonly unknown[];
  readonly backoff?: {
    readonly initialDelay: number;
    readonly maxDelay: number;
    readonly factor: number;
    readonly randomisationFactor: number;
  };
}

export interface RpcClient extends RpcPeer {
  connect(): Promise<unknown>;
}

/** A CALLERROR received or to be sent: `rpcErrorCode` is the OCPP-J error code. */
export interface RpcErrorLike extends Error {
  readonly rpcErrorCode: string;
  readonly details?: unknown;
}

interface OcppRpcModule {
  RPCServer: new (options: RpcServerOptions) => RpcServer;
  RPCClient: new (options: RpcClientOptions) => RpcClient;
  createRPCError: (type: string, message?: string, details?: unknown) => RpcErrorLike;
  createValidator: (subprotocol: string, schemas: readonly unknown[]) => unknown;
  TimeoutError: new (...args: unknown[]) => Error;
  RPCError: new (...args: unknown[]) => RpcErrorLike;
  NOREPLY: symbol;
}

// The package's declarations disagree with its runtime (every client option required, no default export):
// describe the runtime once here.
const lib = ocppRpc as unknown as OcppRpcModule;

const require = createRequire(import.meta.url);

/**
 * ocpp-rpc 2.2 bundles the OCPP 2.1 schemas with ids `urn:XRequest`/`urn:XResponse` but looks them up as
 * `urn:X.req`/`urn:X.conf`, so its own 2.1 validator rejects every message. Rebuild it with the ids renamed.
 */
function ocpp21Validator(): unknown {
  const schemas = require('ocpp-rpc/lib/schemas/ocpp2_1.json') as { $id: string }[];
  const renamed = schemas.map((s) => ({
    ...(withoutEnumAdditionalProperties(s) as object),
    $id: s.$id.replace(/Request$/, '.req').replace(/Response$/, '.conf'),
  }));
  return lib.createValidator('ocpp2.1', renamed);
}

/** The 2.1 schemas put `additionalProperties` on string enums, which Ajv reports on every compile. */
function withoutEnumAdditionalProperties(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutEnumAdditionalProperties);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const isEnum = 'enum' in node;
  for (const [k, v] of Object.entries(node)) {
    if (isEnum && k === 'additionalProperties') continue;
    out[k] = withoutEnumAdditionalProperties(v);
  }
  return out;
}

let validators: readonly unknown[] | undefined;

/** The part of the library's Validator (lib/validator.js) that memoizedSchemas reaches into. */
interface LibValidator {
  readonly subprotocol: string;
  readonly _ajv?: { getSchema: (id: string) => unknown };
}

/**
 * The library validates every CALL and answer through `ajv.getSchema(id)`, which normalises the id as a URI
 * on each call (fast-uri: a few percent of Fusebox's CPU time on the cloud relay path in the proxy bench's
 * profile). The schemas never change after start: the function found for an id is kept.
 */
function memoizedSchemas(v: unknown): unknown {
  const ajv = (v as LibValidator)._ajv;
  if (!ajv) return v;
  const get = ajv.getSchema.bind(ajv);
  const found = new Map<string, unknown>();
  ajv.getSchema = (id) => {
    let fn = found.get(id);
    if (fn === undefined) {
      fn = get(id);
      if (fn !== undefined) found.set(id, fn);
    }
    return fn;
  };
  return v;
}

/**
 * The strict-mode validators: the library's bundled ones for 1.6 and 2.0.1, a fixed one for 2.1 (see
 * ocpp21Validator), each looking its schemas up once (memoizedSchemas).
 */
export function strictValidators(): readonly unknown[] {
  validators ??= [
    ...(require('ocpp-rpc/lib/standard-validators.js') as LibValidator[]).filter(
      (v) => v.subprotocol !== 'ocpp2.1',
    ),
    ocpp21Validator(),
  ].map(memoizedSchemas);
  return validators;
}

/** A new OCPP-J server (no listener: attach `handleUpgrade` to an HTTP or HTTPS server). */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  return new lib.RPCServer({ ...options, strictModeValidators: strictValidators() });
}

/** A new OCPP-J client (used by the station simulator and tests). */
export function createRpcClient(options: RpcClientOptions): RpcClient {
  return new lib.RPCClient({
    reconnect: false,
    callConcurrency: 1,
    ...options,
    strictModeValidators: strictValidators(),
  });
}

/** An error that the library turns into a CALLERROR with this OCPP-J error code. */
export function rpcError(
  code: OcppErrorCode,
  message: string,
  details?: Record<string, unknown>,
): RpcErrorLike {
  return lib.createRPCError(code, message, details ?? {});
}

/** True when a call failed because the peer did not answer in time. */
export function isRpcTimeout(err: unknown): boolean {
  return err instanceof lib.TimeoutError;
}

/** The OCPP-J error code of a CALLERROR, or undefined for other failures (timeout, disconnect). */
export function rpcErrorCode(err: unknown): string | undefined {
  return err instanceof lib.RPCError ? err.rpcErrorCode : undefined;
}

/** One OCPP-J frame seen on a connection; a CALLRESULT or CALLERROR names the action of its CALL when known. */
export type RpcFrame =
  | { readonly direction: 'in' | 'out'; readonly kind: 'call'; readonly action: string }
  | { readonly direction: 'in' | 'out'; readonly kind: 'result'; readonly action: string | undefined }
  | {
      readonly direction: 'in' | 'out';
      readonly kind: 'error';
      readonly action: string | undefined;
      readonly code: string;
    };

/** Unanswered CALLs remembered per direction (OCPP-J allows one at a time; a bound against silent peers). */
const MAX_PENDING_CALLS = 64;

/**
 * Calls `fn` for every frame `peer` sends or receives, including CALLs the library answers by itself
 * (unknown actions, schema violations). Malformed text is not a frame and is skipped.
 */
export function observeFrames(peer: RpcPeer, fn: (frame: RpcFrame) => void): void {
  // Message id -> action of CALLs awaiting their answer: 'in' = the peer's CALLs, 'out' = ours.
  const pending = { in: new Map<string, string>(), out: new Map<string, string>() };
  peer.on('message', (e: { message: unknown; outbound: boolean }) => {
    let frame: unknown;
    try {
      frame = JSON.parse(String(e.message));
    } catch {
      return;
    }
    if (!Array.isArray(frame) || typeof frame[1] !== 'string') return;
    const direction = e.outbound ? 'out' : 'in';
    const id = frame[1];
    if (frame[0] === 2 && typeof frame[2] === 'string') {
      const calls = pending[direction];
      if (calls.size >= MAX_PENDING_CALLS) calls.delete(calls.keys().next().value!);
      calls.set(id, frame[2]);
      fn({ direction, kind: 'call', action: frame[2] });
      return;
    }
    // An answer goes the other way from its CALL.
    const calls = pending[e.outbound ? 'in' : 'out'];
    const action = calls.get(id);
    calls.delete(id);
    if (frame[0] === 3) fn({ direction, kind: 'result', action });
    else if (frame[0] === 4)
      fn({ direction, kind: 'error', action, code: typeof frame[2] === 'string' ? frame[2] : 'unknown' });
  });
}

/** The part of the `ws` WebSocket under a peer that a liveness probe uses (the library keeps it private). */
interface RawWebSocket {
  readonly readyState: number;
  ping(): void;
  on(event: 'pong' | 'close', listener: () => void): unknown;
  off(event: 'pong' | 'close', listener: () => void): unknown;
}

/**
 * Sends a WebSocket ping on `peer` now; resolves true if the pong arrives within `timeoutMs`, false if not,
 * or if the socket is not open (a half-open TCP connection never answers).
 */
export function answersPing(peer: RpcPeer, timeoutMs: number): Promise<boolean> {
  // ocpp-rpc pings only on its own interval and exposes no ping: reach its socket (`_ws`, 2.2.x).
  const ws = (peer as unknown as { _ws?: RawWebSocket })._ws;
  if (!ws || ws.readyState !== 1) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (alive: boolean): void => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      resolve(alive);
    };
    const onPong = (): void => done(true);
    const onClose = (): void => done(false);
    // A pong on a real socket comes in real time (like ocpp-rpc's own keep-alive pings): wall-clock on purpose.
    // eslint-disable-next-line no-restricted-globals -- real-socket timeout, see above
    const timer = setTimeout(() => done(false), timeoutMs);
    ws.on('pong', onPong);
    ws.on('close', onClose);
    try {
      ws.ping();
    } catch {
      done(false);
    }
  });
}

/** Returned from a handler: send no response (a station that never answers, in the simulator). */
export const NO_REPLY: symbol = lib.NOREPLY;

/** CALLERROR codes of OCPP-J 1.6 §4.2.3 and 2.0.1 Part 4 §4.3 (the library maps spelling per version). */
export type OcppErrorCode =
  | 'NotImplemented'
  | 'NotSupported'
  | 'InternalError'
  | 'ProtocolError'
  | 'SecurityError'
  | 'FormatViolation'
  | 'PropertyConstraintViolation'
  | 'OccurrenceConstraintViolation'
  | 'TypeConstraintViolation'
  | 'GenericError'
  | 'RpcFrameworkError';
