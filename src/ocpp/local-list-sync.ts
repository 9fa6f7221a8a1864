/**
 * The operator's local authorization list on the stations (docs/ocpp.md#local-authorization-list): to every
 * connected station that keeps a local list (1.6: SupportedFeatureProfiles names LocalAuthListManagement;
 * 2.0.1: it answers GetLocalListVersion), a full SendLocalList whenever its version differs from Fusebox's:
 * when it connects (after its set-up) and after every change. A station's accepted version is stored, and
 * a station is never sent the list while it already has that version.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { LocalIdTag, LocalListSource } from '../contracts/ocpp-repository.ts';
import { rpcErrorCode } from './rpc.ts';
import type { StationLink } from './station-connection.ts';
import type { GatewayEventName, GatewayEvents } from '../contracts/station-gateway.ts';

/** What the sync needs of the OCPP server. */
export interface LocalListGateway {
  on<E extends GatewayEventName>(event: E, listener: (e: GatewayEvents[E]) => void): () => void;
  link(stationId: string): StationLink | undefined;
  connectedStationIds(): readonly string[];
  port(portId: string): { readonly stationId: string } | undefined;
}

export interface LocalListSyncDeps {
  readonly gateway: LocalListGateway;
  readonly store: LocalListSource;
  readonly log: Logger;
  /**
   * After a station connects, how long to wait before asking for its version (its boot and fail-safe set-up
   * go first), in ms. Default 5000. A fail-safe default accepted earlier starts it at once.
   */
  readonly connectDelayMs?: number | undefined;
  /** Fusebox's clock (the system clock when absent). */
  readonly clock?: Clock | undefined;
  /**
   * True when another central system owns the station's list: a station relayed to the operator's cloud
   * (docs/proxy.md), whose list the cloud manages with its own versions. Such a station is never sent
   * Fusebox's list; Fusebox's list still answers its Authorize during outages.
   */
  readonly ownedElsewhere?: ((stationId: string) => boolean) | undefined;
}

/** What one check of a station ended in. */
export type LocalListOutcome =
  | { readonly kind: 'unsupported' }
  /** Another central system (the cloud) owns the station's list: left alone. */
  | { readonly kind: 'owned-elsewhere' }
  | { readonly kind: 'current'; readonly version: number }
  | { readonly kind: 'sent'; readonly version: number }
  | { readonly kind: 'refused'; readonly version: number; readonly status: string }
  | { readonly kind: 'failed'; readonly error: string };

interface GetConfiguration16 {
  readonly configurationKey?: readonly { readonly key: string; readonly value?: string }[];
}

/** CALLERRORs that mean the station does not have the message at all. */
const NOT_THERE = new Set(['NotImplemented', 'NotSupported']);

export class LocalListSync {
  private readonly off: (() => void)[] = [];
  private readonly timers = new Set<unknown>();
  /** Per station, the check running and whether another is wanted after it. */
  private readonly running = new Map<string, { again: boolean }>();
  /** Stations checked on their current connection. */
  private readonly checked = new Set<string>();
  private readonly listeners: ((stationId: string, outcome: LocalListOutcome) => void)[] = [];

  private readonly clock: Clock;

