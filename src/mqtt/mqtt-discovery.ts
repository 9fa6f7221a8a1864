/**
 * Home Assistant MQTT discovery (docs/integrations.md): one retained config message per sensor, under
 * `<discoveryPrefix>/<component>/<node>/<object>/config`, so that Home Assistant shows Fusebox's sensors
 * without configuration. The site is one device; each station is a device connected through it.
 */
import type { CompiledSite } from '../core/compiled-site.ts';
import { phaseIndex } from '../core/phases.ts';

export interface DiscoveryInput {
  readonly site: CompiledSite;
  readonly siteName: string;
  readonly circuitNames: ReadonlyMap<string, string>;
  readonly stationNames: ReadonlyMap<string, string>;
  readonly prefix: string;
  readonly discoveryPrefix: string;
  readonly version: string;
  /** The state topic segment of a circuit or port id. */
  readonly segment: (id: string) => string;
}

/** Lower-case letters, digits and '_': what Home Assistant allows in node and object ids. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'x'
  );
}

interface Sensor {
  readonly component: 'sensor' | 'binary_sensor';
  readonly objectId: string;
  readonly name: string;
  readonly stateTopic: string;
  readonly template: string;
  readonly device: 'site' | { readonly stationId: string };
  readonly unit?: string;
  readonly deviceClass?: string;
  readonly stateClass?: 'measurement' | 'total_increasing';
  readonly icon?: string;
  readonly attributes?: boolean;
}

const PHASES = ['L1', 'L2', 'L3'] as const;

/** A Home Assistant template reading a number (or text) of the state message. */
function num(path: string): string {
  return `{{ value_json.${path} }}`;
}

/** A Home Assistant template reading a flag of the state message as ON/OFF. */
function flag(path: string): string {
  return `{{ 'ON' if value_json.${path} else 'OFF' }}`;
}

/** The site device's sensors: grid power and currents, EV power, headroom, sessions, and the alarms. */
function siteSensors(prefix: string): Sensor[] {
  const sensors: Sensor[] = [];
  const siteTopic = `${prefix}/site`;
  const site = (s: Omit<Sensor, 'device' | 'stateTopic' | 'component'> & Partial<Sensor>): void => {
    sensors.push({ component: 'sensor', device: 'site', stateTopic: siteTopic, ...s });
  };
  site({ objectId: 'site_power', name: 'Grid power', template: num('powerKw'), ...power() });
  PHASES.forEach((ph, i) =>
    site({
      objectId: `site_current_${ph.toLowerCase()}`,
      name: `Grid current ${ph}`,
      template: num(`currentA[${i}]`),
      ...current(),
    }),
  );
  site({ objectId: 'site_ev_power', name: 'EV power', template: num('evPowerKw'), ...power() });
  site({ objectId: 'site_headroom', name: 'Headroom', template: num('headroomA'), ...current() });
  site({ objectId: 'site_headroom_power', name: 'Headroom power', template: num('headroomKw'), ...power() });
  site({
    objectId: 'site_active_sessions',
    name: 'Sessions charging',
    template: num('activeSessions'),
    stateClass: 'measurement',
    icon: 'mdi:ev-station',
  });
  site({
    objectId: 'site_paused_sessions',
    name: 'Sessions paused',
    template: num('pausedSessions'),
    stateClass: 'measurement',
    icon: 'mdi:pause-circle',
  });
  for (const [key, name] of [
    ['meterStale', 'Meter stale'],
    ['stationOffline', 'Station offline'],
    ['failSafe', 'Fail-safe in force'],
    ['overLimit', 'Over limit'],
  ] as const) {
    sensors.push({
      component: 'binary_sensor',
      device: 'site',
      stateTopic: siteTopic,
      objectId: `site_${slug(key.replace(/([A-Z])/g, '_$1'))}`,
      name,
      template: flag(`alarms.${key}`),
      deviceClass: 'problem',
    });
  }
  return sensors;
}

/** Per circuit: load per phase, limit, headroom and power. */
function circuitSensors(input: DiscoveryInput): Sensor[] {
  const { site: cs, prefix } = input;
  const sensors: Sensor[] = [];
  const circuitSlugs = unique(cs.circuits.map((c) => c.id));
  cs.circuits.forEach((c, i) => {
    const o = `circuit_${circuitSlugs[i]}`;
    const name = input.circuitNames.get(c.id) ?? c.id;
    const topic = `${prefix}/circuit/${input.segment(c.id)}`;
    const add = (s: Omit<Sensor, 'device' | 'stateTopic' | 'component'>): void => {
      sensors.push({ component: 'sensor', device: 'site', stateTopic: topic, ...s });
    };
    for (const ph of c.supply.phases) {
      const p = phaseIndex(ph);
      add({
        objectId: `${o}_load_${PHASES[p].toLowerCase()}`,
        name: `${name} load ${PHASES[p]}`,
        template: num(`loadA[${p}]`),
        ...current(),
      });
    }
    add({
      objectId: `${o}_limit`,
      name: `${name} limit`,
      template: num('limitA'),
      ...current(),
      attributes: true,
    });
    add({ objectId: `${o}_headroom`, name: `${name} headroom`, template: num('headroomMinA'), ...current() });
    add({ objectId: `${o}_power`, name: `${name} power`, template: num('loadKw'), ...power() });
  });
  return sensors;
}

