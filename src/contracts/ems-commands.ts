/**
 * What the building EMS commands (docs/modbus-ems.md), as the control loop applies it (docs/control.md:
 * min(static, schedule, EMS command, ...)). The Modbus EMS server keeps them (modbus/ems-commands.ts).
 */
export interface EmsCommands {
  /** false: pause every port. */
  readonly enabled: boolean;
  readonly siteLimitA?: number | undefined;
  readonly siteLimitKw?: number | undefined;
  /** Circuit id → per-phase limit in A. */
  readonly circuitLimitA: ReadonlyMap<string, number>;
  /** Port id → limit in A (0 pauses the port); absent or empty: none. */
  readonly portLimitA?: ReadonlyMap<string, number> | undefined;
  /**
   * The grid state the EMS reports (docs/modbus-ems.md, gridState): on the grid, islanded, or unknown (its
   * register timed out: the islanded limit holds too). Absent: the EMS says nothing.
   */
  readonly gridState?: 'grid' | 'islanded' | 'unknown' | undefined;
  /** Some command timed out: its fallback is in force. */
  readonly watchdogExpired: boolean;
}
