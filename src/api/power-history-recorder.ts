/**
 * Fills the per-minute power history from control runs: samples at most every `sampleMs`, averages the
 * samples of each minute, and writes the minute when the next one starts. Site level (circuitId ''):
 * grid (the root circuit's meter, import positive), PV production, battery (charging positive), EV ports
 * (measured) and other loads = grid + PV − EV − battery, in kW. Per circuit: load, EV load and effective
 * limit in A on the highest phase.
 */
import type { Logger } from 'pino';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { PowerHistoryRow } from '../contracts/api-records.ts';
import type { RecordsStore } from '../contracts/api-store.ts';
import type { LivePort } from './api-deps.ts';
import { circuitsView, measuredEvLoad } from './views/circuits-view.ts';

export const HISTORY_RETENTION_DAYS = 31;
const MINUTE_MS = 60_000;

type Sums = Map<string, { sum: number; n: number }>;

const maxOf = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};

/** The site's powers in kW for one snapshot; null where nothing measures it. */
export function sitePowers(
  cs: CompiledSite,
  snap: ControlSnapshot,
  ports: readonly LivePort[],
  nowMs: number,
) {
  const reading = (id: string) => {
    const m = snap.meters.get(id);
    return m && !m.stale ? m.reading : null;
  };
  const root = cs.circuits.find((c) => c.parentId === null && c.meterId !== undefined);
  const grid = root ? (reading(root.meterId!)?.powerKw ?? null) : null;
  let pv: number | null = null;
  let battery: number | null = null;
  for (const m of cs.site.meters) {
    const r = reading(m.id);
    if (!r) continue;
    if (m.role === 'pv')
      pv = (pv ?? 0) + Math.max(0, r.productionKw ?? (r.powerKw !== null ? -r.powerKw : 0));
    if (m.role === 'battery' && r.powerKw !== null) battery = (battery ?? 0) + r.powerKw;
  }
  const ev = measuredEvLoad(cs, ports, nowMs);
  let evKw = 0;
  cs.circuits.forEach((c, ci) => {
    if (c.parentId === null) evKw += ev[ci * 4 + 3]!;
  });
  const other = grid === null ? null : grid + (pv ?? 0) - evKw - (battery ?? 0);
  return { grid, pv, battery, ev: evKw, other };
}

export class PowerHistoryRecorder {
  private minuteMs = -1;
  private sums: Sums = new Map();
  private lastSampleMs = -Infinity;

  constructor(
    private readonly store: RecordsStore,
    private readonly logger?: Logger,
    private readonly sampleMs = 2000,
  ) {}

  /** Whether a sample taken at nowMs would be kept (callers skip building its inputs otherwise). */
  due(nowMs: number): boolean {
    return nowMs - this.lastSampleMs >= this.sampleMs;
  }

  /** Adds one sample (call after each control run). */
  sample(cs: CompiledSite, snap: ControlSnapshot, ports: readonly LivePort[], nowMs: number): void {
    if (!this.due(nowMs)) return;
    this.lastSampleMs = nowMs;
    const minute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    if (minute !== this.minuteMs) {
      void this.flush(); // never rejects: failures are logged
      this.minuteMs = minute;
    }
    const add = (key: string, v: number | null): void => {
      if (v === null || !Number.isFinite(v)) return;
      const s = this.sums.get(key) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      this.sums.set(key, s);
    };
    const site = sitePowers(cs, snap, ports, nowMs);
    add('\0gridKw', site.grid);
    add('\0pvKw', site.pv);
    add('\0batteryKw', site.battery);
    add('\0evKw', site.ev);
    add('\0otherKw', site.other);
    for (const c of circuitsView(cs, snap, ports, [], nowMs).circuits) {
      add(`${c.id}\0loadA`, maxOf(c.loadA));
      add(`${c.id}\0evA`, maxOf(c.evLoadA));
      add(`${c.id}\0limitA`, maxOf(c.effectiveLimitA));
    }
  }

  /** Writes the minute being collected (also on shutdown). */
  flush(): Promise<void> {
    if (this.minuteMs < 0 || this.sums.size === 0) return Promise.resolve();
    type Field = Exclude<keyof PowerHistoryRow, 'minuteMs' | 'circuitId'>;
    const rows = new Map<string, { -readonly [K in keyof PowerHistoryRow]: PowerHistoryRow[K] }>();
    for (const [key, { sum, n }] of this.sums) {
      const [circuitId, field] = key.split('\0') as [string, Field];
      const row = rows.get(circuitId) ?? { minuteMs: this.minuteMs, circuitId };
      row[field] = sum / n;
      rows.set(circuitId, row);
    }
    this.sums = new Map();
    return this.store
      .recordHistory([...rows.values()], this.minuteMs - HISTORY_RETENTION_DAYS * 24 * 3600_000)
      .catch((err: unknown) => this.logger?.error({ err }, 'could not record the power history'));
  }
}