  constructor(private readonly deps: LocalListSyncDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  start(): void {
    const g = this.deps.gateway;
    this.off.push(
      g.on('station-connected', (e) => {
        this.checked.delete(e.stationId);
        const timer = this.clock.setTimeout(() => {
          this.timers.delete(timer);
          if (!this.checked.has(e.stationId)) this.check(e.stationId);
        }, this.deps.connectDelayMs ?? 5000);
        this.timers.add(timer);
      }),
      g.on('station-disconnected', (e) => this.checked.delete(e.stationId)),
      // The station's set-up is done (a booted station is sent its fail-safe defaults first).
      g.on('setpoint', (e) => {
        if (e.purpose !== 'default' || e.result !== 'accepted') return;
        const stationId = this.deps.gateway.port(e.portId)?.stationId;
        if (stationId !== undefined && !this.checked.has(stationId)) this.check(stationId);
      }),
    );
  }

  stop(): void {
    for (const off of this.off.splice(0)) off();
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** The list changed: every connected station is checked again. */
  changed(): void {
    for (const stationId of this.deps.gateway.connectedStationIds()) this.check(stationId);
  }

  /** Told how every check ended (tests, logs). */
  onOutcome(fn: (stationId: string, outcome: LocalListOutcome) => void): void {
    this.listeners.push(fn);
  }

  /** Checks a station, one check at a time per station (a change during one runs another after it). */
  private check(stationId: string): void {
    this.checked.add(stationId);
    const busy = this.running.get(stationId);
    if (busy) {
      busy.again = true;
      return;
    }
    const state = { again: false };
    this.running.set(stationId, state);
    const run = async (): Promise<void> => {
      do {
        state.again = false;
        const outcome = await this.checkOnce(stationId);
        // Failed (e.g. asked before its boot was accepted): the end of its set-up tries again.
        if (outcome.kind === 'failed') this.checked.delete(stationId);
        for (const fn of this.listeners) fn(stationId, outcome);
      } while (state.again);
    };
    run()
      .catch((err: unknown) => this.deps.log.error({ err, stationId }, 'local list check failed'))
      .finally(() => this.running.delete(stationId));
  }

  private async checkOnce(stationId: string): Promise<LocalListOutcome> {
    const { store, log } = this.deps;
    if (this.deps.ownedElsewhere?.(stationId)) return { kind: 'owned-elsewhere' };
    const link = this.deps.gateway.link(stationId);
    if (!link) return { kind: 'failed', error: 'not connected' };
    try {
      const v16 = link.version === '1.6';
      if (v16) {
        const conf = await link.call<GetConfiguration16>('GetConfiguration', {
          key: ['SupportedFeatureProfiles'],
        });
        const profiles =
          conf.configurationKey?.find((k) => k.key === 'SupportedFeatureProfiles')?.value ?? '';
        if (!profiles.split(',').some((p) => p.trim().toLowerCase() === 'localauthlistmanagement')) {
          log.debug({ stationId }, 'station has no local authorization list (SupportedFeatureProfiles)');
          return { kind: 'unsupported' };
        }
      }
      let stationVersion: number;
      try {
        const res = await link.call<Record<string, unknown>>('GetLocalListVersion', {});
        stationVersion = Number(res[v16 ? 'listVersion' : 'versionNumber']);
      } catch (err) {
        if (NOT_THERE.has(rpcErrorCode(err) ?? '')) {
          log.debug({ stationId }, 'station has no local authorization list (GetLocalListVersion)');
          return { kind: 'unsupported' };
        }
        throw err;
      }
      // 1.6: -1 when the station's local list is not enabled.
      if (stationVersion < 0) return { kind: 'unsupported' };
      const version = store.version();
      if (stationVersion === version) {
        if (store.stationVersion(stationId) !== version) await store.setStationVersion(stationId, version);
        return { kind: 'current', version };
      }
      // Version 0: Fusebox's list was never edited; a list the station got elsewhere is left as it is.
      if (version === 0) return { kind: 'current', version: stationVersion };
      const tags = store.list();
      const payload = v16 ? sendLocalList16(version, tags) : sendLocalList2(version, tags);
      const answer = await link.call<{ status: string }>('SendLocalList', payload);
      if (answer.status !== 'Accepted') {
        log.warn(
          { stationId, version, status: answer.status },
          `station did not take the local authorization list: ${answer.status}`,
        );
        return { kind: 'refused', version, status: answer.status };
      }
      await store.setStationVersion(stationId, version);
      log.info({ stationId, version, idTags: tags.length }, 'local authorization list sent');
      return { kind: 'sent', version };
    } catch (err) {
      const error = rpcErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
      log.warn({ err, stationId }, `could not send the local authorization list: ${error}`);
      return { kind: 'failed', error };
    }
  }
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

/** SendLocalList.req, OCPP 1.6 §6.43: a full list (an empty list has no localAuthorizationList). */
export function sendLocalList16(version: number, tags: readonly LocalIdTag[]) {
  return {
    listVersion: version,
    updateType: 'Full',
    ...(tags.length
      ? {
          localAuthorizationList: tags.map((t) => ({
            idTag: t.idTag,
            idTagInfo: {
              status: t.status,
              ...(t.expiresMs !== undefined ? { expiryDate: isoOf(t.expiresMs) } : {}),
              ...(t.parentIdTag !== undefined ? { parentIdTag: t.parentIdTag } : {}),
            },
          })),
        }
      : {}),
  };
}

/**
 * SendLocalList, OCPP 2.0.1 D01: id tokens of type ISO14443 (the RFID cards a local list is for), the parent
 * id tag as a Central group id token.
 */
export function sendLocalList2(version: number, tags: readonly LocalIdTag[]) {
  return {
    versionNumber: version,
    updateType: 'Full',
    ...(tags.length
      ? {
          localAuthorizationList: tags.map((t) => ({
            idToken: { idToken: t.idTag, type: 'ISO14443' },
            idTokenInfo: {
              status: t.status,
              ...(t.expiresMs !== undefined ? { cacheExpiryDateTime: isoOf(t.expiresMs) } : {}),
              ...(t.parentIdTag !== undefined
                ? { groupIdToken: { idToken: t.parentIdTag, type: 'Central' } }
                : {}),
            },
          })),
        }
      : {}),
  };
}
