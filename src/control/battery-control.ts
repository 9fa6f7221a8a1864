/**
 * The control loop's side of the batteries (docs/control.md, "Batteries"): their observations from the meters
 * and the commander, the pure dispatch (core/battery.ts), and the order of writes: a command that lowers a
 * battery's power (more discharge, less charge) goes out at once, since nothing counts on it before its meter
 * measures it; one that raises it (less discharge, more charge) counts at once on every circuit, so the cars
 * are lowered in the same run, and goes out only once they have had carResponseMs to follow. Pure like the
 * rest of the plan (plan-run.ts): the shell reads the commander's status and writes the commands returned.
 */
import type { Capacity } from '../core/allocation.ts';
import type { BatteryDecision, BatteryObservation } from '../core/battery.ts';
import { dispatchBatteries } from '../core/battery.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { CapacityInputs } from '../core/effective-capacity.ts';
import { isFresh } from '../core/freshness.ts';
import type { Tariff } from '../core/tariff.ts';
import type { BatteryCommandStatus } from '../contracts/battery-commands.ts';
import type { MeterObservation } from './capacity-inputs.ts';

/** One battery as the last run saw and decided it (the API's and the dashboard's). */
export interface BatteryState extends BatteryDecision {
  /** The last command written successfully, kW; null before the first or without control. */
  readonly sentKw: number | null;
  /** A raise waiting for the cars to follow their decrease: when it goes out. */
  readonly sendAtMs: number | null;
}

/** Raises held for the cars to follow, per battery: the power and since when (the control state keeps it). */
export type BatteryRaises = ReadonlyMap<string, { readonly kw: number; readonly sinceMs: number }>;

/** What the batteries need of a run besides the capacities. */
export interface BatteryInputs {
  readonly inputs: CapacityInputs;
  readonly meters: ReadonlyMap<string, MeterObservation>;
  /** The load the cars want, per circuit and dimension (the battery discharges to let them). */
  readonly evWant: Float64Array;
  readonly exportKw: number | null;
  readonly tariff: Tariff | undefined;
  /** The live plan's charge per battery for the running slot, kW (replaces the cheapest-band rule). */
  readonly plannedChargeKw?: ReadonlyMap<string, number> | undefined;
  /** The commander's status per battery; null without a commander (batteries read, not commanded). */
  readonly status: ReadonlyMap<string, BatteryCommandStatus> | null;
  readonly carResponseMs: number;
}

/** One run's battery step: the capacities with the batteries counted, their states, the writes to make now. */
export function planBatteries(
  cs: CompiledSite,
  capacities: ReadonlyMap<string, Capacity>,
  raising: BatteryRaises,
  b: BatteryInputs,
  nowMs: number,
): {
  readonly capacities: Map<string, Capacity>;
  readonly batteries: BatteryState[];
  readonly raising: BatteryRaises;
  readonly sends: readonly { readonly batteryId: string; readonly kw: number }[];
} {
  const batteries = cs.site.batteries ?? [];
  if (batteries.length === 0) return { capacities: new Map(capacities), batteries: [], raising, sends: [] };
  const observations = new Map<string, BatteryObservation>();
  for (const bat of batteries) {
    const m = b.meters.get(bat.meterId);
    const meter = cs.site.meters.find((x) => x.id === bat.meterId);
    const r = m?.reading;
    const fresh = r && !m.stale && meter !== undefined && isFresh(r.atMs, nowMs, meter.timeoutMs);
    const status = b.status?.get(bat.id);
    observations.set(bat.id, {
      measuredKw: fresh && r.powerKw !== null ? r.powerKw : null,
      socPct: fresh ? (r.socPct ?? null) : null,
      lastCommandKw: status?.lastCommandKw ?? null,
      writeFailed: status !== undefined && status.writeError !== null,
    });
  }
  const { inputs, evWant, exportKw, tariff, plannedChargeKw } = b;
  const d = dispatchBatteries(cs, {
    ...{ observations, inputs, capacities, evWant, exportKw, tariff, plannedChargeKw },
    nowMs,
  });
  const nextRaising = new Map(raising);
  const sends: { batteryId: string; kw: number }[] = [];
  const states = d.decisions.map((dec): BatteryState => {
    const sentKw = observations.get(dec.batteryId)?.lastCommandKw ?? null;
    let sendAtMs: number | null = null;
    if (dec.commandKw !== null && b.status !== null) {
      const raise = sentKw !== null && dec.commandKw > sentKw;
      const pending = nextRaising.get(dec.batteryId);
      if (!raise) {
        nextRaising.delete(dec.batteryId);
        sends.push({ batteryId: dec.batteryId, kw: dec.commandKw });
      } else {
        const since = pending && pending.kw === dec.commandKw ? pending.sinceMs : nowMs;
        nextRaising.set(dec.batteryId, { kw: dec.commandKw, sinceMs: since });
        sendAtMs = since + b.carResponseMs;
        if (nowMs >= sendAtMs) {
          sends.push({ batteryId: dec.batteryId, kw: dec.commandKw });
          sendAtMs = null;
        }
      }
    }
    return { ...dec, sentKw, sendAtMs };
  });
  return { capacities: d.capacities, batteries: states, raising: nextRaising, sends };
}

/** When a held raise is due, if any (the loop wakes up for it). */
export function nextBatterySendMs(raising: BatteryRaises, carResponseMs: number): number | null {
  let next: number | null = null;
  for (const r of raising.values()) {
    const t = r.sinceMs + carResponseMs;
    next = next === null ? t : Math.min(next, t);
  }
  return next;
}
