/**
 * The arguments of `fusebox simulate` (simulate.ts): its options, their parsing and checks. A bad value throws
 * an ArgError naming the option, which simulate.ts reports with exit code 2.
 */
import { parseArgs } from 'node:util';
import type { BdewProfileName } from '../sim/world/profiles-data/bdew-profile.ts';
import { BDEW_PROFILES } from '../sim/world/profiles-data/bdew-profile.ts';
import type { AssignPortsMode } from '../sim/simulate/port-assignment.ts';
import { ASSIGN_PORTS_MODES } from '../sim/simulate/port-assignment.ts';
import type { SiteBatterySpec } from '../sim/simulate/site-battery.ts';
import { siteBatterySpec } from '../sim/simulate/site-battery.ts';
import type { NetworkKind, Objective, PolicyName } from '../sim/simulate/scenario.ts';
import { OBJECTIVES, POLICY_NAMES } from '../sim/simulate/scenario.ts';

/** A bad argument: its message names the option and the value. */
export class ArgError extends Error {}

const SIMULATE_OPTIONS = {
  sessions: { type: 'string' },
  site: { type: 'string' },
  network: { type: 'string' },
  'assign-ports': { type: 'string' },
  'capacity-kw': { type: 'string' },
  'sweep-capacity': { type: 'string' },
  'size-for': { type: 'string' },
  policy: { type: 'string' },
  step: { type: 'string' },
  voltage: { type: 'string' },
  'evse-max-a': { type: 'string' },
  'ev-max-kw': { type: 'string' },
  taper: { type: 'string' },
  'car-battery-kwh': { type: 'string' },
  'battery-kwh': { type: 'string' },
  'battery-kw': { type: 'string' },
  'battery-reserve-pct': { type: 'string' },
  'battery-efficiency': { type: 'string' },
  'battery-soc-pct': { type: 'string' },
  tariff: { type: 'string' },
  objective: { type: 'string' },
  'time-zone': { type: 'string' },
  building: { type: 'string' },
  'building-scale': { type: 'string' },
  bdew: { type: 'string' },
  pv: { type: 'string' },
  'pv-scale': { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseValues(args: readonly string[]) {
  return parseArgs({ args: [...args], allowPositionals: true, options: SIMULATE_OPTIONS });
}
/** The options as given (strings), for those simulate.ts reads later (the files, the time zone, the scales). */
export type SimulateValues = ReturnType<typeof parseValues>['values'];

/** What the options say, checked. */
export interface SimulateFlags {
  readonly values: SimulateValues;
  readonly sessionsFile: string;
  readonly json: boolean;
  readonly policies: PolicyName[];
  readonly stepMs: number;
  readonly objective: Objective;
  readonly capacity: number | undefined;
  readonly sweep: number[] | undefined;
  readonly sizeTarget: number | undefined;
  readonly network: NetworkKind;
  readonly assignMode: AssignPortsMode;
  readonly voltageV: number | undefined;
  readonly evseMaxA: number | undefined;
  readonly evMaxKw: number | undefined;
  readonly taperSoc: number | undefined;
  readonly carBatteryKwh: number | undefined;
  readonly siteBattery: SiteBatterySpec | undefined;
}

export function num(
  name: string,
  v: string | undefined,
  check: (x: number) => boolean,
  what: string,
): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x))
    throw new ArgError(`--${name} is ${what}, not '${v}'`);
  return x;
}
const positive = (x: number): boolean => x > 0;

/** '5m', '1m', '30s', '15min', '300000ms' → ms. */
export function parseStep(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(v.trim());
  if (!m) throw new ArgError(`--step is a duration such as 5m, 1m or 30s, not '${v}'`);
  const x = Number(m[1]);
  const unit = m[2] ?? 'm';
  const ms = x * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000);
  if (!(ms >= 1000 && ms <= 3_600_000) || !Number.isInteger(ms))
    throw new ArgError(`--step must be a whole number of ms between 1 s and 1 h, not '${v}'`);
  return ms;
}

