/** Assembles the core Site from the checked parts of a configuration. */
import type { AllocationSettings, Site, SiteBattery, SiteCircuit, SitePort } from '../core/site.ts';
import type { SiteSectionConfig } from './schema.ts';
import type { CircuitTree } from './circuit-tree.ts';
import type { MeterLinks } from './meter-links.ts';

/** The core model of a site whose configuration passed every check. */
export function buildSite(
  timeZone: string,
  tree: CircuitTree,
  links: MeterLinks,
  ports: readonly SitePort[],
  allocation?: SiteSectionConfig['allocation'],
  batteries: readonly SiteBattery[] = [],
): Site {
  const circuits = tree.ordered.map((c): SiteCircuit => {
    const meterId = links.loadMeterOf.get(c.id);
    const pv = links.pvMetersOf.get(c.id) ?? [];
    const schedule = c.config.schedule;
    const hasSchedule =
      schedule !== undefined && (schedule.weekly.length > 0 || schedule.exceptions.length > 0);
    return {
      id: c.id,
      parentId: c.parentId,
      limitA: c.config.limitA,
      limitKw: c.config.limitKw,
      marginA: c.marginA,
      supply: c.supply,
      schedule: hasSchedule ? schedule : undefined,
      meterId,
      // Without fresh readings assume the circuit is fully loaded by others: safe, at the price of charging.
      staleNonEvLoadA: meterId === undefined ? undefined : (c.config.staleNonEvLoadA ?? c.config.limitA),
      pvMeterIds: pv.length > 0 ? pv : undefined,
      chargingMode: c.config.chargingMode,
      ...(c.parentId === null && c.config.islanded ? { islanded: c.config.islanded } : {}),
    };
  });
  const site: Site = {
    timeZone,
    circuits,
    ports,
    meters: links.meters,
    ...(batteries.length > 0 ? { batteries } : {}),
  };
  return allocation === undefined ? site : { ...site, allocation: allocationSettings(allocation) };
}

/** The site file's allocation section in the core's units (hours become ms). */
function allocationSettings(a: NonNullable<SiteSectionConfig['allocation']>): AllocationSettings {
  const { defaultStayH, planner, ...rest } = a;
  return {
    ...rest,
    ...(defaultStayH === undefined ? {} : { defaultStayMs: defaultStayH * 3_600_000 }),
    ...(planner?.enabled
      ? {
          planner: {
            horizonMs: (planner.horizonH ?? 24) * 3_600_000,
            slotMs: (planner.slotMin ?? 15) * 60_000,
          },
        }
      : {}),
  };
}
