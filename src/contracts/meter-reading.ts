/**
 * What a meter driver hands the control loop. Sign convention (docs/meters.md): positive = import from the
 * grid / consumption, negative = export / production, as seen at the meter's place in the circuit tree.
 */

/** A value per site phase, L1, L2, L3; null where the device has no value or the value was rejected. */
export type PhaseValues = readonly [number | null, number | null, number | null];

/** A value the driver read but did not use, and why (NaN marker, "not implemented", out of range, ...). */
export interface RejectedValue {
  /** Quantity and phase, e.g. `currentA[1]` (L2) or `powerKw`. */
  readonly quantity: string;
  readonly reason: string;
  /** The raw register value, when one was decoded. */
  readonly raw?: number | undefined;
}

/** One complete read of a device. */
export interface MeterReading {
  readonly meterId: string;
  /** When the read finished, ms since epoch (from the poller's clock). */
  readonly atMs: number;
  /** Current per phase in A, signed: import positive, export negative. */
  readonly currentA: PhaseValues;
  /** Line-to-neutral voltage per phase in V. */
  readonly voltageV: PhaseValues;
  /** Total active power in kW, import positive (the sum of the phases when the device has no total). */
  readonly powerKw: number | null;
  /** Active power per phase in kW, import positive. */
  readonly powerPhaseKw: PhaseValues;
  /** Energy counters in kWh: imported from the grid (consumed) and exported to it (produced). */
  readonly energyImportKwh: number | null;
  readonly energyExportKwh: number | null;
  /** Inverters: AC production in kW, positive while producing (the same power as −powerKw). */
  readonly productionKw?: number | null | undefined;
  /** Batteries: state of charge in % (0..100). A battery's powerKw is positive while it charges. */
  readonly socPct?: number | null | undefined;
  /** Values read but rejected: never averaged in, never replaced by a guess. */
  readonly rejected: readonly RejectedValue[];
}

/** Per-phase currents when all three are known, else null: the control loop then treats the phase as unknown. */
export function completeCurrents(reading: MeterReading): readonly [number, number, number] | null {
  const [a, b, c] = reading.currentA;
  return a === null || b === null || c === null ? null : [a, b, c];
}