/** Per port, on its station's device: state, current, limit, power, session energy and the reason. */
function portSensors(input: DiscoveryInput): Sensor[] {
  const { site: cs, prefix } = input;
  const sensors: Sensor[] = [];
  const portSlugs = unique(cs.ports.map((p) => p.id));
  cs.ports.forEach((p, i) => {
    const o = `port_${portSlugs[i]}`;
    const name = `${input.stationNames.get(p.stationId) ?? p.stationId} #${p.connectorId}`;
    const topic = `${prefix}/port/${input.segment(p.id)}`;
    const device = { stationId: p.stationId };
    const add = (s: Omit<Sensor, 'device' | 'stateTopic' | 'component'>): void => {
      sensors.push({ component: 'sensor', device, stateTopic: topic, ...s });
    };
    add({
      objectId: `${o}_state`,
      name: `${name} state`,
      template: num('state'),
      icon: 'mdi:ev-plug-type2',
      attributes: true,
    });
    add({ objectId: `${o}_current`, name: `${name} current`, template: num('currentA'), ...current() });
    add({ objectId: `${o}_limit`, name: `${name} limit`, template: num('limitA'), ...current() });
    add({ objectId: `${o}_power`, name: `${name} power`, template: num('powerKw'), ...power() });
    add({
      objectId: `${o}_energy`,
      name: `${name} session energy`,
      template: num('sessionEnergyKwh'),
      unit: 'kWh',
      deviceClass: 'energy',
      stateClass: 'total_increasing',
    });
    add({
      objectId: `${o}_reason`,
      name: `${name} reason`,
      template: num('reason'),
      icon: 'mdi:information-outline',
    });
  });
  return sensors;
}

/** Discovery topic → config payload, for every sensor of the site. */
export function discoveryMessages(input: DiscoveryInput): Map<string, unknown> {
  const { prefix } = input;
  const node = slug(prefix);
  const sensors = [...siteSensors(prefix), ...circuitSensors(input), ...portSensors(input)];
  const siteDevice = {
    identifiers: [node],
    name: input.siteName,
    manufacturer: 'Fusebox',
    model: 'EV charging load manager',
    sw_version: input.version,
  };
  const out = new Map<string, unknown>();
  for (const s of sensors) {
    const device =
      s.device === 'site'
        ? siteDevice
        : {
            identifiers: [`${node}_station_${slug(s.device.stationId)}`],
            name: input.stationNames.get(s.device.stationId) ?? s.device.stationId,
            manufacturer: 'Fusebox',
            model: 'OCPP charging station',
            via_device: node,
          };
    out.set(`${input.discoveryPrefix}/${s.component}/${node}/${s.objectId}/config`, {
      name: s.name,
      unique_id: `${node}_${s.objectId}`,
      state_topic: s.stateTopic,
      value_template: s.template,
      ...(s.unit ? { unit_of_measurement: s.unit } : {}),
      ...(s.deviceClass ? { device_class: s.deviceClass } : {}),
      ...(s.stateClass ? { state_class: s.stateClass } : {}),
      ...(s.icon ? { icon: s.icon } : {}),
      ...(s.component === 'binary_sensor' ? { payload_on: 'ON', payload_off: 'OFF' } : {}),
      ...(s.attributes ? { json_attributes_topic: s.stateTopic } : {}),
      availability_topic: `${prefix}/status`,
      payload_available: 'online',
      payload_not_available: 'offline',
      device,
      origin: { name: 'Fusebox', sw_version: input.version },
    });
  }
  return out;
}

function current(): Pick<Sensor, 'unit' | 'deviceClass' | 'stateClass'> {
  return { unit: 'A', deviceClass: 'current', stateClass: 'measurement' };
}

function power(): Pick<Sensor, 'unit' | 'deviceClass' | 'stateClass'> {
  return { unit: 'kW', deviceClass: 'power', stateClass: 'measurement' };
}

/** Slugs of ids, made unique: a later id whose slug is taken gets `_2`, `_3`, ... */
function unique(ids: readonly string[]): string[] {
  const used = new Set<string>();
  return ids.map((id) => {
    const base = slug(id);
    let s = base;
    for (let n = 2; used.has(s); n++) s = `${base}_${n}`;
    used.add(s);
    return s;
  });
}
