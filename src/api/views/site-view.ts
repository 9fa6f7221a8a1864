/** GET /api/v1/site: the site as its file describes it (names, tree, stations, ports). */
import type { SiteConfig } from '../../config/schema.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';

const num = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/** The static description of the site; `scheduled` lists circuits with a schedule from the dashboard. */
export function siteView(config: SiteConfig, cs: CompiledSite, scheduled: ReadonlySet<string>) {
  const byId = new Map(config.circuits.map((c) => [c.id, c]));
  const portName = new Map<string, string>();
  for (const s of config.stations)
    s.ports.forEach((p, k) => {
      if (p.name) portName.set(`${s.id}#${p.connectorId ?? k + 1}`, p.name);
    });
  return {
    name: config.site.name,
    timeZone: config.site.timeZone,
    supply: config.site.supply,
    circuits: cs.circuits.map((c) => {
      const conf = byId.get(c.id);
      return {
        id: c.id,
        name: conf?.name ?? c.id,
        kind: conf?.kind ?? 'circuit',
        parentId: c.parentId,
        phases: [...c.supply.phases],
        limitA: c.limitA,
        limitKw: num(c.limitKw),
        hasSchedule: c.schedule !== undefined || scheduled.has(c.id),
        meterId: c.meterId ?? null,
      };
    }),
    stations: config.stations.map((s) => ({ id: s.id, name: s.name ?? s.id, ocppVersion: s.ocppVersion })),
    ports: cs.ports.map((p) => ({
      id: p.id,
      stationId: p.stationId,
      circuitId: p.circuitId,
      name: portName.get(`${p.stationId}#${p.connectorId}`) ?? `${p.stationId} #${p.connectorId}`,
      phases: p.wiring,
      minA: p.minCurrentA,
      maxA: Math.round(p.maxCurrentA * 100) / 100,
      kind: p.currentType === 'DC' ? ('dc' as const) : ('ac' as const),
    })),
  };
}
