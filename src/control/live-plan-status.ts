/**
 * What the live planner (live-planner.ts) tells the API (GET /api/v1/plan) and the metrics, and what it keeps
 * of a solve (Solved, Asked).
 */
import type { Plan, PlanInput } from '../core/planner/plan-types.ts';
import type { SiteBattery } from '../core/site.ts';

/** The planner's counts for the metrics (src/api/metrics.ts). */
export interface PlannerMetrics {
  readonly replans: number;
  readonly failures: number;
  readonly lastSolveMs: number;
  readonly sessionsShort: number;
  /** The planned battery's power for the running slot, kW (charging positive); null: none planned. */
  readonly batteryTargetKw: number | null;
}

/** One planned session as the API shows it. */
export interface PlannedSession {
  readonly portId: string;
  readonly sessionId: number;
  readonly departureMs: number;
  readonly needKwh: number;
  readonly plannedKwh: number;
  readonly shortKwh: number;
  /** The need will be met by the departure (short by less than 0.05 kWh). */
  readonly met: boolean;
  /** The plan's target for the running slot, A. */
  readonly targetA: number;
}

/** The plan in force and why there is none, for the API (GET /api/v1/plan) and the metrics. */
export interface LivePlanStatus {
  readonly slotMs: number;
  readonly horizonMs: number;
  /** The plan's targets are in force now. */
  readonly active: boolean;
  /** Why there are no targets now; null when there are. */
  readonly reason: string | null;
  readonly solvedAtMs: number | null;
  readonly solveMs: number | null;
  readonly slots: readonly {
    readonly startMs: number;
    readonly importKw: number;
    readonly pricePerKwh: number;
    readonly demandTargetKw: number | null;
    /** The planned battery's power in the slot (kW, charging positive) and its state of charge after it, %. */
    readonly batteryKw: number | null;
    readonly batterySocPct: number | null;
  }[];
  readonly sessions: readonly PlannedSession[];
  readonly energyCost: number | null;
  readonly demandChargeAdded: number | null;
  /** The battery the plan schedules, and its power for the running slot (kW); null: none planned. */
  readonly battery: { readonly batteryId: string; readonly targetKw: number } | null;
}

/** A plan in force (live-planner.ts). */
export interface Solved {
  readonly plan: Plan;
  readonly solvedAtMs: number;
  readonly solveMs: number;
  readonly input: PlanInput;
  readonly ports: readonly string[];
  readonly sessionIds: readonly number[];
  readonly departures: Float64Array;
  readonly battery: SiteBattery | undefined;
}

/** What a solve was asked for (the solver's tag). */
export interface Asked {
  readonly input: PlanInput;
  readonly sessions: SessionRef[];
  readonly atMs: number;
  readonly battery: SiteBattery | undefined;
}

/** Which port and session each planned session is. */
export interface SessionRef {
  readonly portId: string;
  readonly sessionId: number;
}
