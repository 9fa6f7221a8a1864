/**
 * What a port's session shows of deadline mode (docs/allocation.md): when the car leaves and who said so,
 * the energy it asked for and still needs, its SoC. Departure and request follow the order of
 * control/session-needs.ts (a driver's word through the API, else the car's, else in deadline mode the site
 * file's stay and energy); what it
 * still needs is the allocator's own figure from the last control run, so the API shows what was decided on.
 */
import type { SiteConfig } from '../../config/schema.ts';
import type { PortDemand } from '../../core/allocation.ts';
import type { AllocationSettings, SitePort } from '../../core/site.ts';
import type { LivePort } from '../api-deps.ts';
import { iso } from '../api-context.ts';

/**
 * Who set the departure: a driver (PUT /api/v1/ports/{portId}/needs), the car (NotifyEVChargingNeeds), the
 * port's or station's `stayH`, the site default.
 */
export type DepartureSource = 'driver' | 'car' | 'port' | 'station' | 'site';
/** Who set the energy: a driver, the car, the site file (`energyKwh` / `defaultEnergyKwh`). */
export type EnergySource = 'driver' | 'car' | 'site';

export interface SessionNeedsView {
  readonly departureAt: string | null;
  readonly departureSource: DepartureSource | null;
  readonly energyRequestedKwh: number | null;
  readonly energySource: EnergySource | null;
  readonly energyRemainingKwh: number | null;
  readonly socPct: number | null;
}

/** Per port id, whether its `stayH` is written on the port or on its station in the site file. */
export function stayOrigins(config: SiteConfig): Map<string, 'port' | 'station'> {
  const out = new Map<string, 'port' | 'station'>();
  for (const st of config.stations) {
    st.ports.forEach((p, k) => {
      // Same id rule as config/resolve-ports.ts.
      const id = p.id ?? `${st.id}/${p.connectorId ?? k + 1}`;
      if (p.stayH !== undefined) out.set(id, 'port');
      else if (st.stayH !== undefined) out.set(id, 'station');
    });
  }
  return out;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
// A car may state any departure: only instants a Date can hold become ISO text (toISOString throws past it).
const MAX_DATE_MS = 8.64e15;

/** The deadline fields of the session on `p` (which has one); `demand` is its demand in the last run. */
export function sessionNeedsView(
  p: LivePort,
  sitePort: SitePort,
  allocation: AllocationSettings | undefined,
  demand: PortDemand | undefined,
  stayOrigin: 'port' | 'station' | undefined,
): SessionNeedsView {
  const deadline = allocation?.mode === 'deadline';
  const said = p.evNeeds;
  const driver = p.driverNeeds;
  const startedMs = p.sessionStartedAtMs;
  // The site file's assumptions only count in deadline mode (fusebox check warns where they do nothing).
  let departureMs: number | undefined;
  let departureSource: DepartureSource | null = null;
  if (driver?.departureMs !== undefined) {
    departureMs = driver.departureMs;
    departureSource = 'driver';
  } else if (said?.departureMs !== undefined) {
    departureMs = said.departureMs;
    departureSource = 'car';
  } else if (deadline && startedMs !== undefined && sitePort.stayMs !== undefined) {
    departureMs = startedMs + sitePort.stayMs;
    departureSource = stayOrigin ?? 'port';
  } else if (deadline && startedMs !== undefined && allocation?.defaultStayMs !== undefined) {
    departureMs = startedMs + allocation.defaultStayMs;
    departureSource = 'site';
  }

  let requestedKwh: number | undefined;
  let energySource: EnergySource | null = null;
  if (driver?.energyWh !== undefined) {
    requestedKwh = driver.energyWh / 1000;
    energySource = 'driver';
  } else if (said?.energyWh !== undefined) {
    requestedKwh = said.energyWh / 1000;
    energySource = 'car';
  } else if (deadline && said?.capacityWh === undefined) {
    requestedKwh = sitePort.energyKwh ?? allocation?.defaultEnergyKwh;
    if (requestedKwh !== undefined) energySource = 'site';
  }

  // The demand is the session's only if it was made for this session (a new one may have started since).
  const sameSession = demand !== undefined && demand.arrivedAtMs === startedMs;
  const remaining = sameSession ? demand.energyRemainingKwh : undefined;
  const departs = departureMs !== undefined && Math.abs(departureMs) <= MAX_DATE_MS;
  return {
    departureAt: departs ? iso(departureMs!) : null,
    departureSource: departs ? departureSource : null,
    energyRequestedKwh: requestedKwh !== undefined ? round2(requestedKwh) : null,
    energySource: requestedKwh !== undefined ? energySource : null,
    energyRemainingKwh: remaining !== undefined && Number.isFinite(remaining) ? round2(remaining) : null,
    socPct: p.socPct !== undefined && Number.isFinite(p.socPct) ? Math.round(p.socPct * 10) / 10 : null,
  };
}
