/**
 * `fusebox simulate`: replays a session file against one or more policies on a network model, at one
 * capacity, over a sweep of capacities, or searching the smallest capacity that meets a demand target.
 * Prints a table (or, with --json, one JSON line last on stdout), and writes a report with --report.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { SIMULATE_USAGE, argumentError } from './cli/usage.ts';
import { formatProblem } from './config/config-problem.ts';
import { loadSiteConfigFile } from './config/load.ts';
import type { CompiledSite } from './core/compiled-site.ts';
import type { Tariff } from './core/tariff.ts';
import type { BdewProfileName } from './sim/world/profiles-data/bdew-profile.ts';
import { BDEW_PROFILES, loadBdewProfile } from './sim/world/profiles-data/bdew-profile.ts';
import { loadBuildingProfile } from './sim/world/profiles-data/building-profile.ts';
import { profileAt } from './sim/world/profiles-data/power-profile.ts';
import { loadPvProfile } from './sim/world/profiles-data/pv-profile.ts';
import { loadTariffFile } from './sim/world/profiles-data/tariff-file.ts';
import { importSessionsFile } from './sim/sessions/import-sessions.ts';
import type { ImportResult } from './sim/sessions/import-sessions.ts';
import type { RunMetrics } from './sim/simulate/metrics.ts';
import type { AssignPortsMode, PortAssignment } from './sim/simulate/port-assignment.ts';
import {
  ASSIGN_PORTS_MODES,
  assignPorts,
  carsAtOncePerStation,
  UnknownStationsError,
  unknownStations,
} from './sim/simulate/port-assignment.ts';
import { writeReport } from './sim/simulate/report.ts';
import type { RunOptions, RunOutcome } from './sim/simulate/run-one.ts';
import { runOne } from './sim/simulate/run-one.ts';
import type { SiteBatterySpec } from './sim/simulate/site-battery.ts';
import { siteBatterySpec } from './sim/simulate/site-battery.ts';
import type { NetworkKind, PolicyName, SetupOptions } from './sim/simulate/scenario.ts';
import type { Objective } from './sim/simulate/scenario.ts';
import { buildSetup, OBJECTIVES, POLICY_NAMES } from './sim/simulate/scenario.ts';
import type { SizingResult } from './sim/simulate/sizing.ts';
import { sizeFor } from './sim/simulate/sizing.ts';

const EXIT_BAD_ARGS = 2;

class ArgError extends Error {}

function num(
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

/** The `--json` line's fields for one run (names fixed by issue 7). */
export function jsonRun(m: RunMetrics): Record<string, number | string> {
  const r = (x: number, d: number): number => Number(x.toFixed(d));
  return {
    policy: m.policy,
    capacityKw: r(m.capacityKw, 3),
    demandMetPct: r(m.demandMetPct, 4),
    sessionsFullyServedPct: r(m.sessionsFullyServedPct, 4),
    peakKw: r(m.peakKw, 3),
    demandPeakKw: r(m.demandPeakKw, 3),
    energyCost: r(m.energyCost, 2),
    demandCharge: r(m.demandCharge, 2),
    violationAmpSeconds: r(m.violationAmpSeconds, 3),
    jainIndex: r(m.jainIndex, 4),
    stepP99Ms: r(m.stepP99Ms, 4),
    turnedAwaySessions: m.turnedAwaySessions,
    turnedAwayKwh: r(m.turnedAwayKwh, 3),
    ...(m.batteryThroughputKwh === undefined
      ? {}
      : {
          batteryThroughputKwh: r(m.batteryThroughputKwh, 3),
          batteryFinalSocPct: r(m.batteryFinalSocPct ?? 0, 3),
        }),
  };
}

/** What placing the cars on ports did, for stderr: cars turned away, and why. */
export function placementNotes(p: PortAssignment, ports: number): string[] {
  const away = `${p.turnedAwaySessions} session(s) (${p.turnedAwayKwh.toFixed(1)} kWh of demand)`;
  if (p.mode === 'free')
    return [
      p.turnedAwaySessions === 0
        ? `placement: each car on a free port of the network's ${ports}; none turned away`
        : `placement: each car on a free port of the network's ${ports}; ${away} turned away, every port occupied when they arrived (counted as demand not met)`,
    ];
  if (p.turnedAwaySessions === 0) return [];
  return [
    `placement: ${away} arrive while every port of their station is still occupied (stays that overlap in the data): ` +
      'turned away, counted as demand not met; --assign-ports free puts them on any free port',
  ];
}

/** Runs `fusebox simulate` with `args` (after the command name); returns the exit code. */
export async function runSimulate(
  args: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  try {
    return await simulateCommand(args, out, err);
  } catch (e) {
    const message = e instanceof ArgError ? e.message : argumentError(e);
    if (message !== undefined) {
      err(`fusebox simulate: ${message}`);
      err('Run `npx fusebox simulate --help` for the options.');
      return EXIT_BAD_ARGS;
    }
    throw e;
  }
}

