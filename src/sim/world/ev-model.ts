/**
 * The one model of an electric vehicle in the simulators (docs/architecture.md, "The EV model"): an on-board
 * charger (1 or 3 phases, a maximum current), a battery that tapers near full, and a delay before it follows
 * a new limit on the control pilot (IEC 61851-1 allows up to 5 s). It draws min(pilot limit, its own maximum
 * after taper); a pilot limit below the minimum (AC_MIN_A, IEC 61851-1) means no charging at all.
 *
 * Its rules are functions every simulator calls: `pilotDrawA` (what a car draws under a pilot), `taperShare`
 * (the taper near full), `socAfter` (energy into state of charge). `EvModel` is the car of the site world and
 * of the SimGateway (with start and response delays); the OCPP `SimulatedStation` draws and charges its car
 * by the same rules; the offline study's step (`acceptedKwh`) takes energy by the same taper.
 */
import { AC_MIN_A } from '../../core/site.ts';

/** Tolerance of the minimum-current rule: a pilot this far below the minimum still counts as at it. */
const MIN_EPS_A = 1e-9;

/** True when a pilot limit of `pilotA` is below the minimum a car charges at (no charging at all). */
export function belowMinimumA(pilotA: number, minA: number = AC_MIN_A): boolean {
  return pilotA < minA - MIN_EPS_A;
}

/** What a car draws per conductor under a pilot limit: nothing below the minimum, else up to its own maximum. */
export function pilotDrawA(pilotA: number, ownMaxA: number, minA: number = AC_MIN_A): number {
  return belowMinimumA(pilotA, minA) ? 0 : Math.min(pilotA, ownMaxA);
}

/**
 * The taper of a battery near full (ACN-Sim's two-stage battery, with a floor): the share of its maximum a
 * car takes at state of charge `soc`, 1 up to `taperFrom`, then falling linearly to 0 at `full`, never below
 * `floor`. `soc`, `taperFrom` and `full` in one unit (% with full 100, or shares with full 1).
 */
export function taperShare(soc: number, taperFrom: number, full: number, floor = 0): number {
  if (soc <= taperFrom) return 1;
  return Math.max(floor, (full - soc) / (full - taperFrom));
}

/** The state of charge in % after `kwh` of AC energy at `efficiency` into a battery of `batteryKwh`. */
export function socAfter(socPct: number, kwh: number, batteryKwh: number, efficiency = 1): number {
  return Math.min(100, socPct + ((kwh * efficiency) / batteryKwh) * 100);
}

export interface EvSpec {
  readonly id: string;
  readonly batteryKwh: number;
  /** State of charge on arrival, in %. */
  readonly socPct: number;
  /** Conductors the on-board charger draws on: 1 (single phase) or 3. */
  readonly phases: 1 | 3;
  /** The on-board charger's maximum current per conductor, in A. */
  readonly maxCurrentA: number;
  /** Above this state of charge the car lowers its own maximum linearly towards taperFloorPct. Default 80. */
  readonly taperFromSocPct?: number | undefined;
  /** Share of maxCurrentA still drawn just below 100 % (default 0.1). */
  readonly taperFloor?: number | undefined;
  /** Time the car takes to follow a new pilot limit, in ms (default 3000; IEC 61851-1: ≤ 5 s). */
  readonly responseDelayMs?: number | undefined;
  /** Time from plug-in to the first current (authorization, state B to C), in ms (default 5000). */
  readonly startDelayMs?: number | undefined;
  /** Plug-in and plug-out times (ms since epoch); no departure = stays. */
  readonly arrivalMs: number;
  readonly departureMs?: number | undefined;
  /** The car stops (suspended by the EV) once it has this much; default: until targetSocPct. */
  readonly energyWantedKwh?: number | undefined;
  /** Default 100. */
  readonly targetSocPct?: number | undefined;
  /** Share of the AC energy that reaches the battery (default 0.9). */
  readonly chargeEfficiency?: number | undefined;
  /** Pilot limits below this are no charging, in A (default AC_MIN_A, IEC 61851-1). */
  readonly minCurrentA?: number | undefined;
}

export const DEFAULT_EV_RESPONSE_DELAY_MS = 3_000;
export const DEFAULT_EV_START_DELAY_MS = 5_000;

interface PilotChange {
  readonly atMs: number;
  readonly limitA: number;
}

export class EvModel {
  readonly spec: EvSpec;
  private soc: number;
  private delivered = 0;
  /** The pilot limit the car obeys now (null: not plugged in). */
  private followedA: number | null = null;
  private readonly pending: PilotChange[] = [];
  private lastPilotA: number | null = null;
  private lastMs: number | null = null;
  private startAtMs = 0;
  private kwPerA = 0;
  private drawA = 0;

  constructor(spec: EvSpec) {
    this.spec = spec;
    this.soc = spec.socPct;
  }

  get id(): string {
    return this.spec.id;
  }

  /** State of charge in %. */
  get socPct(): number {
    return this.soc;
  }

  /** AC energy taken from the station so far, in kWh. */
  get energyKwh(): number {
    return this.delivered;
  }

  /** Current per conductor the car draws now, in A. */
  get currentA(): number {
    return this.drawA;
  }

  /** The pilot limit the car is following now, in A (null before plug-in). */
  get followedLimitA(): number | null {
    return this.followedA;
  }

