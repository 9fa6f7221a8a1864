/**
 * The writes of the cloud relay's store and forward (src/proxy, docs/proxy.md): each is one transaction, so
 * a message is marked delivered in the same commit that records what its answer taught (the cloud's
 * transaction id).
 */
import type Database from 'better-sqlite3';

export interface OutboxEntryInput {
  readonly stationId: string;
  readonly version: string;
  readonly action: string;
  /** JSON text of the payload to send (1.6 transaction ids are Fusebox's own). */
  readonly payload: string;
  readonly localTxId?: string | undefined;
  readonly queuedMs: number;
}

export interface TransactionMapping {
  readonly stationId: string;
  readonly localTxId: string;
  readonly cloudTxId: string;
  readonly stationKnows: 'cloud' | 'local';
  readonly atMs: number;
}

/** A session accepted under `offlineUnknownIdTags: { acceptUpToKwh }`, stopped at `limitWh`. */
export interface OfflineCapRow {
  readonly portId: string;
  readonly sessionId: number;
  readonly idTag: string;
  readonly limitWh: number;
  readonly atMs: number;
}

export function proxyWriteOps(db: Database.Database) {
  const s = {
    enqueue: db.prepare(`
      INSERT INTO proxy_outbox (station_id, ocpp_version, action, payload, local_tx_id, queued_ms)
      VALUES (@stationId, @version, @action, @payload, @localTxId, @queuedMs)`),
    delivered: db.prepare(
      `UPDATE proxy_outbox SET state = 'delivered', done_ms = ? WHERE id = ? AND state = 'queued'`,
    ),
    failed: db.prepare(`
      UPDATE proxy_outbox SET state = 'failed', done_ms = @atMs, error_code = @code, error_text = @text
      WHERE id = @id AND state = 'queued'`),
    map: db.prepare(`
      INSERT INTO proxy_transactions (station_id, local_tx_id, cloud_tx_id, station_knows, created_ms)
      VALUES (@stationId, @localTxId, @cloudTxId, @stationKnows, @atMs)
      ON CONFLICT (station_id, local_tx_id) DO UPDATE SET cloud_tx_id = @cloudTxId,
        station_knows = @stationKnows, created_ms = @atMs`),
    saveCap: db.prepare(`
      INSERT INTO proxy_offline_caps (port_id, session_id, id_tag, limit_wh, created_ms)
      VALUES (@portId, @sessionId, @idTag, @limitWh, @atMs)
      ON CONFLICT (port_id) DO UPDATE SET session_id = @sessionId, id_tag = @idTag, limit_wh = @limitWh,
        announced = 0, created_ms = @atMs`),
    announceCap: db.prepare(
      'UPDATE proxy_offline_caps SET announced = 1 WHERE port_id = ? AND session_id = ?',
    ),
    deleteCap: db.prepare('DELETE FROM proxy_offline_caps WHERE port_id = ? AND session_id = ?'),
  };
  return {
    /** Queues a message; returns its id (the replay order). */
    proxyEnqueue(e: OutboxEntryInput): number {
      const { lastInsertRowid } = s.enqueue.run({ ...e, localTxId: e.localTxId ?? null });
      return Number(lastInsertRowid);
    },

    /** The cloud answered entry `id`; with `mapping`, the cloud's id of the transaction it started. */
    proxyDelivered(args: {
      readonly id: number;
      readonly atMs: number;
      readonly mapping?: TransactionMapping;
    }): void {
      db.transaction(() => {
        s.delivered.run(args.atMs, args.id);
        if (args.mapping) s.map.run(args.mapping);
      })();
    },

    /** The cloud answered entry `id` with a CALLERROR: kept, not sent again. */
    proxyFailed(args: {
      readonly id: number;
      readonly atMs: number;
      readonly code: string;
      readonly text: string;
    }): void {
      s.failed.run(args);
    },

    /** The cloud answered a live StartTransaction: its id beside Fusebox's. */
    proxyMapTransaction(m: TransactionMapping): void {
      s.map.run(m);
    },

    /** A session accepted for an unknown id tag during an outage, with its kWh limit (replaces the port's). */
    proxySaveOfflineCap(c: OfflineCapRow): void {
      s.saveCap.run(c);
    },

    /** The limit of the session was reached and the event recorded. */
    proxyAnnounceOfflineCap(args: { readonly portId: string; readonly sessionId: number }): void {
      s.announceCap.run(args.portId, args.sessionId);
    },

    /** The session ended (or is no longer the port's): its limit is forgotten. */
    proxyDeleteOfflineCap(args: { readonly portId: string; readonly sessionId: number }): void {
      s.deleteCap.run(args.portId, args.sessionId);
    },
  };
}
