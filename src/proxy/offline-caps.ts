/**
 * Sessions Fusebox accepted for an unknown id tag during a cloud outage under `offlineUnknownIdTags: {
 * acceptUpToKwh }` (docs/proxy.md): each is stopped at its energy limit. Kept in SQLite (proxy_offline_caps)
 * until the session ends, stored before the station hears Accepted, so that a restart keeps the limit.
 */
import type { Logger } from 'pino';
import type { PortMeterEvent } from '../contracts/station-gateway.ts';
import type { OcppServer } from '../ocpp/ocpp-server.ts';
import type { Store } from '../store/store.ts';
import type { RecordEvent } from './relay.ts';
import { backoffMs } from '../backoff.ts';

/** A session accepted for an unknown id tag, to stop at `limitWh`. */
interface OfflineCap {
  readonly sessionId: number;
  readonly idTag: string;
  readonly limitWh: number;
  /** A stop is on its way (its answer not yet in). */
  stopping: boolean;
  /** When the station last accepted a stop (ms): until STOP_RESEND_AFTER_MS later, readings send none. */
  acceptedMs: number | undefined;
  /** Stops refused or failed in a row (the next retry waits longer). */
  failures: number;
  /** The retry of a refused or failed stop, when one is waiting. */
  retry: ReturnType<typeof setTimeout> | undefined;
  /** The event was recorded (once per session). */
  announced: boolean;
}

/**
 * A stop the station refused (or that could not be sent: station offline, no answer) is sent again after this
 * long, doubled with every further failure up to STOP_RETRY_MAX_MS, and also with the session's next reading.
 */
export const STOP_RETRY_FIRST_MS = 5_000;
export const STOP_RETRY_MAX_MS = 60_000;
/**
 * A session whose readings still come this long after its station accepted a stop is sent the stop again, in
 * ms: that station did not stop it.
 */
export const STOP_RESEND_AFTER_MS = 60_000;

export interface OfflineCapsDeps {
  readonly server: OcppServer;
  readonly store: Store;
  readonly log: Logger;
  readonly now: () => number;
  /** Records an event (store and log). */
  readonly event: RecordEvent;
  /** The first retry of a refused stop, in ms (STOP_RETRY_FIRST_MS; tests shorten it). */
  readonly stopRetryMs?: number | undefined;
}

const UNSTOPPED = { stopping: false, acceptedMs: undefined, failures: 0, retry: undefined } as const;

export class OfflineCaps {
  /** By port id. */
  private readonly byPort = new Map<string, OfflineCap>();
  private readonly unsubscribe: (() => void)[];
  private closed = false;

  /** Reads back the limits of the sessions still running at the last stop. */
  constructor(private readonly d: OfflineCapsDeps) {
    const caps = d.store.db
      .prepare<
        [],
        { port_id: string; session_id: number; id_tag: string; limit_wh: number; announced: number }
      >('SELECT port_id, session_id, id_tag, limit_wh, announced FROM proxy_offline_caps')
      .all();
    for (const c of caps)
      this.byPort.set(c.port_id, {
        sessionId: c.session_id,
        idTag: c.id_tag,
        limitWh: c.limit_wh,
        ...UNSTOPPED,
        announced: c.announced === 1,
      });
    this.unsubscribe = [
      d.server.on('meter-values', (e) => this.enforce(e)),
      d.server.on('session-stopped', (e) => this.sessionStopped(e.portId, e.sessionId)),
    ];
  }

  /** The session on `portId` has its limit already. */
  has(portId: string, sessionId: number): boolean {
    return this.byPort.get(portId)?.sessionId === sessionId;
  }

  /** Limits the session to `limitWh`; resolves once stored (before the station hears Accepted). */
  async add(portId: string, sessionId: number, idTag: string, limitWh: number): Promise<void> {
    await this.d.store.writer.run('proxySaveOfflineCap', {
      portId,
      sessionId,
      idTag,
      limitWh,
      atMs: this.d.now(),
    });
    this.byPort.set(portId, { sessionId, idTag, limitWh, ...UNSTOPPED, announced: false });
  }