/** 'A:B:S' → [A, A+S, …, B]. */
export function parseSweep(v: string): number[] {
  const parts = v.split(':').map((p) => Number(p));
  const [a, b, s] = parts;
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p)) || !(a! > 0) || !(b! >= a!) || !(s! > 0))
    throw new ArgError(
      `--sweep-capacity is FROM:TO:STEP in kW with 0 < FROM ≤ TO and STEP > 0, e.g. 10:125:5, not '${v}'`,
    );
  const out: number[] = [];
  for (let k = 0; a! + k * s! <= b! + 1e-9; k++) out.push(Number((a! + k * s!).toFixed(6)));
  if (out.length > 1000)
    throw new ArgError(`--sweep-capacity '${v}' gives ${out.length} capacities; at most 1000`);
  return out;
}

function parsePolicies(v: string): PolicyName[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new ArgError('--policy needs at least one policy name');
  for (const n of names)
    if (!(POLICY_NAMES as readonly string[]).includes(n))
      throw new ArgError(`--policy: '${n}' is not a policy; use ${POLICY_NAMES.join(', ')}`);
  return [...new Set(names)] as PolicyName[];
}

/** The options, checked in order (the first bad one is the one reported); 'help' for --help. */
export function parseSimulateArgs(args: readonly string[]): SimulateFlags | 'help' {
  const { values, positionals } = parseValues(args);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new ArgError(`unexpected argument '${positionals[0]}'`);
  if (values.sessions === undefined) throw new ArgError('give the session data with --sessions FILE');
  const policies = parsePolicies(values.policy ?? 'fusebox');
  const stepMs = parseStep(values.step ?? '5m');
  const objective = values.objective ?? 'energy';
  if (!(OBJECTIVES as readonly string[]).includes(objective))
    throw new ArgError(`--objective is ${OBJECTIVES.join(' or ')}, not '${objective}'`);
  const capacity = num('capacity-kw', values['capacity-kw'], positive, 'a capacity in kW above 0');
  const sweep = values['sweep-capacity'] === undefined ? undefined : parseSweep(values['sweep-capacity']);
  const sizeTarget = num(
    'size-for',
    values['size-for'],
    (x) => x > 0 && x <= 100,
    'a percentage above 0 and at most 100',
  );
  if ([capacity, sweep, sizeTarget].filter((x) => x !== undefined).length > 1)
    throw new ArgError('give one of --capacity-kw, --sweep-capacity and --size-for');
  const network = parseNetwork(values);
  const assignMode = parseAssignPorts(values['assign-ports'], network);
  if (network === 'aggregate' && capacity === undefined && sweep === undefined && sizeTarget === undefined)
    throw new ArgError('the aggregate model (no --site) needs --capacity-kw, --sweep-capacity or --size-for');
  const voltageV = num('voltage', values.voltage, (x) => x >= 50 && x <= 1000, 'a voltage from 50 to 1000 V');
  const evseMaxA = num('evse-max-a', values['evse-max-a'], positive, 'a current in A above 0');
  const evMaxKw = num('ev-max-kw', values['ev-max-kw'], positive, 'a power in kW above 0');
  const taperSoc = num('taper', values.taper, (x) => x > 0 && x < 1, 'a state of charge between 0 and 1');
  const carBatteryKwh = num(
    'car-battery-kwh',
    values['car-battery-kwh'],
    positive,
    'an energy in kWh above 0',
  );
  if (carBatteryKwh !== undefined && taperSoc === undefined)
    throw new ArgError('--car-battery-kwh only applies with --taper');
  const siteBattery = parseSiteBattery(values, taperSoc !== undefined);
  return {
    values,
    sessionsFile: values.sessions,
    json: values.json === true,
    policies,
    stepMs,
    objective: objective as Objective,
    capacity,
    sweep,
    sizeTarget,
    network,
    assignMode,
    voltageV,
    evseMaxA,
    evMaxKw,
    taperSoc,
    carBatteryKwh,
    siteBattery,
  };
}

