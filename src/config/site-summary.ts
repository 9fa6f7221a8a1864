/** The one-screen summary `fusebox check` prints: the circuit tree with its limits, ports and oversubscription. */
import { DIM_COUNT, portLoadFactors } from '../core/compiled-site.ts';
import type { SiteCircuit, SitePort } from '../core/site.ts';
import type { LoadedSiteConfig } from './load.ts';
import type { SiteConfig } from './schema.ts';
import { describeMqtt } from '../mqtt/mqtt-config.ts';
import { round } from './round.ts';
import { sameSupply } from '../core/site.ts';
import { supplyLabel } from './supply-systems.ts';

/** Lines describing a loaded site: header, circuit tree (two spaces per level), meters. */
export function summarizeSite(loaded: LoadedSiteConfig): string[] {
  const { config, site, compiled } = loaded;
  const lines: string[] = [];
  const versions = new Map<string, number>();
  for (const s of config.stations) versions.set(s.ocppVersion, (versions.get(s.ocppVersion) ?? 0) + 1);
  const byVersion = [...versions].map(([v, n]) => `${n} on OCPP ${v}`).join(', ');
  lines.push(`site '${config.site.name}' (${site.timeZone})`);
  lines.push(
    `${count(site.circuits.length, 'circuit')}, ${count(config.stations.length, 'station')}` +
      `${byVersion ? ` (${byVersion})` : ''}, ${count(site.ports.length, 'port')}, ${count(site.meters.length, 'meter')}`,
  );
  lines.push(...relayLines(config));
  lines.push('');

  // Sum of port maxima as seen at each circuit, per dimension (L1, L2, L3, kW), across transformers too.
  const sums = compiled.circuits.map(() => new Float64Array(DIM_COUNT));
  compiled.ports.forEach((port, i) => {
    const f = portLoadFactors(compiled, i);
    compiled.portPath[i]!.forEach((ci, level) => {
      for (let d = 0; d < DIM_COUNT; d++) sums[ci]![d]! += port.maxCurrentA * f[level * DIM_COUNT + d]!;
    });
  });
  const below = new Map<string, number>();
  for (const path of compiled.portPath) {
    for (const ci of path)
      below.set(compiled.circuits[ci]!.id, (below.get(compiled.circuits[ci]!.id) ?? 0) + 1);
  }

  const children = new Map<string | null, SiteCircuit[]>();
  for (const c of site.circuits) children.set(c.parentId, [...(children.get(c.parentId) ?? []), c]);
  const portsOn = new Map<string, SitePort[]>();
  for (const p of site.ports) portsOn.set(p.circuitId, [...(portsOn.get(p.circuitId) ?? []), p]);
  const byId = new Map(site.circuits.map((c) => [c.id, c]));
  const cfgById = new Map(config.circuits.map((c) => [c.id, c]));

  const visit = (c: SiteCircuit, depth: number): void => {
    const indent = '  '.repeat(depth);
    const cfg = cfgById.get(c.id)!;
    const parent = c.parentId === null ? undefined : byId.get(c.parentId);
    const parts = [`${c.limitA} A/phase`];
    if (c.limitKw !== undefined) parts.push(`${c.limitKw} kW`);
    const transformer = parent !== undefined && !sameSupply(parent.supply, c.supply);
    parts.push(`${supplyLabel(c.supply)}${transformer ? ' (transformer)' : ''}`);
    if (c.marginA > 0) parts.push(`margin ${round(c.marginA)} A`);
    if (c.schedule) {
      parts.push(
        `schedule (${count(c.schedule.weekly.length, 'weekly entry', 'weekly entries')}, ` +
          `${count(c.schedule.exceptions.length, 'exception')})`,
      );
    }
    parts.push(
      c.meterId ? `DLM meter ${c.meterId} (stale: ${round(c.staleNonEvLoadA ?? c.limitA)} A)` : 'SLM',
    );
    if (c.pvMeterIds) parts.push(`PV ${c.pvMeterIds.join(', ')}`);
    if (c.chargingMode) parts.push(c.chargingMode);
    const label = `${c.id}${cfg.name ? ` "${cfg.name}"` : ''}${cfg.kind ? ` [${cfg.kind}]` : ''}`;
    lines.push(`${indent}${label}: ${parts.join(', ')}`);

    const own = portsOn.get(c.id) ?? [];
    if (own.length > 0) lines.push(`${indent}  ports: ${describePorts(own)}`);
    const n = below.get(c.id) ?? 0;
    if (n > 0) lines.push(`${indent}  ${sumLine(c, sums[compiled.circuitIndex.get(c.id)!]!, n)}`);
    for (const child of children.get(c.id) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);

  lines.push(...meterLines(loaded), ...tariffLines(config), ...mqttLines(config));
  return lines;
}

/** The cloud relay (`upstream:`): which stations are relayed, and what unknown id tags get while it is down. */
function relayLines(config: SiteConfig): string[] {
  const up = config.upstream;
  if (!up) return [];
  const lines: string[] = [];
  const relayed = config.stations.filter((s) => {
    const listed = up.stations.find((x) => x.id === s.id);
    return listed ? listed.enabled && (listed.url ?? up.url) !== undefined : up.url !== undefined;
  });
  const not = config.stations.filter((s) => !relayed.includes(s)).map((s) => s.id);
  lines.push(
    `relayed to the cloud: ${relayed.length} of ${count(config.stations.length, 'station')}` +
      `${up.url ? ` (${up.url})` : ''}${not.length ? `; not relayed: ${not.join(', ')}` : ''}`,
  );
  const policy = up.offlineUnknownIdTags;
  lines.push(
    `unknown id tags while the cloud is down: ${
      policy === undefined
        ? `as ocpp.acceptUnknownIdTags (${config.ocpp.acceptUnknownIdTags ? 'accepted' : 'rejected'})`
        : policy === 'accept'
          ? 'accepted'
          : policy === 'reject'
            ? 'rejected'
            : `accepted up to ${policy.acceptUpToKwh} kWh a session`
    }`,
  );
  return lines;
}

/** The meters: role, circuit, Modbus address and when their readings go stale. */
function meterLines({ config, site }: LoadedSiteConfig): string[] {
  if (config.meters.length === 0) return [];
  const lines = ['', 'meters:'];
  for (const m of config.meters) {
    const at = site.meters.find((sm) => sm.id === m.id)?.circuitId ?? '?';
    const driver = `modbus ${m.driver.host}:${m.driver.port} unit ${m.driver.unitId}${m.driver.preset ? ` (${m.driver.preset})` : ''}`;
    lines.push(`  ${m.id}: ${m.role} on ${at}, ${driver}, stale after ${m.timeoutMs} ms`);
  }
  return lines;
}

/** The tariff: its seasons and the demand cap. */
function tariffLines(config: SiteConfig): string[] {
  const tariff = config.tariff;
  if (!tariff) return [];
  const cur = tariff.currency ? ` (${tariff.currency})` : '';
  const seasons = tariff.seasons
    .map((se) => `${se.name}: months ${monthRange(se.months)}, demand ${se.demandPerKw}/kW`)
    .join('; ');
  const d = tariff.demand;
  const cap = d
    ? `demand cap on ${d.windowMin}-min windows${d.targetKw !== undefined ? `, target pinned at ${d.targetKw} kW` : ''}${d.floorKw !== undefined ? `, floor ${d.floorKw} kW` : ''}`
    : 'no demand cap';
  return [
    '',
    `tariff '${tariff.name}'${cur}: ${count(tariff.seasons.length, 'season')} (${seasons}); ${cap}`,
  ];
}

/** The MQTT link (broker, topics) when configured. */
function mqttLines(config: SiteConfig): string[] {
  return config.mqtt ? ['', `MQTT: ${describeMqtt(config.mqtt)}`] : [];
}

/** "6-9" for consecutive months (also over the new year: "10-5"), else "1,3,5". */
function monthRange(months: readonly number[]): string {
  const consecutive = months.every((m, i) => i === 0 || m === (months[i - 1]! % 12) + 1);
  return consecutive && months.length > 1 ? `${months[0]}-${months.at(-1)}` : months.join(',');
}

/** "6 × AC 32 A L1L2L3, 1 × DC 50 kW (cp1/1 … cp4/1)". */
function describePorts(ports: readonly SitePort[]): string {
  const groups = new Map<string, number>();
  for (const p of ports) {
    const size = p.currentType === 'DC' ? `DC ${p.maxPowerKw} kW` : `AC ${round(p.maxCurrentA)} A`;
    const key = `${size} ${p.wiring}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const kinds = [...groups].map(([k, n]) => `${n} × ${k}`).join(', ');
  const ids = ports.length === 1 ? ports[0]!.id : `${ports[0]!.id} … ${ports[ports.length - 1]!.id}`;
  return `${kinds} (${ids})`;
}

/** "Σ max of 12 ports: 192 A/phase vs 61 A usable → 3.15× oversubscribed". */
function sumLine(c: SiteCircuit, sum: Float64Array, ports: number): string {
  const usableA = c.limitA - c.marginA;
  const phases = c.supply.phases.map((_, d) => sum[d]!);
  const worst = Math.max(...phases);
  const perPhase = phases.every((a) => Math.abs(a - phases[0]!) < 0.05)
    ? `${round(worst)} A/phase`
    : phases.map((a, d) => `L${d + 1} ${round(a)} A`).join(', ');
  let text = `Σ max of ${count(ports, 'port')}: ${perPhase} vs ${round(usableA)} A usable → ${ratio(worst / usableA)}`;
  if (c.limitKw !== undefined)
    text += `; ${round(sum[3]!)} kW vs ${c.limitKw} kW → ${ratio(sum[3]! / c.limitKw)}`;
  return text;
}

function ratio(r: number): string {
  return r > 1 ? `${r.toFixed(2)}× oversubscribed` : `${r.toFixed(2)}×, fits`;
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
