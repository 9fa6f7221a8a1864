/**
 * The control plan's inputs for a site with stations only, the fixture plan-run.test.ts,
 * plan-planned.property.test.ts and bench/control-run.ts share: no meters, EMS, overrides, cloud caps, grid
 * state, tariff, battery or events, no previous run; each port with a session counts at its effectiveLimitA.
 * `o` replaces any of them (given `modes`, the site's are not worked out again: the bench calls this every run).
 */
import type { CompiledSite } from '../../core/compiled-site.ts';
import type { PortSnapshot } from '../../contracts/station-gateway.ts';
import type { MeterObservation } from '../capacity-inputs.ts';
import type { ControlLoopOptions } from '../control-options.ts';
import { portModes } from '../plan-demands.ts';
import type { PlanInputs } from '../plan-run.ts';

export function stationOnlyInputs(
  site: CompiledSite,
  options: ControlLoopOptions,
  ports: readonly PortSnapshot[],
  o: Partial<PlanInputs> = {},
): PlanInputs {
  return {
    site,
    modes: o.modes ?? portModes(site),
    options,
    ports,
    failedDecreases: new Set(),
    meters: new Map<string, MeterObservation>(),
    ems: null,
    overrides: new Map(),
    cloudCaps: null,
    gridState: undefined,
    tariff: undefined,
    batteryStatus: null,
    events: [],
    previous: null,
    canRestrict: false,
    ...o,
  };
}
