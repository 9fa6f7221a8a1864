/**
 * What the planner (planner.ts) reads and returns. Pure data: the caller (the simulator's MPC policy, the
 * benchmark, later the live loop) builds it from its own model of the site, the sessions, the tariff and a
 * forecast (forecast.ts).
 */

/** One car to plan for: plugged in now, or expected. */
export interface PlanSession {
  readonly id: string;
  /** Index of the port it is on, as used in `PlanConstraint.ports`. */
  readonly port: number;
  /** When it is (or was) plugged in and when it leaves, UTC epoch ms. */
  readonly arrivalMs: number;
  readonly departureMs: number;
  /** Energy it still needs, kWh. */
  readonly energyKwh: number;
  /** Highest average current per phase it can take, A (its port's and its own maximum). */
  readonly maxA: number;
  /** kW it draws per A of current per phase (e.g. 0.208 for one 208 V line, 0.69 for 3 × 230 V). */
  readonly kwPerA: number;
}

/**
 * One linear limit on the ports' currents: Σ coef[k]·I(ports[k]) ≤ limitA − externalPerKw·(net building
 * load in kW). The offline LP's rows (src/core/planner/lp-rows.ts) have this form, per phase and per
 * facet of a phasor magnitude.
 */
export interface PlanConstraint {
  readonly ports: Int32Array;
  readonly coef: Float64Array;
  readonly limitA: number;
  readonly externalPerKw?: number | undefined;
}

/** One billing period's demand charge. */
export interface PlanDemandPeriod {
  /** [startMs, endMs): the period (a local calendar month). */
  readonly startMs: number;
  readonly endMs: number;
  /** $/kW of the period's highest window demand. */
  readonly ratePerKw: number;
  /**
   * Demand already paid for in this period (its highest window so far, or a pinned target): power up to it
   * costs nothing more. 0 for a period that has not begun.
   */
  readonly paidKw: number;
}

/**
 * A stationary battery the plan schedules (battery-lp.ts): per slot its charge and discharge at its AC side
 * and its energy after the slot.
 */
export interface PlanBattery {
  /** Its energy now, kWh. */
  readonly energyKwh: number;
  /** Never below / above these energies, kWh (its reserve and maximum state of charge). */
  readonly minKwh: number;
  readonly maxKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** One-way efficiency, 0–1: a kWh charged stores `efficiency`, a kWh stored gives `efficiency`. */
  readonly efficiency: number;
  /**
   * Per limit row (`PlanInput.constraints`, same order): its units per kW of the battery's power (charging
   * positive), 0 where the battery is not under the limit. Absent: the row's `externalPerKw` (a battery at
   * the grid connection, where the building load counts).
   */
  readonly perKw?: Float64Array | undefined;
  /**
   * $ per kWh through it (charged or discharged), default 0: a small weight against cycling it for nothing
   * (a discharge no load takes, with no export price), below any real price difference.
   */
  readonly wearPerKwh?: number | undefined;
}

export interface PlanInput {
  /** Start of the plan; slot 0 runs from here to the next multiple of slotMs (epoch-aligned). */
  readonly nowMs: number;
  readonly horizonMs: number;
  readonly slotMs: number;
  readonly sessions: readonly PlanSession[];
  readonly constraints: readonly PlanConstraint[];
  /** Import price $/kWh per slot (index = slot), and what export earns (0: nothing). */
  readonly pricePerKwh: (slotStartMs: number) => number;
  readonly exportPricePerKwh?: number | undefined;
  /** Net building load (building − PV) forecast per slot, kW; absent: 0. */
  readonly externalKw?: ((slotStartMs: number) => number) | undefined;
  /**
   * Demand charges: the window length (a multiple of slotMs, aligned to the epoch as the slots are), the
   * energy imported so far in the window holding nowMs, and the periods the horizon touches. Absent: no
   * demand charge.
   */
  readonly demand?:
    | {
        readonly windowMs: number;
        readonly windowEnergySoFarKwh: number;
        readonly periods: readonly PlanDemandPeriod[];
      }
    | undefined;
  /** A battery to schedule with the sessions; absent: none. */
  readonly battery?: PlanBattery | undefined;
  /** Prefer charging earlier among plans of equal cost (default true): hedges against later arrivals. */
  readonly preferEarly?: boolean | undefined;
  /**
   * The previous plan (of the same site, an earlier `nowMs`): the solver starts from its final basis, which
   * is near optimal when little changed. The plan is the same optimum with or without it.
   */
  readonly warmStart?: Plan | undefined;
}

/** The solver's final basis, keyed by what each column and row stands for (session or limit, and slot). */
export interface PlanBasis {
  readonly colKey: readonly string[];
  readonly rowKey: readonly string[];
  readonly colStatus: Int32Array;
  readonly rowStatus: Int32Array;
}

export interface Plan {
  /** Slot boundaries: slot k is [slotStartsMs[k], slotStartsMs[k + 1]). */
  readonly slotStartsMs: Float64Array;
  /** Per session (input order): average current per slot, A. */
  readonly currentA: readonly Float64Array[];
  /** Per session: energy planned over the horizon, and what is left of its need by its departure, kWh. */
  readonly plannedKwh: Float64Array;
  readonly shortKwh: Float64Array;
  /** Grid import per slot in the plan, kW (EV load + net building load, never below 0). */
  readonly importKw: Float64Array;
  /** The plan's highest demand per period (input order), kW. */
  readonly peakKw: Float64Array;
  readonly energyCost: number;
  /** Demand charge above what was already paid, $. */
  readonly demandChargeAdded: number;
  /** The battery's schedule (with `PlanInput.battery`): kW per slot (charging positive), energy after it. */
  readonly battery?: { readonly kw: Float64Array; readonly energyKwh: Float64Array } | undefined;
  /** LP size, for the log and the benchmark. */
  readonly columns: number;
  readonly rows: number;
  /** Simplex iterations the solve took (with a warm start: the warm attempt plus any cold restart). */
  readonly iterations?: number | undefined;
  /** For `PlanInput.warmStart` of the next re-plan. */
  readonly basis?: PlanBasis | undefined;
}
