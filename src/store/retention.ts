/**
 * Retention (docs/operations.md): a reading keeps the sampled values as the station sent them for
 * `sampledValuesDays`, the reading itself for `rawMeterValuesDays`; then readings are folded into 15-minute
 * buckets kept `downsampledDays`. Events, setpoints, status history and the cloud relay's delivered
 * messages have their own limits. Sessions are never deleted: they are the record of energy delivered.
 */
import type Database from 'better-sqlite3';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';
import { every, systemClock } from '../clock.ts';

export interface RetentionPolicy {
  /** The station's own sampled values (about 6/7 of a reading's size). */
  readonly sampledValuesDays: number;
  readonly rawMeterValuesDays: number;
  readonly downsampledDays: number;
  readonly eventsDays: number;
  readonly setpointsDays: number;
  readonly statusHistoryDays: number;
  /**
   * Cloud relay messages the cloud has answered (`proxy_outbox`, state delivered), counted from the answer.
   * Queued and failed ones are never pruned: they are undelivered data and the operator's to look at.
   */
  readonly proxyDeliveredDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  sampledValuesDays: 3,
  rawMeterValuesDays: 14,
  downsampledDays: 2 * 365,
  eventsDays: 365,
  setpointsDays: 30,
  statusHistoryDays: 365,
  proxyDeliveredDays: 30,
};

export const BUCKET_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;

export interface RetentionReport {
  readonly emptiedSampledValues: number;
  readonly downsampledRows: number;
  readonly deletedRawRows: number;
  readonly deletedBuckets: number;
  readonly deletedEvents: number;
  readonly deletedSetpoints: number;
  readonly deletedStatusRows: number;
  readonly deletedProxyDelivered: number;
}

/**
 * Fold raw readings older than the raw cut-off into buckets (merging with a bucket already there, for
 * readings a station delivered late), delete them, and prune the rest. One transaction: all or nothing.
 */
export function applyRetention(
  db: Database.Database,
  policy: RetentionPolicy,
  nowMs: number,
): RetentionReport {
  // Cut at a bucket boundary so a bucket is folded whole.
  const rawCut = Math.floor((nowMs - policy.rawMeterValuesDays * DAY_MS) / BUCKET_MS) * BUCKET_MS;
  return db.transaction((): RetentionReport => {
    const folded = db
      .prepare(
        `INSERT INTO meter_values_15m (station_id, evse_id, bucket_ms, port_id, samples, energy_wh_max,
           power_w_avg, power_w_max, current_l1_a_max, current_l2_a_max, current_l3_a_max, voltage_v_avg, soc_pct_max)
         SELECT station_id, evse_id, (at_ms / ${BUCKET_MS}) * ${BUCKET_MS} AS bucket, MAX(port_id), COUNT(*),
           MAX(energy_wh), AVG(power_w), MAX(power_w), MAX(current_l1_a), MAX(current_l2_a), MAX(current_l3_a),
           AVG(voltage_v), MAX(soc_pct)
         FROM meter_values WHERE at_ms < @cut
         GROUP BY station_id, evse_id, bucket
         ON CONFLICT (station_id, evse_id, bucket_ms) DO UPDATE SET
           power_w_avg = CASE
             WHEN excluded.power_w_avg IS NULL THEN power_w_avg
             WHEN power_w_avg IS NULL THEN excluded.power_w_avg
             ELSE (power_w_avg * samples + excluded.power_w_avg * excluded.samples) / (samples + excluded.samples) END,
           voltage_v_avg = CASE
             WHEN excluded.voltage_v_avg IS NULL THEN voltage_v_avg
             WHEN voltage_v_avg IS NULL THEN excluded.voltage_v_avg
             ELSE (voltage_v_avg * samples + excluded.voltage_v_avg * excluded.samples) / (samples + excluded.samples) END,
           samples = samples + excluded.samples,
           energy_wh_max = MAX(COALESCE(energy_wh_max, excluded.energy_wh_max), COALESCE(excluded.energy_wh_max, energy_wh_max)),
           power_w_max = MAX(COALESCE(power_w_max, excluded.power_w_max), COALESCE(excluded.power_w_max, power_w_max)),
           current_l1_a_max = MAX(COALESCE(current_l1_a_max, excluded.current_l1_a_max), COALESCE(excluded.current_l1_a_max, current_l1_a_max)),
           current_l2_a_max = MAX(COALESCE(current_l2_a_max, excluded.current_l2_a_max), COALESCE(excluded.current_l2_a_max, current_l2_a_max)),
           current_l3_a_max = MAX(COALESCE(current_l3_a_max, excluded.current_l3_a_max), COALESCE(excluded.current_l3_a_max, current_l3_a_max)),
           soc_pct_max = MAX(COALESCE(soc_pct_max, excluded.soc_pct_max), COALESCE(excluded.soc_pct_max, soc_pct_max))`,
      )
      .run({ cut: rawCut }).changes;
    const deleteBefore = (table: string, column: string, days: number): number =>
      db.prepare(`DELETE FROM ${table} WHERE ${column} < ?`).run(nowMs - days * DAY_MS).changes;
    const deletedRawRows = db.prepare('DELETE FROM meter_values WHERE at_ms < ?').run(rawCut).changes;
    const emptied = db
      .prepare('UPDATE meter_values SET raw = NULL WHERE at_ms < ? AND raw IS NOT NULL')
      .run(nowMs - policy.sampledValuesDays * DAY_MS).changes;
    return {
      emptiedSampledValues: emptied,
      downsampledRows: folded,
      deletedRawRows,
      deletedBuckets: deleteBefore('meter_values_15m', 'bucket_ms', policy.downsampledDays),
      deletedEvents: deleteBefore('events', 'at_ms', policy.eventsDays),
      deletedSetpoints: deleteBefore('setpoints', 'sent_ms', policy.setpointsDays),
      deletedStatusRows: deleteBefore('connector_status_history', 'at_ms', policy.statusHistoryDays),
      deletedProxyDelivered: db
        .prepare(`DELETE FROM proxy_outbox WHERE state = 'delivered' AND done_ms < ?`)
        .run(nowMs - policy.proxyDeliveredDays * DAY_MS).changes,
    };
  })();
}

export interface RetentionSchedule {
  stop(): void;
}

/**
 * Apply retention now and then every `intervalMs` (default daily) in the writer thread, so a large prune
 * never stalls the event loop; outcomes are reported through the callbacks, never thrown.
 */
export function scheduleRetention(
  writer: StoreWriter,
  policy: RetentionPolicy,
  options: {
    readonly intervalMs?: number;
    /** Fusebox's clock (the system clock when absent). */
    readonly clock?: Clock;
    readonly onResult?: (report: RetentionReport) => void;
    readonly onError?: (err: unknown) => void;
  } = {},
): RetentionSchedule {
  const clock = options.clock ?? systemClock;
  const runOnce = (): void => {
    writer.run('applyRetention', { policy, nowMs: clock.nowMs() }).then(
      (report) => options.onResult?.(report),
      (err: unknown) => options.onError?.(err),
    );
  };
  runOnce();
  return every(clock, options.intervalMs ?? DAY_MS, runOnce);
}