/** --network, or the site file's network with --site, or the aggregate model. */
function parseNetwork(values: SimulateValues): NetworkKind {
  const network = values.network ?? (values.site === undefined ? 'aggregate' : 'site');
  if (!['aggregate', 'caltech', 'caltech-linear', 'site'].includes(network))
    throw new ArgError(`--network is aggregate, caltech or caltech-linear, not '${network}'`);
  if (values.site !== undefined && network !== 'site')
    throw new ArgError(`--site and --network ${network} exclude each other: the site file is the network`);
  return network as NetworkKind;
}

function parseAssignPorts(assignArg: string | undefined, network: NetworkKind): AssignPortsMode {
  if (assignArg !== undefined && !(ASSIGN_PORTS_MODES as readonly string[]).includes(assignArg))
    throw new ArgError(`--assign-ports is ${ASSIGN_PORTS_MODES.join(' or ')}, not '${assignArg}'`);
  if (assignArg === 'free' && network === 'aggregate')
    throw new ArgError(
      '--assign-ports free needs a network with ports of its own (--site FILE or --network caltech); ' +
        'the aggregate model is made of the data’s stations',
    );
  return (assignArg ?? 'as-in-data') as AssignPortsMode;
}

/** The site battery of `--battery-kwh KWH --battery-kw KW` (site-battery.ts), with its defaults. */
function parseSiteBattery(values: SimulateValues, taper: boolean): SiteBatterySpec | undefined {
  const kwh = values['battery-kwh'];
  const kw = values['battery-kw'];
  const extras = (['battery-reserve-pct', 'battery-efficiency', 'battery-soc-pct'] as const).filter(
    (k) => values[k] !== undefined,
  );
  if (kwh === undefined && kw === undefined) {
    if (extras.length > 0)
      throw new ArgError(`--${extras[0]} needs a site battery: --battery-kwh KWH --battery-kw KW`);
    return undefined;
  }
  if (kwh !== undefined && kw === undefined && taper)
    throw new ArgError(
      "--battery-kwh is the site battery's energy now: the taper model's car battery is --car-battery-kwh",
    );
  if (kwh === undefined || kw === undefined)
    throw new ArgError('a site battery needs both --battery-kwh KWH and --battery-kw KW');
  const pct = (x: number): boolean => x >= 0 && x <= 100;
  const reserve = num(
    'battery-reserve-pct',
    values['battery-reserve-pct'],
    (x) => x >= 0 && x < 100,
    'a percentage from 0 to below 100',
  );
  return siteBatterySpec({
    capacityKwh: num('battery-kwh', kwh, positive, 'an energy in kWh above 0')!,
    maxKw: num('battery-kw', kw, positive, 'a power in kW above 0')!,
    reserveSocPct: reserve,
    roundTripEfficiency: num(
      'battery-efficiency',
      values['battery-efficiency'],
      (x) => x > 0 && x <= 1,
      'a round-trip efficiency above 0 and at most 1',
    ),
    initialSocPct: num('battery-soc-pct', values['battery-soc-pct'], pct, 'a percentage from 0 to 100'),
  });
}

/** 'g1:150000' → BDEW profile and annual kWh. */
export function parseBdew(v: string): { profile: BdewProfileName; annualKwh: number } {
  const [name, kwh] = v.split(':');
  const annualKwh = Number(kwh);
  if (!(BDEW_PROFILES as readonly string[]).includes(name ?? '') || !(annualKwh > 0))
    throw new ArgError(
      `--bdew is PROFILE:ANNUAL_KWH with PROFILE one of ${BDEW_PROFILES.join(', ')}, e.g. g1:150000, not '${v}'`,
    );
  return { profile: name as BdewProfileName, annualKwh };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
