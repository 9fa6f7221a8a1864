/**
 * What a session needs, for the allocator's PortDemand: when the car leaves and the energy it still needs
 * (deadline mode, docs/allocation.md), and the car's own current range. Each of departure and energy from what
 * a driver said through the API (driver-needs.ts), else what the car said (NotifyEVChargingNeeds), else the
 * site file's assumptions. The driver wins over the car: the car's departure is often one it was set to long
 * ago or a default, while the driver's is said for this stay, later, on purpose (and clearing it gives the
 * car's back).
 */
import type { AllocationSettings, SitePort } from '../core/site.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';

export interface SessionNeeds {
  /** When the car is expected to leave (UTC epoch ms); undefined when unknown. */
  readonly departureMs?: number | undefined;
  /** Energy it still needs, in kWh (0 once it had it); undefined when unknown. */
  readonly energyRemainingKwh?: number | undefined;
  /** The car's own current range per phase (AC), in A, where it said and it makes sense on this port. */
  readonly minCurrentA?: number | undefined;
  readonly maxCurrentA?: number | undefined;
}

/** The needs of the session on `port`, whose configuration is `sitePort`; {} without a session. */
export function sessionNeeds(
  port: PortSnapshot,
  sitePort: SitePort,
  allocation: AllocationSettings | undefined,
): SessionNeeds {
  const startedMs = port.sessionStartedAtMs;
  if (port.sessionId === undefined || startedMs === undefined) return {};
  const said = port.evNeeds;
  const driver = port.driverNeeds;
  const stayMs = sitePort.stayMs ?? allocation?.defaultStayMs;
  const departureMs =
    driver?.departureMs ?? said?.departureMs ?? (stayMs !== undefined ? startedMs + stayMs : undefined);

  // Energy delivered so far is read from the session's own readings only.
  const last = port.lastMeter;
  const lastWh =
    port.sessionLastWh ??
    (last !== undefined && last.sessionId === port.sessionId ? last.energyWh : undefined);

  let energyRemainingKwh: number | undefined;
  if (driver?.energyWh !== undefined) {
    const fromWh = driver.meterWh ?? port.sessionStartWh;
    energyRemainingKwh = Math.max(0, driver.energyWh - deliveredSinceWh(lastWh, fromWh)) / 1000;
  } else if (said?.capacityWh !== undefined && port.socPct !== undefined) {
    // A DC car that gave its battery capacity: its SoC says best what it lacks (losses included).
    const lackPct = Math.max(0, (said.targetSocPct ?? 100) - port.socPct);
    energyRemainingKwh = (lackPct / 100) * (said.capacityWh / 1000);
  } else if (said?.energyWh !== undefined) {
    const fromWh = said.meterWh ?? port.sessionStartWh;
    energyRemainingKwh = Math.max(0, said.energyWh - deliveredSinceWh(lastWh, fromWh)) / 1000;
  } else {
    const assumedKwh = sitePort.energyKwh ?? allocation?.defaultEnergyKwh;
    if (assumedKwh !== undefined)
      energyRemainingKwh = Math.max(0, assumedKwh - deliveredSinceWh(lastWh, port.sessionStartWh) / 1000);
  }

  // The car's range only narrows the port's (a car cannot be offered less than IEC 61851-1's minimum).
  const ac = sitePort.currentType === 'AC';
  const minCurrentA =
    ac && said?.minCurrentA !== undefined && said.minCurrentA > sitePort.minCurrentA
      ? Math.min(said.minCurrentA, sitePort.maxCurrentA)
      : undefined;
  const maxCurrentA =
    ac &&
    said?.maxCurrentA !== undefined &&
    said.maxCurrentA >= sitePort.minCurrentA &&
    said.maxCurrentA < sitePort.maxCurrentA
      ? said.maxCurrentA
      : undefined;
  // Most sessions say nothing and the site assumes nothing: one shared answer, not an object per port per run.
  if (
    departureMs === undefined &&
    energyRemainingKwh === undefined &&
    minCurrentA === undefined &&
    maxCurrentA === undefined
  )
    return NOTHING_KNOWN;
  return { departureMs, energyRemainingKwh, minCurrentA, maxCurrentA };
}

const NOTHING_KNOWN: SessionNeeds = Object.freeze({
  departureMs: undefined,
  energyRemainingKwh: undefined,
  minCurrentA: undefined,
  maxCurrentA: undefined,
});

/** Energy delivered since the reading `fromWh`, in Wh, with `lastWh` the session's latest; 0 when unknown. */
function deliveredSinceWh(lastWh: number | undefined, fromWh: number | undefined): number {
  return lastWh !== undefined && fromWh !== undefined ? Math.max(0, lastWh - fromWh) : 0;
}
