/** How Fusebox reaches the operator's cloud central system for each station (from `upstream:`, docs/proxy.md). */

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

export interface UpstreamSettings {
  readonly reconnect: UpstreamReconnect;
  /** The station's upstream, or undefined when it is not relayed. */
  stationFor(stationId: string): UpstreamStationSettings | undefined;
  /** True when the station is deliberately not relayed (shown as 'disabled'). */
  disabled(stationId: string): boolean;
}