  /** True once the car wants no more energy. */
  get done(): boolean {
    const wanted = this.spec.energyWantedKwh;
    return (
      this.soc >= (this.spec.targetSocPct ?? 100) - 1e-9 || (wanted !== undefined && this.delivered >= wanted)
    );
  }

  /** The car's own maximum now (taper near full), in A; 0 when done. */
  ownMaxA(): number {
    if (this.done) return 0;
    const share = taperShare(this.soc, this.spec.taperFromSocPct ?? 80, 100, this.spec.taperFloor ?? 0.1);
    return share === 1 ? this.spec.maxCurrentA : this.spec.maxCurrentA * share;
  }

  /**
   * The car is plugged in at `nowMs`: `kwPerA` is the active power per A of its draw on the port it uses
   * (from the port's wiring and the conductors the car draws on). It sees `pilotA` at once and follows it
   * after its response delay.
   */
  plugIn(nowMs: number, kwPerA: number, pilotA: number): void {
    this.kwPerA = kwPerA;
    this.lastMs = nowMs;
    this.startAtMs = nowMs + (this.spec.startDelayMs ?? DEFAULT_EV_START_DELAY_MS);
    this.followedA = 0;
    this.lastPilotA = null;
    this.pending.length = 0;
    this.setPilot(pilotA, nowMs);
  }

  /** The car is unplugged: it draws nothing from then on. */
  unplug(nowMs: number): void {
    this.advance(nowMs);
    this.followedA = null;
    this.lastMs = null;
    this.pending.length = 0;
    this.drawA = 0;
  }

  /**
   * The station's limit on the pilot changed at `nowMs`; the car follows after its response delay, and not
   * before it starts charging (then it takes the limit it sees at that moment).
   */
  setPilot(limitA: number, nowMs: number): void {
    if (this.lastMs === null) return;
    if (this.lastPilotA === limitA) return;
    this.advance(nowMs);
    this.lastPilotA = limitA;
    // Before it starts, the car reads the pilot when it starts; once charging, it follows after its delay.
    const atMs =
      nowMs <= this.startAtMs
        ? this.startAtMs
        : nowMs + (this.spec.responseDelayMs ?? DEFAULT_EV_RESPONSE_DELAY_MS);
    this.pending.push({ atMs, limitA });
  }

  /** Runs the car forward to `nowMs`: follows due pilot changes, integrates energy, tapers. */
  advance(nowMs: number): void {
    if (this.lastMs === null || nowMs <= this.lastMs) return;
    while (this.pending.length > 0 && this.pending[0]!.atMs <= nowMs) {
      const change = this.pending.shift()!;
      this.integrateTo(change.atMs);
      this.followedA = change.limitA;
      this.updateDraw();
    }
    this.integrateTo(nowMs);
    this.updateDraw();
  }

  private integrateTo(tMs: number): void {
    if (this.lastMs === null || tMs <= this.lastMs) return;
    const kwh = (this.drawA * this.kwPerA * (tMs - this.lastMs)) / 3_600_000;
    this.lastMs = tMs;
    if (kwh <= 0) return;
    this.delivered += kwh;
    this.soc = socAfter(this.soc, kwh, this.spec.batteryKwh, this.spec.chargeEfficiency ?? 0.9);
    this.updateDraw();
  }

  /** True when a pilot limit of `pilotA` is below the minimum this car charges at. */
  belowMinimum(pilotA: number): boolean {
    return belowMinimumA(pilotA, this.spec.minCurrentA);
  }

  private updateDraw(): void {
    const pilot = this.followedA ?? 0;
    this.drawA = this.belowMinimum(pilot) ? 0 : Math.min(pilot, this.ownMaxA());
  }
}

// ---- The offline study's step (src/sim/simulate): energy per step rather than a car over time ----

/**
 * What a car accepts in one step: an ideal battery follows the pilot up to its max power; the optional
 * two-stage battery (ACN-Sim's Linear2StageBattery, `taperShare` with no floor) takes full power up to a
 * state-of-charge threshold and then a power falling linearly to zero at full.
 */
/** The optional taper model: each car's battery is `capacityKwh` (at least its demand) and ends full. */
export interface TaperModel {
  /** State of charge (0–1) where the taper starts. */
  readonly thresholdSoc: number;
  readonly capacityKwh: number;
}

const SUBSTEPS = 10;

/**
 * Energy in kWh a car takes in one step of `hours` when offered `offeredKw`, capped by its max power and
 * by what it still needs; with a taper model, also by its battery's acceptance.
 */
export function acceptedKwh(
  offeredKw: number,
  maxPowerKw: number,
  remainingKwh: number,
  demandKwh: number,
  hours: number,
  taper?: TaperModel,
): number {
  const p = Math.min(offeredKw, maxPowerKw);
  if (!(p > 0) || !(remainingKwh > 0)) return 0;
  if (!taper) return Math.min(p * hours, remainingKwh);
  // The session's demand fills the battery: state of charge = 1 − remaining / capacity.
  const cap = Math.max(taper.capacityKwh, demandKwh);
  const th = Math.min(Math.max(taper.thresholdSoc, 0), 0.999);
  const dt = hours / SUBSTEPS;
  let left = remainingKwh;
  let got = 0;
  for (let s = 0; s < SUBSTEPS && left > 0; s++) {
    const soc = 1 - left / cap;
    const share = taperShare(soc, th, 1);
    const limitKw = share === 1 ? maxPowerKw : maxPowerKw * share;
    const e = Math.min(Math.min(p, limitKw) * dt, left);
    got += e;
    left -= e;
  }
  return got;
}
