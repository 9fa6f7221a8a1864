/**
 * The demand cap's memory (src/control/demand-cap.ts): the highest window average of each billing period and
 * the target an operator pinned. Reads on the calling thread, writes through the writer like every other.
 */
import type Database from 'better-sqlite3';
import type { DemandPeakRecord, DemandPinRecord } from '../core/demand-window.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface PeakRow {
  period: string;
  peak_kw: number;
  peak_at_ms: number;
  window_ms: number;
}
interface PinRow {
  target_kw: number;
  pinned_by: string;
  at_ms: number;
}

/** The writes, run by the writer (thread): a peak replaces the stored one only when higher. */
export function demandWriteOps(db: Database.Database) {
  const upsertPeak = db.prepare(`
    INSERT INTO demand_peaks (period, peak_kw, peak_at_ms, window_ms, updated_ms)
    VALUES (@period, @peakKw, @peakAtMs, @windowMs, @atMs)
    ON CONFLICT (period) DO UPDATE SET peak_kw = @peakKw, peak_at_ms = @peakAtMs, window_ms = @windowMs,
      updated_ms = @atMs
    WHERE @peakKw > demand_peaks.peak_kw`);
  const setPin = db.prepare(`
    INSERT INTO demand_pin (id, target_kw, pinned_by, at_ms) VALUES (1, @targetKw, @by, @atMs)
    ON CONFLICT (id) DO UPDATE SET target_kw = @targetKw, pinned_by = @by, at_ms = @atMs`);
  const dropPin = db.prepare('DELETE FROM demand_pin');
  return {
    saveDemandPeak(p: DemandPeakRecord & { atMs: number }): void {
      upsertPeak.run(p);
    },
    saveDemandPin(p: DemandPinRecord | null): void {
      if (p === null) dropPin.run();
      else setPin.run(p);
    },
  };
}

export class DemandRepository {
  private readonly byPeriod;
  private readonly pinRow;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    this.byPeriod = db.prepare<[string], PeakRow>(
      'SELECT period, peak_kw, peak_at_ms, window_ms FROM demand_peaks WHERE period = ?',
    );
    this.pinRow = db.prepare<[], PinRow>('SELECT target_kw, pinned_by, at_ms FROM demand_pin WHERE id = 1');
  }

  /** The stored peak of a billing period, undefined when none. */
  peak(period: string): DemandPeakRecord | undefined {
    const r = this.byPeriod.get(period);
    return r && { period: r.period, peakKw: r.peak_kw, peakAtMs: r.peak_at_ms, windowMs: r.window_ms };
  }

  /** The pinned target, null when none. */
  pin(): DemandPinRecord | null {
    const r = this.pinRow.get();
    return r ? { targetKw: r.target_kw, by: r.pinned_by, atMs: r.at_ms } : null;
  }

  /** Stores a period's peak unless a higher one is stored. */
  savePeak(p: DemandPeakRecord): Promise<void> {
    return this.writer.run('saveDemandPeak', { ...p, atMs: this.clock.nowMs() });
  }

  savePin(p: DemandPinRecord | null): Promise<void> {
    return this.writer.run('saveDemandPin', p);
  }
}
