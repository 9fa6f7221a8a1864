/**
 * The control loop's side of the batteries (docs/control.md, "Batteries"): their observations from the meters
 * and the commander, the pure dispatch (core/battery.ts), and the order of writes: a command that lowers a
 * battery's power (more discharge, less charge) goes out at once, since nothing counts on it before its meter
 * measures it; one that raises it (less discharge, more charge) counts at once on every circuit, so the cars
 * are lowered in the same run, and goes out only once they have had carResponseMs to follow.
 */
import type { Capacity } from '../core/allocation.ts';
import type { BatteryDecision, BatteryObservation } from '../core/battery.ts';
import { dispatchBatteries } from '../core/battery.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { CapacityInputs } from '../core/effective-capacity.ts';
import { isFresh } from '../core/freshness.ts';
import type { Tariff } from '../core/tariff.ts';
import type { BatteryCommander } from '../contracts/battery-commands.ts';
import type { MeterObservation } from './capacity-inputs.ts';

/** One battery as the last run saw and decided it (the API's and the dashboard's). */
export interface BatteryState extends BatteryDecision {
  /** The last command written successfully, kW; null before the first or without control. */
  readonly sentKw: number | null;
  /** A raise waiting for the cars to follow their decrease: when it goes out. */
  readonly sendAtMs: number | null;
}

export class BatteryControl {
  private readonly raising = new Map<string, { kw: number; sinceMs: number }>();

  constructor(
    private readonly commander: BatteryCommander | undefined,
    private readonly carResponseMs: number,
  ) {}

  run(
    cs: CompiledSite,
    capacities: ReadonlyMap<string, Capacity>,
    inputs: CapacityInputs,
    meters: ReadonlyMap<string, MeterObservation>,
    evWant: Float64Array,
    exportKw: number | null,
    tariff: Tariff | undefined,
    nowMs: number,
  ): { capacities: Map<string, Capacity>; batteries: BatteryState[] } {
    const batteries = cs.site.batteries ?? [];
    if (batteries.length === 0) return { capacities: new Map(capacities), batteries: [] };
    const observations = new Map<string, BatteryObservation>();
    for (const b of batteries) {
      const m = meters.get(b.meterId);
      const meter = cs.site.meters.find((x) => x.id === b.meterId);
      const r = m?.reading;
      const fresh = r && !m.stale && meter !== undefined && isFresh(r.atMs, nowMs, meter.timeoutMs);
      const status = this.commander?.status(b.id);
      observations.set(b.id, {
        measuredKw: fresh && r.powerKw !== null ? r.powerKw : null,
        socPct: fresh ? (r.socPct ?? null) : null,
        lastCommandKw: status?.lastCommandKw ?? null,
        writeFailed: status !== undefined && status.writeError !== null,
      });
    }
    const d = dispatchBatteries(cs, { observations, inputs, capacities, evWant, exportKw, tariff, nowMs });
    const states = d.decisions.map((dec): BatteryState => {
      const sentKw = observations.get(dec.batteryId)?.lastCommandKw ?? null;
      let sendAtMs: number | null = null;
      if (dec.commandKw !== null && this.commander) {
        const raise = sentKw !== null && dec.commandKw > sentKw;
        const pending = this.raising.get(dec.batteryId);
        if (!raise) {
          this.raising.delete(dec.batteryId);
          this.commander.set(dec.batteryId, dec.commandKw);
        } else {
          const since = pending && pending.kw === dec.commandKw ? pending.sinceMs : nowMs;
          this.raising.set(dec.batteryId, { kw: dec.commandKw, sinceMs: since });
          sendAtMs = since + this.carResponseMs;
          if (nowMs >= sendAtMs) {
            this.commander.set(dec.batteryId, dec.commandKw);
            sendAtMs = null;
          }
        }
      }
      return { ...dec, sentKw, sendAtMs };
    });
    return { capacities: d.capacities, batteries: states };
  }

  /** When a held raise is due, if any (the loop wakes up for it). */
  nextSendMs(): number | null {
    let next: number | null = null;
    for (const r of this.raising.values()) {
      const t = r.sinceMs + this.carResponseMs;
      next = next === null ? t : Math.min(next, t);
    }
    return next;
  }
}
