/** What the control loop (control-loop.ts) is built from. */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import type { Tariff } from '../core/tariff.ts';
import type { BatteryCommander } from '../contracts/battery-commands.ts';
import type { StationGateway } from '../contracts/station-gateway.ts';
import type { ControlOptions, ControlTestSwitches } from './control-options.ts';
import type { DemandCap } from './demand-cap.ts';
import type { PriorSetpoint } from './restart-guard.ts';

export interface ControlLoopDeps {
  readonly site: CompiledSite;
  readonly gateway: StationGateway;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Tuning, and in tests the switches that turn a safety rule off (ControlTestSwitches). */
  readonly options?: (Partial<ControlOptions> & ControlTestSwitches) | undefined;
  /**
   * Session setpoints the previous process sent within the last profile lifetime (the store's `setpoints`
   * table): after a restart a port counts at them until its station confirms a new one (restart-guard.ts).
   */
  readonly priorSetpoints?: readonly PriorSetpoint[] | undefined;
  /** The live demand cap (demand-cap.ts), when the site file has `tariff.demand`. */
  readonly demandCap?: DemandCap | undefined;
  /** The site file's tariff: batteries charge in its cheapest band. */
  readonly tariff?: Tariff | undefined;
  /** Writes battery commands (modbus/battery-commander.ts); absent: batteries are read, not commanded. */
  readonly batteries?: BatteryCommander | undefined;
  /** The planner's target per planned port for the running slot (live-planner.ts); absent: no planner. */
  readonly planTargets?: ((nowMs: number) => ReadonlyMap<string, number> | null) | undefined;
  /** The planner's battery power for the running slot (live-planner.ts batteryTarget); absent: no planner. */
  readonly planBattery?: ((nowMs: number) => { batteryId: string; kw: number } | null) | undefined;
}
