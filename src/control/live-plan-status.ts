/** What the live planner (live-planner.ts) tells the API (GET /api/v1/plan) and the metrics. */

/** The planner's counts for the metrics (src/api/metrics.ts). */
export interface PlannerMetrics {
  readonly replans: number;
  readonly failures: number;
  readonly lastSolveMs: number;
  readonly sessionsShort: number;
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
  }[];
  readonly sessions: readonly PlannedSession[];
  readonly energyCost: number | null;
  readonly demandChargeAdded: number | null;
}