  /** The session ended: its limit goes. */
  sessionStopped(portId: string, sessionId: number): void {
    if (this.byPort.get(portId)?.sessionId === sessionId) this.forget(portId);
  }

  /** A reading of a capped session: at its limit, Fusebox stops it (RemoteStop / RequestStopTransaction). */
  enforce(e: PortMeterEvent): void {
    const cap = this.byPort.get(e.portId);
    if (!cap || cap.stopping) return;
    if (cap.acceptedMs !== undefined && this.d.now() - cap.acceptedMs < STOP_RESEND_AFTER_MS) return;
    const drawnWh = this.drawnWh(e.portId, cap);
    const port = this.d.server.port(e.portId);
    if (drawnWh === undefined || drawnWh < cap.limitWh || !port) return;
    const kwh = (x: number): string => String(Math.round(x / 10) / 100);
    if (!cap.announced) {
      cap.announced = true;
      this.capWrite('proxyAnnounceOfflineCap', e.portId, cap.sessionId);
      this.d.event(
        'warn',
        'upstream-offline-limit',
        port.stationId,
        `session of unknown id tag ${cap.idTag} (accepted while the cloud was down) stopped at ${kwh(drawnWh)} kWh: the limit is ${kwh(cap.limitWh)} kWh (upstream.offlineUnknownIdTags)`,
        { portId: e.portId, sessionId: cap.sessionId, drawnWh },
      );
    }
    this.sendStop(e.portId, cap);
  }

  /** Stops watching; pending retries end (Fusebox stops: the limits stay stored for the next start). */
  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const cap of this.byPort.values()) clearTimeout(cap.retry);
  }

  /**
   * The energy the port's session has drawn while it is still the capped one; undefined (and the limit
   * forgotten) once the port has another session or none.
   */
  private drawnWh(portId: string, cap: OfflineCap): number | undefined {
    const port = this.d.server.port(portId);
    if (!port) return undefined;
    if (port.sessionId !== cap.sessionId) {
      this.forget(portId);
      return undefined;
    }
    return (port.sessionLastWh ?? 0) - (port.sessionStartWh ?? 0);
  }

  private sendStop(portId: string, cap: OfflineCap): void {
    clearTimeout(cap.retry);
    cap.retry = undefined;
    cap.stopping = true;
    const failed = (): void => {
      cap.stopping = false;
      cap.failures++;
      if (this.closed || this.byPort.get(portId) !== cap) return;
      const waitMs = backoffMs(this.d.stopRetryMs ?? STOP_RETRY_FIRST_MS, STOP_RETRY_MAX_MS, cap.failures);
      cap.retry = setTimeout(() => {
        cap.retry = undefined;
        if (this.byPort.get(portId) === cap && !cap.stopping && this.drawnWh(portId, cap) !== undefined)
          this.sendStop(portId, cap);
      }, waitMs);
      cap.retry.unref();
    };
    this.d.server.restrictPort(portId, 'stop').then(
      (status) => {
        this.d.log.info({ portId, status }, 'offline limit: stop sent');
        if (status !== 'Accepted') return failed();
        cap.stopping = false;
        cap.failures = 0;
        cap.acceptedMs = this.d.now();
      },
      (err: unknown) => {
        this.d.log.error({ err, portId }, 'offline limit: could not stop');
        failed();
      },
    );
  }

  /** The port's capped session ended (or is no longer the port's): the limit goes, here and in the store. */
  private forget(portId: string): void {
    const cap = this.byPort.get(portId);
    if (!cap) return;
    clearTimeout(cap.retry);
    this.byPort.delete(portId);
    this.capWrite('proxyDeleteOfflineCap', portId, cap.sessionId);
  }

  private capWrite(
    op: 'proxyAnnounceOfflineCap' | 'proxyDeleteOfflineCap',
    portId: string,
    sessionId: number,
  ): void {
    this.d.store.writer
      .run(op, { portId, sessionId })
      .catch((err: unknown) => this.d.log.error({ err, portId, op }, 'could not store the offline limit'));
  }
}
