import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import type { RetentionReport } from './retention.ts';
import { applyRetention, BUCKET_MS, DEFAULT_RETENTION, scheduleRetention } from './retention.ts';
import type { Store } from './store.ts';
import { openStore } from './store.ts';

const DAY = 24 * 3600_000;
let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

const reading = (atMs: number, powerW: number, energyWh: number) => ({
  stationId: 'CP1',
  evseId: 1,
  portId: 'P1',
  atMs,
  energyWh,
  powerW,
  currentA: [powerW / 690, powerW / 690, powerW / 690],
  raw: {},
});

describe('retention', () => {
  it('folds old raw readings into 15-minute buckets and keeps recent ones raw', async () => {
    const now = 100 * DAY;
    const old = now - 40 * DAY;
    const t0 = Math.floor(old / BUCKET_MS) * BUCKET_MS;
    await store.ocpp.recordMeterValues([
      reading(t0 + 1000, 1000, 100),
      reading(t0 + 2000, 3000, 200),
      reading(t0 + BUCKET_MS + 1000, 5000, 300),
      reading(now - 5 * DAY, 6500, 350),
      reading(now - DAY, 7000, 400),
    ]);
    const report = applyRetention(store.db, DEFAULT_RETENTION, now);
    expect(report.downsampledRows).toBe(2);
    expect(report.deletedRawRows).toBe(3);
    // Older than 3 days: the station's sampled values are dropped, the reading stays.
    expect(report.emptiedSampledValues).toBe(1);
    expect(
      store.db.prepare('SELECT at_ms, raw IS NULL AS emptied FROM meter_values ORDER BY at_ms').all(),
    ).toEqual([
      { at_ms: now - 5 * DAY, emptied: 1 },
      { at_ms: now - DAY, emptied: 0 },
    ]);
    const buckets = store.db
      .prepare(
        'SELECT bucket_ms, samples, power_w_avg, power_w_max, energy_wh_max FROM meter_values_15m ORDER BY bucket_ms',
      )
      .all();
    expect(buckets).toEqual([
      { bucket_ms: t0, samples: 2, power_w_avg: 2000, power_w_max: 3000, energy_wh_max: 200 },
      { bucket_ms: t0 + BUCKET_MS, samples: 1, power_w_avg: 5000, power_w_max: 5000, energy_wh_max: 300 },
    ]);

    // A reading delivered late for an already folded bucket is merged into it.
    await store.ocpp.recordMeterValues([reading(t0 + 3000, 6000, 250)]);
    applyRetention(store.db, DEFAULT_RETENTION, now);
    expect(
      store.db
        .prepare(
          'SELECT samples, power_w_avg, power_w_max, energy_wh_max FROM meter_values_15m WHERE bucket_ms = ?',
        )
        .get(t0),
    ).toEqual({
      samples: 3,
      power_w_avg: 10_000 / 3,
      power_w_max: 6000,
      energy_wh_max: 250,
    });
  });

  it('prunes events, setpoints, status history and old buckets, never sessions', async () => {
    const now = 1000 * DAY;
    await store.ocpp.recordEvent({ atMs: now - 400 * DAY, level: 'info', kind: 'old', message: 'old' });
    await store.ocpp.recordEvent({ atMs: now - 1 * DAY, level: 'info', kind: 'new', message: 'new' });
    await store.ocpp.recordSetpoint({
      portId: 'P',
      purpose: 'session',
      currentA: 6,
      limit: 6,
      unit: 'A',
      sentMs: now - 40 * DAY,
      resolvedMs: 0,
      outcome: 'accepted',
    });
    await store.ocpp.recordStatus({
      stationId: 'CP1',
      evseId: 1,
      connectorId: 1,
      status: 'Available',
      atMs: now - 400 * DAY,
    });
    await store.ocpp.startSession({
      stationId: 'CP1',
      evseId: 1,
      connectorId: 1,
      startedMs: now - 900 * DAY,
      meterStartWh: 0,
    });
    await store.ocpp.recordMeterValues([reading(now - 800 * DAY, 1, 1)]);
    const r = applyRetention(store.db, DEFAULT_RETENTION, now);
    expect(r).toMatchObject({
      deletedEvents: 1,
      deletedSetpoints: 1,
      deletedStatusRows: 1,
      deletedBuckets: 1,
    });
    expect(store.db.prepare('SELECT kind FROM events').all()).toEqual([{ kind: 'new' }]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 1 });
  });

  it('prunes delivered cloud relay messages older than proxyDeliveredDays, keeps queued and failed ones (SQLite file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-retention-'));
    const file = openStore(join(dir, 'fusebox.db'));
    try {
      const now = 1000 * DAY;
      const enqueue = (queuedMs: number) =>
        file.writer.run('proxyEnqueue', {
          stationId: 'CP1',
          version: 'ocpp1.6',
          action: 'MeterValues',
          payload: '{}',
          queuedMs,
        });
      const oldDelivered = await enqueue(now - 60 * DAY);
      await file.writer.run('proxyDelivered', { id: oldDelivered, atMs: now - 59 * DAY });
      const recentDelivered = await enqueue(now - 3 * DAY);
      await file.writer.run('proxyDelivered', { id: recentDelivered, atMs: now - 2 * DAY });
      const oldFailed = await enqueue(now - 60 * DAY);
      await file.writer.run('proxyFailed', {
        id: oldFailed,
        atMs: now - 59 * DAY,
        code: 'FormationViolation',
        text: 'refused',
      });
      const oldQueued = await enqueue(now - 60 * DAY);

      const policy = { ...DEFAULT_RETENTION, proxyDeliveredDays: 30 };
      const r = await file.writer.run('applyRetention', { policy, nowMs: now });
      expect(r.deletedProxyDelivered).toBe(1);
      expect(file.db.prepare('SELECT id, state FROM proxy_outbox ORDER BY id').all()).toEqual([
        { id: recentDelivered, state: 'delivered' },
        { id: oldFailed, state: 'failed' },
        { id: oldQueued, state: 'queued' },
      ]);
    } finally {
      await file.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scheduleRetention', () => {
  it('applies retention at once and then every interval, at the time of its clock, until stopped', async () => {
    const clock = new VirtualClock(100 * DAY);
    const reports: RetentionReport[] = [];
    // A reading 40 days old now, and one 13 days old that passes the raw limit (14 days) two days later.
    await store.ocpp.recordMeterValues([reading(60 * DAY, 1000, 100), reading(87 * DAY + 1, 2000, 200)]);
    const schedule = scheduleRetention(store.writer, DEFAULT_RETENTION, {
      clock,
      intervalMs: DAY,
      onResult: (r) => reports.push(r),
    });
    await clock.flush();
    await vi.waitFor(() => expect(reports).toHaveLength(1));
    expect(reports[0]!.downsampledRows).toBe(1);
    await clock.advanceBy(2 * DAY);
    await vi.waitFor(() => expect(reports).toHaveLength(3));
    expect(reports.map((r) => r.downsampledRows)).toEqual([1, 0, 1]);
    schedule.stop();
    await clock.advanceBy(5 * DAY);
    expect(reports).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });
});
