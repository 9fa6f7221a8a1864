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

/** A session accepted for an unknown id tag, to stop at `limitWh`. */
interface OfflineCap {
  readonly sessionId: number;
  readonly idTag: string;
  readonly limitWh: number;
  /** A stop is on its way or was accepted; false again when the station refused it (the next reading retries). */
  stopping: boolean;
  /** The event was recorded (once per session). */
  announced: boolean;
}

export interface OfflineCapsDeps {
  readonly server: OcppServer;
  readonly store: Store;
  readonly log: Logger;
  readonly now: () => number;
  /** Records an event (store and log). */
  readonly event: RecordEvent;
}

export class OfflineCaps {
  /** By port id. */
  private readonly byPort = new Map<string, OfflineCap>();

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
        stopping: false,
        announced: c.announced === 1,
      });
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
    this.byPort.set(portId, { sessionId, idTag, limitWh, stopping: false, announced: false });
  }

  /** The session ended: its limit goes. */
  sessionStopped(portId: string, sessionId: number): void {
    if (this.byPort.get(portId)?.sessionId === sessionId) this.forget(portId);
  }

  /** A reading of a capped session: at its limit, Fusebox stops it (RemoteStop / RequestStopTransaction). */
  enforce(e: PortMeterEvent): void {
    const cap = this.byPort.get(e.portId);
    const port = this.d.server.port(e.portId);
    if (!cap || cap.stopping || !port) return;
    if (port.sessionId !== cap.sessionId) {
      this.forget(e.portId);
      return;
    }
    const drawnWh = (port.sessionLastWh ?? 0) - (port.sessionStartWh ?? 0);
    if (drawnWh < cap.limitWh) return;
    cap.stopping = true;
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
    this.d.server.restrictPort(e.portId, 'stop').then(
      (status) => {
        this.d.log.info({ portId: e.portId, status }, 'offline limit: stop sent');
        if (status !== 'Accepted') cap.stopping = false;
      },
      (err: unknown) => {
        this.d.log.error({ err, portId: e.portId }, 'offline limit: could not stop');
        cap.stopping = false;
      },
    );
  }

  /** The port's capped session ended (or is no longer the port's): the limit goes, here and in the store. */
  private forget(portId: string): void {
    const cap = this.byPort.get(portId);
    if (!cap) return;
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