async function simulateCommand(
  args: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
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
    },
  });
  if (values.help) {
    out(SIMULATE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new ArgError(`unexpected argument '${positionals[0]}'`);
  if (values.sessions === undefined) throw new ArgError('give the session data with --sessions FILE');
  const json = values.json === true;
  const policies = parsePolicies(values.policy ?? 'fusebox');
  const stepMs = parseStep(values.step ?? '5m');
  const objective = values.objective ?? 'energy';
  if (!(OBJECTIVES as readonly string[]).includes(objective))
    throw new ArgError(`--objective is ${OBJECTIVES.join(' or ')}, not '${objective}'`);
  const positive = (x: number): boolean => x > 0;
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
  const network = values.network ?? (values.site === undefined ? 'aggregate' : 'site');
  if (!['aggregate', 'caltech', 'caltech-linear', 'site'].includes(network))
    throw new ArgError(`--network is aggregate, caltech or caltech-linear, not '${network}'`);
  if (values.site !== undefined && network !== 'site')
    throw new ArgError(`--site and --network ${network} exclude each other: the site file is the network`);
  const assignArg = values['assign-ports'];
  if (assignArg !== undefined && !(ASSIGN_PORTS_MODES as readonly string[]).includes(assignArg))
    throw new ArgError(`--assign-ports is ${ASSIGN_PORTS_MODES.join(' or ')}, not '${assignArg}'`);
  if (assignArg === 'free' && network === 'aggregate')
    throw new ArgError(
      '--assign-ports free needs a network with ports of its own (--site FILE or --network caltech); ' +
        'the aggregate model is made of the data’s stations',
    );
  const assignMode = (assignArg ?? 'as-in-data') as AssignPortsMode;
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

  let site: CompiledSite | undefined;
  if (values.site !== undefined) {
    const loaded = loadSiteConfigFile(values.site);
    if (!loaded.ok) {
      for (const p of loaded.problems) err(formatProblem(p));
      err(`fusebox simulate: ${values.site} has errors; run \`npx fusebox check ${values.site}\``);
      return EXIT_BAD_ARGS;
    }
    site = loaded.compiled;
  }

  let imported: ImportResult;
  try {
    imported = importSessionsFile(values.sessions);
  } catch (e) {
    err(`fusebox simulate: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_BAD_ARGS;
  }
  const sessions = imported.sessions;
  if (imported.problems.length > 0) {
    err(`${values.sessions}: ${imported.problems.length} malformed row(s) skipped`);
    for (const p of imported.problems.slice(0, 10)) err(`  line ${p.line}: ${p.message}`);
    if (imported.problems.length > 10) err(`  … and ${imported.problems.length - 10} more`);
  }
  if (sessions.length === 0) {
    err(`fusebox simulate: ${values.sessions} holds no usable session`);
    return EXIT_BAD_ARGS;
  }

  const timeZone = values['time-zone'] ?? site?.site.timeZone ?? imported.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new ArgError(`--time-zone: '${timeZone}' is not an IANA time zone`);
  const buildingScale =
    num('building-scale', values['building-scale'], (x) => x >= 0, 'a factor of 0 or more') ?? 1;
  const pvScale = num('pv-scale', values['pv-scale'], (x) => x >= 0, 'a factor of 0 or more') ?? 1;
  if (values.bdew !== undefined && values.building === undefined)
    throw new ArgError('--bdew needs --building FILE');
  let tariff: Tariff | undefined;
  let buildingKwAt: ((tMs: number) => number) | undefined;
  let pvKwAt: ((tMs: number) => number) | undefined;
  try {
    if (values.tariff !== undefined) {
      const loaded = loadTariffFile(values.tariff, timeZone);
      for (const w of loaded.warnings) err(`${values.tariff}: warning: ${w}`);
      tariff = loaded.tariff;
    }
    if (values.building !== undefined) {
      const profile =
        values.bdew === undefined
          ? loadBuildingProfile(values.building, { timeZone, scale: buildingScale })
          : loadBdewProfile(values.building, { ...parseBdew(values.bdew), timeZone });
      const k = values.bdew === undefined ? 1 : buildingScale;
      buildingKwAt = (t) => k * profileAt(profile, t);
    }
    if (values.pv !== undefined) {
      const profile = loadPvProfile(values.pv, { timeZone, scale: pvScale });
      pvKwAt = (t) => profileAt(profile, t);
    }
  } catch (e) {
    err(`fusebox simulate: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_BAD_ARGS;
  }

  const setupOpts: SetupOptions = {
    kind: network as NetworkKind,
    stationIds: sessions.map((s) => s.stationId),
    site,
    voltageV,
    evseMaxA,
    // A station the data shows holding several cars at once (two connectors) gets as many EVSEs.
    evsesPerStation: network === 'aggregate' ? carsAtOncePerStation(sessions) : undefined,
  };
  const runOpts: RunOptions = {
    stepMs,
    defaultMaxPowerKw: evMaxKw,
    tariff,
    timeZone,
    buildingKwAt,
    pvKwAt,
    taper: taperSoc === undefined ? undefined : { thresholdSoc: taperSoc, capacityKwh: carBatteryKwh ?? 60 },
    assignPorts: assignMode,
    objective: objective as Objective,
    battery: siteBattery,
  };
  // Place the cars once, before any long run: placement does not depend on the policy or the capacity.
  // Stations the network does not know stop the run here, with the flag that would place them.
  const placementNetwork = buildSetup(setupOpts, capacity ?? sweep?.[0] ?? 100).network;
  if (assignMode === 'as-in-data') {
    const missing = unknownStations(sessions, placementNetwork);
    if (missing.length > 0) {
      err(`fusebox simulate: ${new UnknownStationsError(missing).message}`);
      return EXIT_BAD_ARGS;
    }
  }
  const placement = assignPorts(sessions, placementNetwork, assignMode);
  for (const line of placementNotes(placement, placementNetwork.evses.length)) {
    // A data problem is worth saying even with --json (as malformed rows are); the rest is for the table.
    if (!json || assignMode === 'as-in-data') err(line);
  }

  const capacities: (number | undefined)[] = sweep ?? (sizeTarget === undefined ? [capacity] : []);
  const bar =
    !json && process.stderr.isTTY && capacities.length * policies.length > 0
      ? new cliProgress.SingleBar(
          { format: 'simulating {bar} {percentage}% | {label}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const runs: RunOutcome[] = [];
  const total = capacities.length * policies.length;
  bar?.start(total * 100, 0, { label: '' });
  try {
    let done = 0;
    for (const c of capacities) {
      for (const p of policies) {
        const setup = buildSetup(setupOpts, c);
        const label = `${p} at ${setup.capacityKw} kW`;
        const outcome = await runOne(sessions, setup, p, {
          ...runOpts,
          onProgress: bar
            ? (k, n) => bar.update(done * 100 + Math.floor((100 * k) / n), { label })
            : undefined,
        });
        done++;
        bar?.update(done * 100, { label });
        runs.push(outcome);
      }
    }
  } catch (e) {
    bar?.stop();
    err(`fusebox simulate: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  bar?.stop();

  const sizing: SizingResult[] = [];
  if (sizeTarget !== undefined) {
    for (const p of policies) {
      if (!json) err(`sizing for ${p}: bisection on the capacity…`);
      sizing.push(await sizeFor(sessions, setupOpts, p, sizeTarget, runOpts));
      // With cars turned away, also the service the cars that found a port need (the ports are the other answer).
      if (placement.turnedAwaySessions > 0)
        sizing.push(await sizeFor(sessions, setupOpts, p, sizeTarget, runOpts, 0.5, 'plugged-in'));
    }
  }

  if (values.report !== undefined) {
    const files = writeReport(values.report, {
      title: 'Fusebox simulation',
      sessionsFile: values.sessions,
      format: imported.format,
      networkLabel: networkLabel(network, values.site),
      placement: placementLabel(placement, placementNetwork.evses.length),
      stepMs,
      runs,
      sizing,
      notes: imported.notes,
    });
    if (!json) err(`report: ${files.join(', ')}`);
  }

  if (json) {
    const line: Record<string, unknown> = { runs: runs.map((r) => jsonRun(r.metrics)) };
    if (sizing.length > 0)
      line.sizing = sizing.map((s) => ({
        policy: s.policy,
        targetPct: s.targetPct,
        basis: s.basis,
        capacityKw: s.capacityKw,
        demandMetPct: Number(s.demandMetPct.toFixed(4)),
      }));
    out(JSON.stringify(line));
    return 0;
  }
  out(
    `${sessions.length} sessions (${imported.format}), ${networkLabel(network, values.site)}, ${placementLabel(placement, placementNetwork.evses.length)}, step ${stepMs / 60_000} min`,
  );
  if (runs.length > 0) {
    const battery = siteBattery !== undefined;
    out(
      'policy         capacity kW  demand met %  fully served %  turned away (kWh)  peak kW  15-min kW  violation A·s  Jain   p99 ms' +
        (tariff ? '  energy $  demand $' : '') +
        (battery ? '  battery kWh  SoC %' : ''),
    );
    for (const { metrics: m } of runs)
      out(
        `${m.policy.padEnd(14)} ${m.capacityKw.toFixed(1).padStart(11)}  ${m.demandMetPct.toFixed(2).padStart(12)}  ${m.sessionsFullyServedPct.toFixed(1).padStart(14)}  ${`${m.turnedAwaySessions} (${m.turnedAwayKwh.toFixed(0)})`.padStart(17)}  ${m.peakKw.toFixed(1).padStart(7)}  ${m.demandPeakKw.toFixed(1).padStart(9)}  ${m.violationAmpSeconds.toFixed(0).padStart(13)}  ${m.jainIndex.toFixed(3)}  ${m.stepP99Ms.toFixed(3).padStart(6)}${tariff ? `  ${m.energyCost.toFixed(2).padStart(8)}  ${m.demandCharge.toFixed(2).padStart(8)}` : ''}${battery ? `  ${(m.batteryThroughputKwh ?? 0).toFixed(1).padStart(11)}  ${(m.batteryFinalSocPct ?? 0).toFixed(1).padStart(5)}` : ''}${m.lpBoundPct === undefined ? '' : `  (LP bound ${m.lpBoundPct.toFixed(2)} %)`}`,
      );
  }
  const pluggedIn = sessions.length - placement.turnedAwaySessions;
  for (const s of sizing) {
    const of =
      s.basis === 'all'
        ? 'of demand'
        : `of the demand of the ${pluggedIn} car(s) that found a port (${placement.turnedAwaySessions} turned away)`;
    out(
      s.capacityKw === null
        ? `${s.policy}: ${s.targetPct} % ${of} is out of reach (uncontrolled meets ${s.ceilingPct.toFixed(2)} %${s.basis === 'all' && placement.turnedAwaySessions > 0 ? `; ${placement.turnedAwaySessions} session(s) turned away for want of a free port, whatever the capacity` : ''})`
        : `${s.policy}: smallest capacity meeting ≥ ${s.targetPct} % ${of}: ${s.capacityKw.toFixed(1)} kW (${s.demandMetPct.toFixed(2)} % met)`,
    );
  }
  return 0;
}

/** The site battery of `--battery-kwh KWH --battery-kw KW` (site-battery.ts), with its defaults. */
function parseSiteBattery(
  values: Readonly<Record<string, string | boolean | undefined>>,
  taper: boolean,
): SiteBatterySpec | undefined {
  const str = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const kwh = str('battery-kwh');
  const kw = str('battery-kw');
  const extras = ['battery-reserve-pct', 'battery-efficiency', 'battery-soc-pct'].filter(
    (k) => str(k) !== undefined,
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
  const positive = (x: number): boolean => x > 0;
  const pct = (x: number): boolean => x >= 0 && x <= 100;
  const reserve = num(
    'battery-reserve-pct',
    str('battery-reserve-pct'),
    (x) => x >= 0 && x < 100,
    'a percentage from 0 to below 100',
  );
  const spec = siteBatterySpec({
    capacityKwh: num('battery-kwh', kwh, positive, 'an energy in kWh above 0')!,
    maxKw: num('battery-kw', kw, positive, 'a power in kW above 0')!,
    reserveSocPct: reserve,
    roundTripEfficiency: num(
      'battery-efficiency',
      str('battery-efficiency'),
      (x) => x > 0 && x <= 1,
      'a round-trip efficiency above 0 and at most 1',
    ),
    initialSocPct: num('battery-soc-pct', str('battery-soc-pct'), pct, 'a percentage from 0 to 100'),
  });
  return spec;
}

/** 'g1:150000' → BDEW profile and annual kWh. */
function parseBdew(v: string): { profile: BdewProfileName; annualKwh: number } {
  const [name, kwh] = v.split(':');
  const annualKwh = Number(kwh);
  if (!(BDEW_PROFILES as readonly string[]).includes(name ?? '') || !(annualKwh > 0))
    throw new ArgError(
      `--bdew is PROFILE:ANNUAL_KWH with PROFILE one of ${BDEW_PROFILES.join(', ')}, e.g. g1:150000, not '${v}'`,
    );
  return { profile: name as BdewProfileName, annualKwh };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function placementLabel(p: PortAssignment, ports: number): string {
  const away =
    p.turnedAwaySessions === 0
      ? 'none turned away'
      : `${p.turnedAwaySessions} turned away (${p.turnedAwayKwh.toFixed(1)} kWh)`;
  return p.mode === 'free'
    ? `cars on free ports (${ports} ports, ${away})`
    : `cars on their stations' ports as in the data (${away})`;
}

function networkLabel(network: string, sitePath: string | undefined): string {
  switch (network) {
    case 'caltech':
      return 'Caltech ACN, exact three-phase model';
    case 'caltech-linear':
      return 'Caltech ACN, linearized three-phase model';
    case 'site':
      return `site ${sitePath ?? ''}`;
    default:
      return 'aggregate (all stations on one circuit)';
  }
}
