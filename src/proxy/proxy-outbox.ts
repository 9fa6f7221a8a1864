/**
 * The relay's store and forward (docs/proxy.md): station messages Fusebox answered while the cloud was away,
 * in SQLite (proxy_outbox, committed before the station gets its answer) and mirrored in memory per station
 * in replay order; and the map between Fusebox's 1.6 transaction ids and the cloud's (proxy_transactions).
 */
import type { Statement } from 'better-sqlite3';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { Store } from '../store/store.ts';

export interface OutboxEntry {
  readonly id: number;
  readonly stationId: string;
  readonly version: OcppVersion;
  readonly action: string;
  /** As the station sent it, except that a 1.6 transactionId is Fusebox's own. */
  readonly payload: unknown;
  readonly localTxId: string | undefined;
  readonly queuedMs: number;
}

interface OutboxRow {
  id: number;
  station_id: string;
  ocpp_version: string;
  action: string;
  payload: string;
  local_tx_id: string | null;
  queued_ms: number;
}

/** 1.6 messages that carry a transactionId (StopTransaction always, MeterValues when in a transaction). */
const WITH_TX = new Set(['StopTransaction', 'MeterValues']);

const MEMO_PER_STATION = 64;

export class ProxyOutbox {
  private readonly queues = new Map<string, OutboxEntry[]>();
  private readonly failures = new Map<string, number>();
  /**
   * Per station, the id map's answers already read (`l<cloud id>`: Fusebox's id of a transaction the station
   * knows by the cloud's id; `c<local id>`: the cloud's id of Fusebox's), so that a relayed MeterValues or
   * StopTransaction does not query SQLite on the relay path each time. Forgotten when the station's map is
   * written; at most MEMO_PER_STATION answers per station.
   */
  private readonly memo = new Map<string, Map<string, string | undefined>>();
  private readonly s: {
    readonly localOfStationTx: Statement<[string, string], { local_tx_id: string }>;
    readonly cloudOfLocal: Statement<[string, string], { cloud_tx_id: string }>;
  };

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {
    const db = store.db;
    this.s = {
      localOfStationTx: db.prepare(
        `SELECT local_tx_id FROM proxy_transactions
         WHERE station_id = ? AND cloud_tx_id = ? AND station_knows = 'cloud' ORDER BY created_ms DESC LIMIT 1`,
      ),
      cloudOfLocal: db.prepare(
        'SELECT cloud_tx_id FROM proxy_transactions WHERE station_id = ? AND local_tx_id = ?',
      ),
    };
    const rows = db
      .prepare<[], OutboxRow>(`SELECT * FROM proxy_outbox WHERE state = 'queued' ORDER BY id`)
      .all();
    for (const row of rows) this.push(toEntry(row));
    const failed = db
      .prepare<[], { station_id: string; n: number }>(
        `SELECT station_id, COUNT(*) AS n FROM proxy_outbox WHERE state = 'failed' GROUP BY station_id`,
      )
      .all();
    for (const f of failed) this.failures.set(f.station_id, f.n);
  }

  /** The station's queued messages, oldest first (do not modify). */
  queueOf(stationId: string): readonly OutboxEntry[] {
    return this.queues.get(stationId) ?? [];
  }

  failedCount(stationId: string): number {
    return this.failures.get(stationId) ?? 0;
  }

  /** Stations with something queued, and the OCPP version they queued it with. */
  stationsWithQueue(): [string, OcppVersion][] {
    return [...this.queues].filter(([, q]) => q.length > 0).map(([id, q]) => [id, q[0]!.version]);
  }

  /** Stores a message; resolves once committed (then it is in the queue). */
  async enqueue(
    stationId: string,
    version: OcppVersion,
    action: string,
    payload: unknown,
    localTxId: string | undefined,
  ): Promise<void> {
    const queuedMs = this.now();
    const id = await this.store.writer.run('proxyEnqueue', {
      stationId,
      version,
      action,
      payload: JSON.stringify(payload),
      localTxId,
      queuedMs,
    });
    this.push({ id, stationId, version, action, payload, localTxId, queuedMs });
  }

