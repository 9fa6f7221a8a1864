/**
 * MeterValues (OCPP 1.6 §7.33 SampledValue, 2.0.1 §2.46 SampledValueType) normalised to one reading per
 * timestamp: energy register, power, current per station conductor, voltage, SoC.
 */

/** A sampled value of either version (1.6 sends text with `unit`; 2.0.1 numbers with `unitOfMeasure`). */
export interface AnySampledValue {
  readonly value: string | number;
  readonly context?: string;
  readonly format?: string;
  readonly measurand?: string;
  readonly phase?: string;
  readonly location?: string;
  readonly unit?: string;
  readonly unitOfMeasure?: { readonly unit?: string; readonly multiplier?: number };
}

export interface AnyMeterValue {
  readonly timestamp: string;
  readonly sampledValue: readonly AnySampledValue[];
}

export interface MeterSample {
  readonly atMs: number;
  /** Energy.Active.Import.Register in Wh. */
  readonly energyWh?: number | undefined;
  /** Power.Active.Import in W, over all phases. */
  readonly powerW?: number | undefined;
  /** Current.Import per station conductor (L1, L2, L3) in A. */
  readonly phaseCurrentA: readonly [number | undefined, number | undefined, number | undefined];
  /** Current.Import sent without a phase, in A. */
  readonly unphasedCurrentA?: number | undefined;
  readonly voltageV?: number | undefined;
  readonly socPct?: number | undefined;
  /** Context of the energy reading (Transaction.Begin / Transaction.End mark session edges). */
  readonly context?: string | undefined;
}

const SCALE: Record<string, number> = { kWh: 1000, kW: 1000, Wh: 1, W: 1, A: 1, V: 1, Percent: 1 };

function numeric(sv: AnySampledValue): number | undefined {
  if (sv.format === 'SignedData') return undefined;
  const raw = typeof sv.value === 'number' ? sv.value : Number(sv.value);
  if (!Number.isFinite(raw)) return undefined;
  const unit = sv.unitOfMeasure?.unit ?? sv.unit;
  const scale = unit === undefined ? 1 : (SCALE[unit] ?? NaN);
  if (Number.isNaN(scale)) return undefined;
  const multiplier = sv.unitOfMeasure?.multiplier ?? 0;
  // A schema-valid value can overflow once scaled (1e308 kWh): unreadable, never Infinity.
  return finiteOrUndefined(raw * scale * 10 ** multiplier);
}

function finiteOrUndefined(v: number): number | undefined {
  return Number.isFinite(v) ? v : undefined;
}

function phaseIndex(phase: string | undefined): 0 | 1 | 2 | undefined {
  if (phase === undefined) return undefined;
  if (phase.startsWith('L1')) return 0;
  if (phase.startsWith('L2')) return 1;
  if (phase.startsWith('L3')) return 2;
  return undefined;
}

function sum(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length ? finiteOrUndefined(defined.reduce((a, b) => a + b, 0)) : undefined;
}

/** Normalise one MeterValue; unreadable values (signed data, unknown units) are skipped. */
export function parseMeterValue(mv: AnyMeterValue): MeterSample {
  let energyWh: number | undefined;
  const energyPhases: (number | undefined)[] = [undefined, undefined, undefined];
  let powerW: number | undefined;
  const powerPhases: (number | undefined)[] = [undefined, undefined, undefined];
  const current: [number | undefined, number | undefined, number | undefined] = [
    undefined,
    undefined,
    undefined,
  ];
  let unphasedCurrentA: number | undefined;
  const voltages: number[] = [];
  let socPct: number | undefined;
  let context: string | undefined;
  for (const sv of mv.sampledValue) {
    // Body and cable temperatures/values are not the car's.
    if (sv.location === 'Body' || sv.location === 'Cable') continue;
    const value = numeric(sv);
    if (value === undefined) continue;
    const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
    const idx = phaseIndex(sv.phase);
    switch (measurand) {
      case 'Energy.Active.Import.Register':
        if (sv.phase === undefined) {
          energyWh = value;
          context = sv.context ?? context;
        } else if (idx !== undefined) energyPhases[idx] = value;
        break;
      case 'Power.Active.Import':
        if (sv.phase === undefined) powerW = value;
        else if (idx !== undefined) powerPhases[idx] = value;
        break;
      case 'Current.Import':
        if (sv.phase === undefined) unphasedCurrentA = value;
        else if (idx !== undefined && sv.phase !== 'N') current[idx] = value;
        break;
      case 'Voltage':
        // Line-to-neutral values only; line-to-line are √3 higher and would skew the mean.
        if (sv.phase === undefined || sv.phase.endsWith('-N') || /^L[123]$/.test(sv.phase))
          voltages.push(value);
        break;
      case 'SoC':
        socPct = value;
        break;
      default:
        break;
    }
  }
  const atMs = Date.parse(mv.timestamp);
  const voltageSum = sum(voltages);
  return {
    atMs,
    energyWh: energyWh ?? sum(energyPhases),
    powerW: powerW ?? sum(powerPhases),
    phaseCurrentA: current,
    unphasedCurrentA,
    voltageV: voltageSum === undefined ? undefined : voltageSum / voltages.length,
    socPct,
    context,
  };
}

/** A conductor carries current when it has at least this share of the highest conductor current. */
const IN_USE_SHARE = 0.25;
/** Below this highest current in A, a paused or finished car: which conductors it uses cannot be told. */
const IN_USE_MIN_A = 1.5;

export interface ConductorCurrents {
  readonly currentA: readonly (number | undefined)[];
  readonly conductorsInUse?: readonly boolean[] | undefined;
  readonly maxCurrentA?: number | undefined;
}

/**
 * Currents per conductor of a port with `conductors` conductors (1 single phase or line to line, 3 three
 * phase). A conductor that was not reported counts as in use: assuming it idle could overload its phase.
 */
export function conductorCurrents(sample: MeterSample, conductors: number): ConductorCurrents {
  let currentA: (number | undefined)[];
  if (conductors === 1) {
    currentA = [sample.phaseCurrentA[0] ?? sample.unphasedCurrentA ?? sum(sample.phaseCurrentA)];
  } else {
    const anyPhase = sample.phaseCurrentA.some((c) => c !== undefined);
    // Unphased current on a three-phase port: its distribution is unknown, so every conductor may carry it.
    currentA = anyPhase ? [...sample.phaseCurrentA] : [0, 1, 2].map(() => sample.unphasedCurrentA);
  }
  const known = currentA.filter((c): c is number => c !== undefined);
  if (!known.length) return { currentA };
  const maxCurrentA = Math.max(...known);
  if (maxCurrentA < IN_USE_MIN_A || currentA.every((c) => c === currentA[0])) {
    return {
      currentA,
      maxCurrentA,
      conductorsInUse: maxCurrentA < IN_USE_MIN_A ? undefined : currentA.map(() => true),
    };
  }
  const threshold = Math.max(1, IN_USE_SHARE * maxCurrentA);
  return { currentA, maxCurrentA, conductorsInUse: currentA.map((c) => c === undefined || c >= threshold) };
}
