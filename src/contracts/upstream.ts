/**
 * The cloud relay's contracts (docs/proxy.md): how Fusebox reaches the operator's cloud central system for each
 * station (from `upstream:`, read by src/config, used by src/proxy), and what the API shows of it.
 */

export interface UpstreamTls {
  /** CA certificates (PEM) the cloud's server certificate must chain to; undefined: the system's. */
  readonly ca?: string | undefined;
  /** Client certificate and key (PEM) for security profile 3. */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

export interface UpstreamStationSettings {
  readonly stationId: string;
  /** The url without the station id: the OCPP-J client appends `/{stationId}`. */
  readonly endpoint: string;
  /** HTTP basic auth password (user name: the station id). */
  readonly password?: string | undefined;
  readonly tls?: UpstreamTls | undefined;
}

export interface UpstreamReconnect {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * What Fusebox answers, while the cloud is down, for an id tag neither the local list nor the cache of the
 * cloud's answers knows: accept, reject, or accept and stop the session once it has drawn `acceptUpToKwh`.
 */
export type OfflineUnknownIdTags = 'accept' | 'reject' | { readonly acceptUpToKwh: number };

export interface UpstreamSettings {
  readonly reconnect: UpstreamReconnect;
  /** Undefined: `ocpp.acceptUnknownIdTags` decides, as when Fusebox is the only central system. */
  readonly offlineUnknownIdTags?: OfflineUnknownIdTags | undefined;
  /** The station's upstream, or undefined when it is not relayed. */
  stationFor(stationId: string): UpstreamStationSettings | undefined;
  /** True when the station is deliberately not relayed (shown as 'disabled'). */
  disabled(stationId: string): boolean;
}

/** What the API shows per relayed station. */
export interface UpstreamStatus {
  readonly stationId: string;
  /** connected; connecting; outage (the cloud unreachable); idle (no link: station away); disabled (not relayed). */
  readonly state: 'connected' | 'connecting' | 'outage' | 'idle' | 'disabled';
  readonly outageSinceMs: number | undefined;
  readonly queueDepth: number;
  readonly oldestQueuedMs: number | undefined;
  readonly lastRelayMs: number | undefined;
  /** Queued messages the cloud answered with a CALLERROR (kept, not sent again). */
  readonly failed: number;
}