  /** The cloud answered `e` (a StartTransaction with `cloudTxId`): marked delivered in one commit with the id map. */
  async delivered(e: OutboxEntry, cloudTxId: string | undefined): Promise<void> {
    const atMs = this.now();
    await this.store.writer.run('proxyDelivered', {
      id: e.id,
      atMs,
      ...(cloudTxId !== undefined && e.localTxId !== undefined
        ? {
            mapping: {
              stationId: e.stationId,
              localTxId: e.localTxId,
              cloudTxId,
              stationKnows: 'local' as const,
              atMs,
            },
          }
        : {}),
    });
    if (cloudTxId !== undefined && e.localTxId !== undefined) this.forgetIds(e.stationId);
    this.remove(e);
  }

  /** The cloud refused `e` with a CALLERROR: kept as failed, not sent again. */
  async failed(e: OutboxEntry, code: string, text: string): Promise<void> {
    await this.store.writer.run('proxyFailed', { id: e.id, atMs: this.now(), code, text });
    this.failures.set(e.stationId, this.failedCount(e.stationId) + 1);
    this.remove(e);
  }

  async mapTransaction(
    stationId: string,
    localTxId: string,
    cloudTxId: string,
    stationKnows: 'cloud' | 'local',
  ): Promise<void> {
    await this.store.writer.run('proxyMapTransaction', {
      stationId,
      localTxId,
      cloudTxId,
      stationKnows,
      atMs: this.now(),
    });
    this.forgetIds(stationId);
  }

  /** A 1.6 payload with the transaction id the station knows replaced by Fusebox's own. */
  toLocalIds(stationId: string, action: string, payload: unknown): unknown {
    const tx = txOf(action, payload);
    if (tx === undefined) return payload;
    const local = this.localOf(stationId, tx);
    return local === undefined ? payload : withTx(payload, Number(local));
  }

  /**
   * A 1.6 payload with the cloud's transaction id. `stationIds`: the payload holds the ids the station knows
   * (a live message); else Fusebox's own (a queued one). An id the cloud never gave (its start refused) stays.
   */
  toCloudIds(stationId: string, action: string, payload: unknown, stationIds: boolean): unknown {
    const tx = txOf(action, payload);
    if (tx === undefined) return payload;
    if (stationIds && this.localOf(stationId, tx) !== undefined) return payload;
    const cloud = this.ids(
      stationId,
      `c${tx}`,
      () => this.s.cloudOfLocal.get(stationId, String(tx))?.cloud_tx_id,
    );
    return cloud === undefined ? payload : withTx(payload, Number(cloud));
  }

  /** Fusebox's id of the transaction the station knows by the cloud's id `tx`, if the map has it. */
  private localOf(stationId: string, tx: number): string | undefined {
    return this.ids(
      stationId,
      `l${tx}`,
      () => this.s.localOfStationTx.get(stationId, String(tx))?.local_tx_id,
    );
  }

  private ids(stationId: string, key: string, read: () => string | undefined): string | undefined {
    let m = this.memo.get(stationId);
    if (m?.has(key)) return m.get(key);
    const value = read();
    if (!m || m.size >= MEMO_PER_STATION)
      this.memo.set(stationId, (m = new Map<string, string | undefined>()));
    m.set(key, value);
    return value;
  }

  private forgetIds(stationId: string): void {
    this.memo.delete(stationId);
  }

  private push(e: OutboxEntry): void {
    let q = this.queues.get(e.stationId);
    if (!q) this.queues.set(e.stationId, (q = []));
    let i = q.length;
    while (i > 0 && q[i - 1]!.id > e.id) i--;
    q.splice(i, 0, e);
  }

  private remove(e: OutboxEntry): void {
    const q = this.queues.get(e.stationId);
    const i = q?.indexOf(e) ?? -1;
    if (q && i >= 0) q.splice(i, 1);
  }
}

function txOf(action: string, payload: unknown): number | undefined {
  if (!WITH_TX.has(action) || payload === null || typeof payload !== 'object') return undefined;
  const tx = (payload as { transactionId?: unknown }).transactionId;
  return typeof tx === 'number' ? tx : undefined;
}

function withTx(payload: unknown, transactionId: number): unknown {
  return { ...(payload as object), transactionId };
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    stationId: row.station_id,
    version: row.ocpp_version as OcppVersion,
    action: row.action,
    payload: JSON.parse(row.payload) as unknown,
    localTxId: row.local_tx_id ?? undefined,
    queuedMs: row.queued_ms,
  };
}
