/** Inputs, state and results of the allocator (docs/allocation.md). */
import type { Dimension } from './compiled-site.ts';

/** Capacity of one circuit at this instant, after schedule, EMS, non-EV load, PV and margin. */
export interface Capacity {
  /** Per-phase current available to EV ports in A (L1, L2, L3). Infinity where unlimited. */
  readonly phaseA: readonly [number, number, number];
  /** Total power available to EV ports in kW. Infinity where unlimited. */
  readonly powerKw: number;
  /** What set this capacity (shown in explanations), e.g. "schedule 'weekday peak'" or "EMS command". */
  readonly source?: string | undefined;
  /**
   * How far the non-EV load is over the limit per phase (A) and in kW, before the clamp at 0 (absent: 0):
   * a discharging battery's relief covers this first (battery.ts). The allocator does not read it.
   */
  readonly overloadA?: readonly [number, number, number] | undefined;
  readonly overloadKw?: number | undefined;
}

/** A port that has a car wanting energy. Ports not listed get 0 A. */
export interface PortDemand {
  readonly portId: string;
  /** Overrides the port's minimum current (A). */
  readonly minCurrentA?: number | undefined;
  /** Lowers the port's maximum (A): the car's own limit, a solar mode cap, an operator override. */
  readonly maxCurrentA?: number | undefined;
  /** maxCurrentA is the cloud's charging profile (Fusebox as an OCPP proxy): explained as "cloud profile". */
  readonly maxFromCloud?: boolean | undefined;
  /** Overrides the port's priority class. */
  readonly priority?: number | undefined;
  /** Share within the priority class relative to others (default 1). */
  readonly weight?: number | undefined;
  /** Which of the port's conductors the car draws on, by measurement; undefined = all. */
  readonly conductorsInUse?: readonly boolean[] | undefined;
  /** Highest per-phase current the car draws now, in A, and when it was measured. */
  readonly measuredA?: number | undefined;
  readonly measuredAtMs?: number | undefined;
  /** When the car arrived (session start), for rotation order among new arrivals. */
  readonly arrivedAtMs?: number | undefined;
  /**
   * Deadline mode: when the car is expected to leave (UTC epoch ms) and the energy it still needs (kWh).
   * Live, they come from OCPP 2.0.1 ChargingNeeds (departureTime, energyAmount) or a configured dwell.
   */
  readonly departureMs?: number | undefined;
  readonly energyRemainingKwh?: number | undefined;
}

export interface AllocationInput {
  /** Capacity per circuit id; a circuit not listed gets its static limit less margin. */
  readonly capacities: ReadonlyMap<string, Capacity>;
  readonly demands: readonly PortDemand[];
}

/** What one port remembers between allocations. */
export interface PortMemory {
  /** Current offered at the last allocation, in A (0 when paused). */
  readonly lastA: number;
  /** When lastA last changed by a step or more. */
  readonly offeredSinceMs: number;
  /** Running (offered ≥ min) since, or null when paused. */
  readonly runningSinceMs: number | null;
  /** Waiting (wanting energy but paused) since, or null when running. */
  readonly waitingSinceMs: number | null;
  /** Cap from the car drawing less than offered, in A, and when it was set; null when none. */
  readonly carCapA: number | null;
  readonly carCapSinceMs: number | null;
  /** Time this session ran before its current run, in ms (rotation favours the least served on ties). */
  readonly servedMs: number;
}

/** State carried from one allocation to the next: pass the returned value into the next call. */
export interface AllocatorState {
  readonly ports: ReadonlyMap<string, PortMemory>;
}

export const INITIAL_ALLOCATOR_STATE: AllocatorState = { ports: new Map() };

export interface AllocatorOptions {
  /** A running port may be paused for a waiting one after this long (rotation), in ms. */
  readonly rotationIntervalMs: number;
  /** Headroom over a car's measured draw when capping it, in A. */
  readonly carMarginA: number;
  /** Time a car gets to follow a new limit before its draw is judged, in ms (IEC 61851-1 allows 5 s). */
  readonly carSettleMs: number;
  /** A car cap is lifted after this long to see whether the car wants more, in ms. */
  readonly carProbeIntervalMs: number;
}

export const DEFAULT_ALLOCATOR_OPTIONS: AllocatorOptions = {
  rotationIntervalMs: 15 * 60_000,
  carMarginA: 2,
  carSettleMs: 15_000,
  carProbeIntervalMs: 5 * 60_000,
};

/**
 * Why a port's station does not take Fusebox's limits: it rejected a profile, answered NotImplemented (or
 * NotSupported), did not answer in time, or said it has no smart charging (docs/control.md).
 */
export type UncontrolledReason = 'rejected' | 'not-implemented' | 'timeout' | 'no-smart-charging';

/** Why a port got the current it got. */
export type LimitedBy =
  | { readonly kind: 'idle' }
  | { readonly kind: 'port-max' }
  | { readonly kind: 'demand-max' }
  /** The cloud's charging profile for the port or its station (src/proxy/cloud-profiles.ts). */
  | { readonly kind: 'cloud-profile' }
  /** The planner's target for the running slot (docs/control.md, "The planner"), A. */
  | { readonly kind: 'plan'; readonly targetA: number }
  | { readonly kind: 'car'; readonly measuredA: number }
  | {
      readonly kind: 'circuit';
      readonly circuitId: string;
      readonly dimension: Dimension;
      readonly source?: string | undefined;
    }
  | {
      readonly kind: 'paused';
      readonly circuitId: string;
      readonly dimension: Dimension;
      readonly rotation: boolean;
      readonly source?: string | undefined;
      /** Set when a port that has waited longer holds the room on this circuit: its turn comes first. */
      readonly waitingBehind?: string | undefined;
    }
  | { readonly kind: 'below-minimum' }
  /** Its station does not take limits: it counts at what it can draw (`countedA`), the others get the rest. */
  | { readonly kind: 'uncontrolled'; readonly reason: UncontrolledReason; readonly countedA: number };

export interface PortAllocation {
  readonly portId: string;
  /** Limit in A per phase: 0 (paused or idle) or within [min, max]. */
  readonly currentA: number;
  readonly limitedBy: LimitedBy;
}

/** Load and capacity of one circuit under the allocation (EV ports only). */
export interface CircuitExplain {
  readonly circuitId: string;
  /** EV load per dimension L1, L2, L3 (A) and kW. */
  readonly load: readonly [number, number, number, number];
  readonly capacity: readonly [number, number, number, number];
}

export interface AllocationResult {
  readonly allocation: readonly PortAllocation[];
  readonly state: AllocatorState;
  readonly explain: { readonly circuits: readonly CircuitExplain[] };
}
