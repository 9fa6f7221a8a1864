/**
 * How the control loop commands batteries (docs/control.md, "Batteries"); the Modbus battery driver
 * (modbus/battery-commander.ts) implements it, the simulator too.
 */
export interface BatteryCommandStatus {
  /** The last power written successfully, kW (charging positive); null before the first. */
  readonly lastCommandKw: number | null;
  /** The last write failed (its error in words), or null. */
  readonly writeError: string | null;
}

export interface BatteryCommander {
  /** Run the battery at `kw` (charging positive, discharging negative); writes only on change, never throws. */
  set(batteryId: string, kw: number): void;
  status(batteryId: string): BatteryCommandStatus;
}
