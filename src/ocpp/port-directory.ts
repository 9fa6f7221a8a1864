/** The site's ports as OCPP addresses them: station id + connector id (1.6) / EVSE id (2.0.1). */
import { compileSite } from '../core/compiled-site.ts';
import { failSafeLimits } from '../core/fail-safe.ts';
import { isLineToLine, wiringConductors } from '../core/phases.ts';
import type { Site, SitePort, Supply } from '../core/site.ts';

export interface PortInfo {
  readonly port: SitePort;
  /** Conductors the port draws on: 1 (single phase, line to line) or 3. */
  readonly conductors: number;
  readonly supply: Supply;
  /**
   * Fail-safe default limit in A computed from the site file at the start (0 when the pausing rule pauses the
   * port); the control loop replaces it as the limits change (SetpointTracker.defaults).
   */
  readonly failSafeA: number;
}

export class PortDirectory {
  private readonly byPortId = new Map<string, PortInfo>();
  private readonly byStation = new Map<string, Map<number, PortInfo>>();

  constructor(site: Site) {
    const failSafe = new Map(failSafeLimits(compileSite(site)).map((l) => [l.portId, l.currentA]));
    const supplies = new Map(site.circuits.map((c) => [c.id, c.supply]));
    for (const port of site.ports) {
      const info: PortInfo = {
        port,
        conductors: wiringConductors(port.wiring).length,
        supply: supplies.get(port.circuitId)!,
        failSafeA: failSafe.get(port.id) ?? 0,
      };
      this.byPortId.set(port.id, info);
      let station = this.byStation.get(port.stationId);
      if (!station) this.byStation.set(port.stationId, (station = new Map<number, PortInfo>()));
      station.set(port.connectorId, info);
    }
  }

  get(portId: string): PortInfo | undefined {
    return this.byPortId.get(portId);
  }

  at(stationId: string, connectorId: number): PortInfo | undefined {
    return this.byStation.get(stationId)?.get(connectorId);
  }

  ofStation(stationId: string): readonly PortInfo[] {
    return [...(this.byStation.get(stationId)?.values() ?? [])];
  }

  all(): readonly PortInfo[] {
    return [...this.byPortId.values()];
  }
}

/**
 * A per-phase current limit as active power in W for stations that only take W (OCPP 1.6
 * ChargingScheduleAllowedChargingRateUnit = Power): `conductorsInUse` conductors at the supply voltage.
 * Counting fewer conductors than the car uses only under-delivers; counting more would overload a phase.
 */
export function currentToWatts(currentA: number, info: PortInfo, conductorsInUse: number): number {
  if (isLineToLine(info.port.wiring)) return Math.floor(currentA * info.supply.lineToLineV);
  return Math.floor(
    currentA * info.supply.lineToNeutralV * Math.max(1, Math.min(conductorsInUse, info.conductors)),
  );
}

/**
 * The inverse of currentToWatts: a power limit in W as a per-phase current in A, counting `conductorsInUse`
 * conductors at the supply voltage (line to line: one). Counting more conductors than the car uses only
 * under-delivers; counting fewer would let it draw more than `watts`.
 */
export function wattsToCurrent(watts: number, info: PortInfo, conductorsInUse: number): number {
  if (isLineToLine(info.port.wiring)) return watts / info.supply.lineToLineV;
  return watts / (info.supply.lineToNeutralV * Math.max(1, Math.min(conductorsInUse, info.conductors)));
}
