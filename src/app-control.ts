/**
 * The composition root's control side (app.ts): the control loop over the OCPP server, with the demand cap
 * (site file `tariff.demand`), the batteries it may command and the setpoints stations may still hold from
 * the previous process.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { LoadedSiteConfig } from './config/load.ts';
import { ControlLoop } from './control/control-loop.ts';
import type { ControlOptions } from './control/control-options.ts';
import { withUiSchedules } from './control/control-sync.ts';
import { DemandCap } from './control/demand-cap.ts';
import { DriverNeedsBook, withDriverNeeds } from './control/driver-needs.ts';
import type { StationGateway } from './contracts/station-gateway.ts';
import { LivePlanner, wirePlanner } from './control/live-planner.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import { ModbusBatteryCommander } from './modbus/index.ts';
import type { OcppServer } from './ocpp/ocpp-server.ts';
import { recentSessionSetpoints } from './store/recent-setpoints.ts';
import type { Store } from './store/store.ts';
import { startAlerts } from './alerts/alerts.ts';
import type { ApiMetrics } from './api/metrics.ts';

export interface ControlParts {
  readonly control: ControlLoop;
  readonly demandCap: DemandCap | undefined;
  readonly batteryCommander: ModbusBatteryCommander;
  /** The live planner (docs/control.md, "The planner"), when the site file has site.allocation.planner. */
  readonly planner: LivePlanner | undefined;
  /** Drivers' needs per session (PUT /api/v1/ports/{portId}/needs), and the OCPP server's ports with them. */
  readonly driverNeeds: DriverNeedsBook;
  readonly gateway: StationGateway;
}

/**
 * Builds the control loop and the live planner (neither started); the caller closes the battery commander,
 * wires and starts the planner and stops both.
 */
export function buildControl(
  loaded: LoadedSiteConfig,
  ocpp: OcppServer,
  store: Store,
  control: Partial<ControlOptions> | undefined,
  clock: Clock,
  logger: Logger,
): ControlParts {
  const { config, compiled } = loaded;
  const controlOptions = {
    setpointExpiryMs: config.ocpp.setpointExpiresAfterMs,
    uncontrolledAction: config.ocpp.uncontrolledPortAction,
    ...control,
  };
  // The live demand cap (docs/control.md, "Demand cap"), when the site file has tariff.demand.
  const demandCap =
    loaded.tariff && config.tariff?.demand
      ? new DemandCap({
          tariff: loaded.tariff,
          targetKw: config.tariff.demand.targetKw,
          floorKw: config.tariff.demand.floorKw,
          store: store.demand,
          logger: logger.child({ part: 'demand' }),
          leadMs: controlOptions.carResponseMs,
        })
      : undefined;
  // Batteries the site file lets Fusebox command (docs/control.md, "Batteries"), over their meter's connection.
  const batteryCommander = new ModbusBatteryCommander(
    config.meters.flatMap((m) =>
      m.battery?.control
        ? [
            {
              batteryId: m.id,
              endpoint: { host: m.driver.host, port: m.driver.port, unitId: m.driver.unitId },
              requestTimeoutMs: m.driver.requestTimeoutMs,
              control: m.battery.control,
            },
          ]
        : [],
    ),
    () => clock.nowMs(),
  );
  // A driver's needs (stored per open session) ride on the ports the control loop, planner and API read.
  const driverNeeds = new DriverNeedsBook(store.driverNeeds);
  const gateway = withDriverNeeds(ocpp, driverNeeds);
  const plannerSettings = compiled.site.allocation?.planner;
  const planner: LivePlanner | undefined =
    plannerSettings &&
    new LivePlanner({
      settings: plannerSettings,
      site: (): CompiledSite => loop.site(),
      ports: () => gateway.ports(),
      tariff: loaded.tariff,
      demand: demandCap && (() => demandCap.state()),
      clock,
      logger: logger.child({ part: 'planner' }),
    });
  const loop: ControlLoop = new ControlLoop({
    // Stored dashboard schedules apply from the very first allocation (the API re-applies them when it
    // starts, but stations may already be connected by then).
    site: withUiSchedules(compiled, store.api.schedules.list()),
    gateway,
    clock,
    logger: logger.child({ part: 'control' }),
    options: controlOptions,
    // Stations may still hold setpoints of the previous process: their ports count at them until replaced.
    priorSetpoints: recentSessionSetpoints(store.db, clock.nowMs() - controlOptions.setpointExpiryMs),
    demandCap,
    tariff: loaded.tariff,
    batteries: batteryCommander,
    planTargets: planner && ((nowMs) => planner.targets(nowMs)),
    planBattery: planner && ((nowMs) => planner.batteryTarget(nowMs)),
  });
  return { control: loop, demandCap, batteryCommander, planner, driverNeeds, gateway };
}

/** Wires the live planner (if any) to the control loop and starts it; returns how to stop it. */
export function startPlanner(
  planner: LivePlanner | undefined,
  control: ControlLoop,
): () => Promise<void> | void {
  if (!planner) return () => undefined;
  wirePlanner(planner, control);
  planner.start();
  return () => planner.stop();
}

/** The alerts (site file `alerts`) over the control loop's runs and the stations connected. */
export function startSiteAlerts(
  loaded: LoadedSiteConfig,
  parts: { readonly ocpp: OcppServer; readonly control: ControlLoop; readonly metrics: ApiMetrics },
  clock: Clock,
  logger: Logger,
): ReturnType<typeof startAlerts> {
  const { config } = loaded;
  const { ocpp, control, metrics } = parts;
  return startAlerts({
    siteName: config.site.name,
    config: config.alerts,
    stationIds: config.stations.map((s) => s.id),
    stationOfPort: (portId) => loaded.site.ports.find((p) => p.id === portId)?.stationId,
    connectedStationIds: () => ocpp.connectedStationIds(),
    portsInSession: () => ocpp.portsInSession(),
    control,
    registry: metrics.registry,
    clock,
    logger: logger.child({ part: 'alerts' }),
  });
}
