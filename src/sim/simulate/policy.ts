/** The policy interface of `fusebox simulate` (docs/simulate.md, "Policies"): what a policy sees and what it returns. */
import type { Network } from '../../core/planner/network.ts';
import type { SimSession } from '../sessions/sim-session.ts';
import type { BatteryView } from './site-battery.ts';

/** One car that is plugged in and not yet full, as a policy sees it at the start of a step. */
export interface ActiveEv {
  readonly sessionId: string;
  /** Index into network.evses. */
  readonly evseIndex: number;
  readonly arrivalMs: number;
  readonly departureMs: number;
  /** The user's stated departure (the real one when the data has none). */
  readonly estimatedDepartureMs: number;
  readonly remainingKwh: number;
  /** Pilot bounds in A: the EVSE's and the car's. */
  readonly maxA: number;
  readonly minA: number;
}

/** What a policy sees at the start of one step. */
export interface StepInput {
  readonly tMs: number;
  readonly stepMs: number;
  /** Present and not yet full. */
  readonly active: readonly ActiveEv[];
  /** Constraints for this step (limits already lowered by building load less PV when profiles are given). */
  readonly network: Network;
  /** Building load and PV production during this step, when profiles are given. */
  readonly other?: { readonly buildingKw: number; readonly pvKw: number };
  /** Grid import of the steps before this one, kW (EV load + building − PV): step j from startMs + j·stepMs. */
  readonly past?: { readonly startMs: number; readonly gridKw: Float64Array };
  /** The site battery at the grid connection, when there is one (site-battery.ts). */
  readonly battery?: BatteryView | undefined;
}

/** A charging policy: returns the pilot current in A per active EV (same order as `input.active`). */
export interface Policy {
  /** fusebox | uncontrolled | fcfs | round-robin | edf | llf | offline */
  readonly name: string;
  step(input: StepInput): Float64Array;
  /**
   * Optional: the site battery's power the last `step` decided, kW (charging positive). A policy without
   * it leaves the battery idle (uncontrolled and the textbook policies do not know it).
   */
  batteryCommandKw?(): number;
  /**
   * Optional: called once with the whole workload before the first step (the offline LP plans here), with
   * each session's EVSE index (-1 for a car turned away: it never plugs in).
   */
  plan?(all: readonly SimSession[], network: Network, stepMs: number, evseOf: Int32Array): Promise<void>;
}

/** Pilot in A that delivers `remainingKwh` in one step at the EVSE voltage: sorted policies never offer more. */
export function energyCapA(remainingKwh: number, voltageV: number, stepMs: number): number {
  return (remainingKwh * 1000) / (voltageV * (stepMs / 3_600_000));
}
