/** What a simulated meter measures, in the reading's units and sign convention (import positive). */

export type Triple = [number, number, number];

export interface SimMeterValues {
  currentA: Triple;
  voltageV: Triple;
  powerPhaseKw: Triple;
  powerKw: number;
  energyImportKwh: number;
  energyExportKwh: number;
  /** Inverters: AC production, positive while producing. */
  productionKw?: number | undefined;
  /** Batteries: state of charge in %. */
  socPct?: number | undefined;
}

/** Per-phase values of a meter from currents (signed: export negative), voltages and a power factor. */
export function fromPhases(
  currentA: Triple,
  voltageV: Triple = [230, 230, 230],
  powerFactor = 1,
): Omit<SimMeterValues, 'energyImportKwh' | 'energyExportKwh'> {
  const powerPhaseKw = currentA.map((a, i) => (a * voltageV[i]! * powerFactor) / 1000) as Triple;
  return { currentA, voltageV, powerPhaseKw, powerKw: powerPhaseKw[0] + powerPhaseKw[1] + powerPhaseKw[2] };
}

/** A PV inverter producing `productionKw`, balanced over three phases (or one, when `phases` is 1). */
export function pvValues(
  productionKw: number,
  voltageV = 230,
  phases: 1 | 3 = 3,
): Omit<SimMeterValues, 'energyImportKwh' | 'energyExportKwh'> {
  const perPhaseA = (productionKw * 1000) / voltageV / phases;
  const currentA: Triple = phases === 3 ? [-perPhaseA, -perPhaseA, -perPhaseA] : [-perPhaseA, 0, 0];
  return { ...fromPhases(currentA, [voltageV, voltageV, voltageV]), productionKw };
}

/** Idle values: nominal voltage, no current, counters at 0. */
export function idleValues(voltageV = 230): SimMeterValues {
  return { ...fromPhases([0, 0, 0], [voltageV, voltageV, voltageV]), energyImportKwh: 0, energyExportKwh: 0 };
}
