/** The site model the core works on: the circuit tree and the ports, as plain validated data. */
import type { Phase, Wiring } from './phases.ts';
import type { Schedule } from './schedule.ts';

/** How a port or circuit uses solar power (docs/control.md, "Solar modes"). */
/**
 * IEC 61851-1: the lowest current an AC charger can signal with PWM, and below which a car does not charge,
 * in A per phase. The one place this number lives (config defaults, the simulated cars and stations).
 */
export const AC_MIN_A = 6;

export type ChargingMode = 'fast' | 'solar-only' | 'min-plus-solar';

/** A supply system: nominal voltages and which phases exist. */
export interface Supply {
  /** Line-to-neutral voltage in V (for split phase: each leg to neutral, e.g. 120). */
  readonly lineToNeutralV: number;
  /** Line-to-line voltage in V (400 for 230/400 V, 208 for 208Y/120 V, 240 for split phase 120/240 V). */
  readonly lineToLineV: number;
  /** Phases present: ['L1','L2','L3'] (three phase), ['L1','L2'] (split phase) or ['L1'] (single phase). */
  readonly phases: readonly Phase[];
}

/** True when two supplies have the same voltages and phase count: no transformer between them. */
export function sameSupply(a: Supply, b: Supply): boolean {
  return (
    a.lineToNeutralV === b.lineToNeutralV &&
    a.lineToLineV === b.lineToLineV &&
    a.phases.length === b.phases.length
  );
}

/** One node of the electrical tree. */
export interface SiteCircuit {
  readonly id: string;
  readonly parentId: string | null;
  /** Per-phase current limit in A (breaker or contract), before margin. */
  readonly limitA: number;
  /** Optional total active power limit in kW over all phases. */
  readonly limitKw?: number | undefined;
  /** Safety margin in A kept free on every phase. */
  readonly marginA: number;
  readonly supply: Supply;
  /** Limits that follow a weekly schedule and dated exceptions; they can only lower limitA/limitKw. */
  readonly schedule?: Schedule | undefined;
  /**
   * Schedules set by operators (the dashboard), each evaluated on its own next to `schedule`: the lowest
   * limit of all wins, and one schedule's dated exception does not suspend another's weekly entries.
   */
  readonly operatorSchedules?: readonly Schedule[] | undefined;
  /** DLM: the meter that measures this circuit's total load; absent = SLM (other loads ignored). */
  readonly meterId?: string | undefined;
  /** DLM: non-EV load per phase in A to assume while the meter's data is stale (worst case). */
  readonly staleNonEvLoadA?: number | undefined;
  /** PV sources (meter ids) feeding this circuit, whose production adds to its capacity. */
  readonly pvMeterIds?: readonly string[] | undefined;
  /** Default charging mode for ports below this circuit. */
  readonly chargingMode?: ChargingMode | undefined;
  /** Root circuits: the limit in force while the site runs islanded (off the grid); absent = no change. */
  readonly islanded?:
    { readonly limitA?: number | undefined; readonly limitKw?: number | undefined } | undefined;
}

/** A measurement source named by the configuration; its driver lives in modbus/. */
export interface SiteMeter {
  readonly id: string;
  /** What it measures: a circuit's total load, a PV inverter, a battery. */
  readonly role: 'load' | 'pv' | 'battery';
  readonly circuitId: string;
  /** Readings older than this are stale, in ms. */
  readonly timeoutMs: number;
}

/** One charging port (EVSE): the unit that receives a limit. */
export interface SitePort {
  readonly id: string;
  readonly stationId: string;
  /** OCPP connector id (1.6) or EVSE id (2.0.1). */
  readonly connectorId: number;
  readonly circuitId: string;
  readonly wiring: Wiring;
  readonly currentType: 'AC' | 'DC';
  /** Minimum current in A per phase while charging (AC_MIN_A for AC by IEC 61851-1). */
  readonly minCurrentA: number;
  /** Maximum current in A per phase (for DC: derived from maxPowerKw at the circuit voltage). */
  readonly maxCurrentA: number;
  /** Resolution of the charger in A: limits are rounded down to a multiple of it. */
  readonly stepA: number;
  /** Higher is served first. */
  readonly priority: number;
  /** DC only: rated DC output power in kW, and the AC-to-DC efficiency used to convert it to AC input current. */
  readonly maxPowerKw?: number | undefined;
  readonly efficiency?: number | undefined;
  /** Charging mode; defaults to the nearest circuit's, then 'fast'. */
  readonly chargingMode?: ChargingMode | undefined;
  /** Deadline mode, for cars that do not say: stay (ms) and energy need (kWh) here; else the site's defaults. */
  readonly stayMs?: number | undefined;
  readonly energyKwh?: number | undefined;
}

