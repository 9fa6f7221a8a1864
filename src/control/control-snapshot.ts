/** What a control run decided (plan-run.ts), as the API, the EMS map, MQTT, alerts and the logs see it. */
import type { Capacity, PortAllocation, PortDemand, UncontrolledReason } from '../core/allocation.ts';
import type { CircuitLimit } from '../core/effective-capacity.ts';
import type { PortConductorLoad } from '../core/port-load.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { BatteryState } from './battery-control.ts';
import type { MeterObservation } from './capacity-inputs.ts';
import type { UnknownReason } from './restart-guard.ts';

/** A port whose station does not take limits, as the last run counted it (uncontrolled-ports.ts). */
export interface UncontrolledState {
  readonly reason: UncontrolledReason;
  /** The station's answer in words. */
  readonly detail: string;
  readonly sinceMs: number;
  /** Refusals in a row. */
  readonly failures: number;
  /** When a profile is tried next; null while one is in flight. */
  readonly retryAtMs: number | null;
  /** What it counts at per conductor, in A (0 without a session: nothing draws there). */
  readonly countedA: number;
  /** What was done about it (site file `ocpp.uncontrolledPortAction`), and the station's answer. */
  readonly restricted?: { readonly action: 'unavailable' | 'stop'; readonly answer: string } | undefined;
}

/** The latest decision, for the API, the EMS map and the logs. */
export interface ControlSnapshot {
  readonly atMs: number;
  readonly runs: number;
  readonly allocation: readonly PortAllocation[];
  /** What the allocator was asked: per port with a car, its demand (car range, departure, energy left). */
  readonly demands: readonly PortDemand[];
  readonly capacities: ReadonlyMap<string, Capacity>;
  /** Per circuit, its limits before other loads (static, schedule, override, EMS) and what set them. */
  readonly limits: ReadonlyMap<string, CircuitLimit>;
  readonly circuits: readonly {
    readonly circuitId: string;
    readonly load: readonly number[];
    readonly capacity: readonly number[];
  }[];
  /**
   * Ports counted at a fixed current they may be drawing (offline station, unconfirmed decrease, state not
   * confirmed since the start).
   */
  readonly fixed: readonly PortConductorLoad[];
  /** Ports whose state is not confirmed since Fusebox started, and why (empty once all are, or after the grace). */
  readonly unknownPorts: ReadonlyMap<string, UnknownReason>;
  /** Ports whose station does not take limits (they are among `fixed` while they have a session). */
  readonly uncontrolled: ReadonlyMap<string, UncontrolledState>;
  readonly meters: ReadonlyMap<string, MeterObservation>;
  readonly ems: EmsCommands | null;
  /** The batteries: measured, decided, sent, and why (battery-control.ts); empty without any. */
  readonly batteries?: readonly BatteryState[] | undefined;
  /** The grid state in force (EMS register or API): undefined on the grid (docs/control.md, "Islanded"). */
  readonly gridState?: 'islanded' | 'unknown' | undefined;
  /** Run time of the last allocation, in ms. */
  readonly allocationMs: number;
}
