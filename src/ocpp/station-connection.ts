/** One live OCPP-J connection of a station: its version, its boot state, and the way to call it. */
import type { RateUnit } from './charging-profile.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { RpcPeer } from './rpc.ts';
import { answersPing } from './rpc.ts';

/** A link to a station a relay or an operator command can call through. */
export interface StationLink {
  readonly stationId: string;
  readonly version: OcppVersion;
  /** Send a CALL; resolves with the CALLRESULT payload, rejects on CALLERROR, timeout or disconnect. */
  call<T = unknown>(action: string, payload: unknown, timeoutMs?: number): Promise<T>;
}

export class StationConnection implements StationLink {
  /** BootNotification accepted on this connection, or accepted before and the station reconnected. */
  accepted = false;
  /** Charging rate units the station takes, best first (from its configuration). */
  rateUnits: readonly RateUnit[] = ['A'];
  /** false: the station says it has no smart charging (read at set-up); undefined: not known. */
  smartCharging: boolean | undefined = undefined;
  readonly connectedAtMs: number;

  constructor(
    readonly stationId: string,
    readonly version: OcppVersion,
    private readonly peer: RpcPeer,
    private readonly callTimeoutMs: number,
    nowMs: number,
    /** Where the connection came from (logs and events). */
    readonly remoteAddress?: string | undefined,
  ) {
    this.connectedAtMs = nowMs;
  }

  get open(): boolean {
    return this.peer.state === 1;
  }

  async call<T = unknown>(action: string, payload: unknown, timeoutMs?: number): Promise<T> {
    return (await this.peer.call(action, payload, { callTimeoutMs: timeoutMs ?? this.callTimeoutMs })) as T;
  }

  /** Whether the station answers a WebSocket ping within `timeoutMs` (a half-open connection does not). */
  answersPing(timeoutMs: number): Promise<boolean> {
    return answersPing(this.peer, timeoutMs);
  }

  /** Close the WebSocket (1000 normal, 1008 policy, 4000+ application). */
  async close(code: number, reason: string): Promise<void> {
    await this.peer.close({ code, reason });
  }

  /** Drop the TCP connection without a close handshake (a stale connection being replaced). */
  async terminate(): Promise<void> {
    await this.peer.close({ force: true });
  }
}