/**
 * How the allocator shares current (docs/allocation.md). `mode`: 'fair' is weighted max-min; 'deadline'
 * also uses each session's departure and remaining energy. `lineModel`: 'linear' adds the currents of a
 * line as numbers (safe everywhere); 'phasor' adds them as phasors on three-phase circuits (exact for
 * line-to-line ports on a wye supply, assuming the cars share one power factor).
 */
export interface AllocationSettings {
  readonly mode?: 'fair' | 'deadline' | undefined;
  readonly lineModel?: 'linear' | 'phasor' | undefined;
  /** Deadline mode, for cars that do not say: departure = session start + this (ms); absent: unknown. */
  readonly defaultStayMs?: number | undefined;
  /** Deadline mode, for cars that do not say: the energy a session needs (kWh); absent: unknown. */
  readonly defaultEnergyKwh?: number | undefined;
  /** The planner in the live loop (docs/control.md, "The planner"); absent: off. */
  readonly planner?: PlannerSettings | undefined;
}

/** The live planner's settings: how far ahead it plans and its slot, in ms. */
export interface PlannerSettings {
  readonly horizonMs: number;
  readonly slotMs: number;
}

export interface Site {
  readonly timeZone: string;
  /** Allocation settings; absent = fair, linear. */
  readonly allocation?: AllocationSettings | undefined;
  readonly circuits: readonly SiteCircuit[];
  readonly ports: readonly SitePort[];
  readonly meters: readonly SiteMeter[];
  /** Batteries on circuits (docs/configuration.md, `batteries`); absent = none. */
  readonly batteries?: readonly SiteBattery[] | undefined;
}

/** A stationary battery on a circuit: read through its meter, commanded only when `control` is true. */
export interface SiteBattery {
  readonly id: string;
  /** The circuit it is connected to; its power counts on this circuit and every one above. */
  readonly circuitId: string;
  /** The meter (role battery) that reads its power (charging positive) and state of charge. */
  readonly meterId: string;
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** Never discharged below this state of charge, in %. */
  readonly reserveSocPct: number;
  /** Never charged above this state of charge, in %. */
  readonly maxSocPct: number;
  /** The phases its inverter is connected to (its power is shared evenly over them). */
  readonly phases: readonly Phase[];
  /** Whether Fusebox may command it; false = read and counted only. */
  readonly control: boolean;
}

/** Active power in kW drawn by 1 A per phase on the given wiring and supply, counting `conductors` of them. */
export function kwPerAmp(supply: Supply, wiring: Wiring, conductors: number): number {
  if (wiring.includes('-')) return supply.lineToLineV / 1000;
  return (supply.lineToNeutralV * conductors) / 1000;
}

/** Per-phase AC input current in A of a DC port delivering `powerKw`. */
export function dcPowerToCurrentA(
  powerKw: number,
  supply: Supply,
  wiring: Wiring,
  efficiency: number,
): number {
  const conductors = wiring.includes('-') ? 1 : wiring.length / 2;
  return powerKw / efficiency / kwPerAmp(supply, wiring, conductors);
}

/** DC output power in kW for an AC input current of `currentA` per phase. */
export function dcCurrentToPowerKw(
  currentA: number,
  supply: Supply,
  wiring: Wiring,
  efficiency: number,
): number {
  const conductors = wiring.includes('-') ? 1 : wiring.length / 2;
  return currentA * kwPerAmp(supply, wiring, conductors) * efficiency;
}

/** Every schedule of a circuit: the site file's first, then the operators'. */
export function schedulesOf(c: SiteCircuit): readonly Schedule[] {
  const operator = c.operatorSchedules ?? [];
  return c.schedule ? [c.schedule, ...operator] : operator;
}
